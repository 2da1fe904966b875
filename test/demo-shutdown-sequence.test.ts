import t from 'tap'
import { spawn } from 'node:child_process'
import { waitFor } from '@aed/testkit/wait-for'
import { ShutdownSequence } from '../infra/demo/shutdown-sequence.ts'
import { isRunning } from './support/demo-process.ts'

t.test('what started last stops first; a failing step is reported and the others still run', async t => {
  const shutdown = new ShutdownSequence()
  const stopped: string[] = []
  const failures: string[] = []
  shutdown.add('influxd', () => { stopped.push('influxd') })
  shutdown.add('the broker', () => { throw new Error('already closed') })
  shutdown.add('the monitor', async () => { stopped.push('the monitor') })
  await shutdown.run((name, err) => failures.push(`${name}: ${(err as Error).message}`))
  t.same(stopped, ['the monitor', 'influxd'])
  t.same(failures, ['the broker: already closed'])
})

t.test('running it again (Ctrl-C during a stop) stops nothing twice', async t => {
  const shutdown = new ShutdownSequence()
  let stops = 0
  shutdown.add('the monitor', async () => { stops++ })
  await Promise.all([shutdown.run(() => {}), shutdown.run(() => {})])
  t.equal(stops, 1)
})

t.test('a child whose stop step never ran (start-up interrupted) is killed', async t => {
  const child = spawn('sleep', ['600'], { stdio: 'ignore' })
  t.teardown(() => { child.kill('SIGKILL') })
  const shutdown = new ShutdownSequence()
  shutdown.killOnExit(child.pid!)
  await shutdown.run(() => {})
  await waitFor(() => child.exitCode !== null || child.signalCode !== null, 'the child to exit')
  t.equal(child.signalCode, 'SIGKILL')
  t.notOk(isRunning(child.pid!))
})
