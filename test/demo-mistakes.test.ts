import t, { type Test } from 'tap'
import { createServer, type Server } from 'node:net'
import type { AddressInfo } from 'node:net'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitFor } from '@aed/testkit/wait-for'
import { isRunning, linesOf, processesMentioning, startDemo, type DemoProcess } from './support/demo-process.ts'

/**
 * The mistakes a newcomer makes with `npm run demo`: each is a short message
 * saying what to fix, exit code 1, and nothing the demo started (influxd,
 * broker, monitor, simulators) left running, whatever step it failed at.
 */

async function holdPort (): Promise<{ port: number, server: Server }> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '0.0.0.0', () => resolve()))
  return { port: (server.address() as AddressInfo).port, server }
}

async function demoDir (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'aed-demo-mistake-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** The demo failed as it should: exit 1, no stack trace, no process left, no lock left. */
async function failedCleanly (t: Test, demo: DemoProcess, dir: string): Promise<string[]> {
  t.teardown(() => { if (isRunning(demo.pid)) demo.child.kill('SIGKILL') })
  t.equal(await demo.exited, 1, 'exits with 1')
  const lines = linesOf(demo.stderr())
  t.notMatch(demo.stderr(), /^\s+at /m, 'no stack trace')
  await waitFor(() => processesMentioning(dir).length === 0, `no process mentioning ${dir} left`, 30_000)
  t.same(processesMentioning(dir), [], 'no influxd (or anything else) of this demo is left running')
  t.notOk(existsSync(join(dir, 'demo.lock')), 'the lock is released')
  return lines
}

t.test('the MQTT port in use: one line naming the port and MQTT_PORT; influxd, started before, is stopped', async t => {
  const dir = await demoDir(t)
  const held = await holdPort()
  t.teardown(() => { held.server.close() })
  const demo = startDemo({ DEMO_DIR: dir, PORT: '0', MQTT_PORT: String(held.port) })
  const lines = await failedCleanly(t, demo, dir)
  t.ok(existsSync(join(dir, 'influxdb', 'influxdb.conf')), 'influxd had been started before the broker failed')
  t.same(lines, [`demo cannot start: port ${held.port} on 0.0.0.0 is already in use (another instance still running?): stop what listens there, or set MQTT_PORT to a free port`])
})

t.test('the API port in use: one line naming the port and PORT; influxd, broker and monitor are stopped', async t => {
  const dir = await demoDir(t)
  const held = await holdPort()
  t.teardown(() => { held.server.close() })
  const demo = startDemo({ DEMO_DIR: dir, PORT: String(held.port), MQTT_PORT: '0' })
  const lines = await failedCleanly(t, demo, dir)
  t.ok(existsSync(join(dir, 'influxdb', 'influxdb.conf')), 'influxd had been started before the monitor failed')
  t.equal(lines.length, 1, `one line on stderr: ${JSON.stringify(lines)}`)
  t.match(lines[0], `demo cannot start: port ${held.port} on 0.0.0.0 is already in use`)
  t.match(lines[0], 'set PORT to a free port')
})

t.test('an empty admin token: one line saying to unset it or how to make one, before anything starts', async t => {
  const dir = await demoDir(t)
  const demo = startDemo({ DEMO_DIR: dir, PORT: '0', MQTT_PORT: '0', AED_ADMIN_TOKEN: '' })
  const lines = await failedCleanly(t, demo, dir)
  t.same(lines, ['demo cannot start: AED_ADMIN_TOKEN is set but empty: unset it (the demo then makes one), or set it to a random value: openssl rand -base64 32'])
})

t.test('a short admin token: one line naming the setting and how to make a good one', async t => {
  const dir = await demoDir(t)
  const demo = startDemo({ DEMO_DIR: dir, PORT: '0', MQTT_PORT: '0', AED_ADMIN_TOKEN: 'demo123' })
  const lines = await failedCleanly(t, demo, dir)
  t.equal(lines.length, 1)
  t.match(lines[0], /^demo cannot start: AED_ADMIN_TOKEN: too short for a secret.*openssl rand -base64 32/)
  t.notMatch(lines[0], 'demo123', 'the value is not quoted')
})

t.test('a bad fleet file: each problem on its own line, no stack trace', async t => {
  const dir = await demoDir(t)
  const fleetFile = join(dir, 'fleet.yaml')
  await writeFile(fleetFile, [
    'fleet: Test',
    'sites:',
    '  - id: Bad Site',
    '    name: A site',
    '    address: Somewhere 1',
    '    city: Pernik',
    '    coordinates: { lat: 42.6, lon: 23.0 }',
    '    cabinets:',
    '      - id: pernik-aed-01',
    '        status: installed',
    '        location: Hall',
    ''
  ].join('\n'))
  const demo = startDemo({ DEMO_DIR: dir, PORT: '0', MQTT_PORT: '0', FLEET_FILE: fleetFile })
  const lines = await failedCleanly(t, demo, dir)
  t.equal(lines[0], `demo cannot start: fleet file ${fleetFile} is invalid:`)
  t.match(lines.slice(1), [/^ {2}- sites\.0\.id: /, /^ {2}- sites\.0\.cabinets\.0\.status: /])
  t.equal(lines.length, 3, 'one line per problem')
})

t.test('a missing fleet file: one problem, naming the file', async t => {
  const dir = await demoDir(t)
  const fleetFile = join(dir, 'no-such-fleet.yaml')
  const demo = startDemo({ DEMO_DIR: dir, PORT: '0', MQTT_PORT: '0', FLEET_FILE: fleetFile })
  const lines = await failedCleanly(t, demo, dir)
  t.same(lines, [`demo cannot start: fleet file ${fleetFile} is invalid:`, '  - cannot read it (ENOENT)'])
})

t.test('an unknown argument: one line with the usage', async t => {
  const dir = await demoDir(t)
  const demo = startDemo({ DEMO_DIR: dir, PORT: '0', MQTT_PORT: '0' }, ['--kep'])
  const lines = await failedCleanly(t, demo, dir)
  t.equal(lines.length, 1)
  t.match(lines[0], /^demo cannot start: unknown argument --kep; usage: npm run demo \[-- --keep\]/)
})
