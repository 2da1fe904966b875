import t, { type Test } from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitFor } from '@aed/testkit/wait-for'
import { isRunning, linesOf, processesMentioning, startDemo, type DemoBanner, type DemoProcess } from './support/demo-process.ts'

/**
 * `npm run demo` run again and again, as a newcomer does: a second demo on
 * the same directory refuses to start and leaves the first alone, a demo
 * killed outright is cleaned up after by the next, each run starts a fresh
 * session unless --keep, and what people are sent is printed in full.
 */

async function demoDir (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'aed-demo-session-'))
  t.teardown(async () => {
    for (const pid of processesMentioning(dir)) process.kill(pid, 'SIGKILL')
    await rm(dir, { recursive: true, force: true })
  })
  return dir
}

/** Any free ports: these demos run beside other tests. */
const PORTS = { PORT: '0', MQTT_PORT: '0' }

function killOnTeardown (t: Test, demo: DemoProcess): void {
  t.teardown(() => { if (isRunning(demo.pid)) demo.child.kill('SIGKILL') })
}

/** Ctrl-C is SIGINT to the demo (and npm, which waits for it). */
async function stopped (t: Test, demo: DemoProcess, dir: string, how: 'SIGINT' | 'SIGTERM' | 'quit'): Promise<void> {
  if (how === 'quit') demo.send('quit')
  else demo.child.kill(how)
  t.equal(await demo.exited, 0, `the demo exits with 0 on ${how}`)
  await waitFor(() => processesMentioning(dir).length === 0, `no process mentioning ${dir} left`, 30_000)
  t.same(processesMentioning(dir), [], 'nothing it started is left running')
  t.notOk(existsSync(join(dir, 'demo.lock')), 'the lock is released')
}

async function api (banner: DemoBanner, path: string): Promise<unknown> {
  const res = await fetch(`${banner.api}${path}`, { headers: { authorization: `Bearer ${banner.token}` } })
  if (res.status !== 200) throw new Error(`GET ${path}: HTTP ${res.status}`)
  return await res.json()
}

async function alertIds (banner: DemoBanner): Promise<string[]> {
  const { alerts } = await api(banner, '/api/v1/alerts') as { alerts: Array<{ id: string }> }
  return alerts.map(alert => alert.id)
}

t.test('a second demo on the same directory refuses in one line naming the first one\'s pid, and the first keeps running', async t => {
  const dir = await demoDir(t)
  const first = startDemo({ DEMO_DIR: dir, ...PORTS })
  killOnTeardown(t, first)
  const banner = await first.ready()

  const second = startDemo({ DEMO_DIR: dir, ...PORTS })
  killOnTeardown(t, second)
  t.equal(await second.exited, 1)
  t.same(linesOf(second.stderr()), [
    `demo cannot start: another demo is already running (pid ${first.pid}) with its data in ${dir}: stop it with Ctrl-C in its terminal or "kill ${first.pid}", or give this one its own DEMO_DIR, PORT and MQTT_PORT`
  ])

  t.ok(isRunning(first.pid), 'the first demo still runs')
  t.ok(banner.influxdPid !== undefined && isRunning(banner.influxdPid), 'and so does its influxd')
  const cabinets = await api(banner, '/api/v1/cabinets') as { cabinets: unknown[] }
  t.equal(cabinets.cabinets.length, 3, 'its API still answers with its token')
  t.ok(existsSync(join(dir, 'demo.lock')), 'its lock is still there')
  await stopped(t, first, dir, 'SIGTERM')
})

t.test('a demo killed with SIGKILL leaves its influxd; the next demo takes over the stale lock and stops it', async t => {
  const dir = await demoDir(t)
  const killed = startDemo({ DEMO_DIR: dir, ...PORTS })
  killOnTeardown(t, killed)
  const { influxdPid } = await killed.ready()
  if (influxdPid === undefined) throw new Error('the demo started no influxd (is influxd on PATH?)')
  killed.child.kill('SIGKILL')
  await killed.exited
  t.ok(isRunning(influxdPid), 'no code ran in the killed demo: its influxd is orphaned')

  const next = startDemo({ DEMO_DIR: dir, ...PORTS })
  killOnTeardown(t, next)
  const banner = await next.ready()
  t.notOk(isRunning(influxdPid), 'the orphaned influxd is gone')
  t.not(banner.influxdPid, influxdPid, 'the new demo runs an influxd of its own')
  await stopped(t, next, dir, 'quit')
})

t.test('each run starts with a clean alert journal unless --keep; SMS and email bodies are printed in full', async t => {
  const dir = await demoDir(t)

  // A session in which the door of the active cabinet opens and stays open.
  const first = startDemo({ DEMO_DIR: dir, ...PORTS })
  killOnTeardown(t, first)
  const firstBanner = await first.ready()
  first.send('open pernik-aed-01')
  await waitFor(() => first.stdout().includes('📱 SMS to') && first.stdout().includes('✉️  email to'), 'the door opening\'s SMS and email printed', 60_000)
  const [doorAlert] = await alertIds(firstBanner)
  if (doorAlert === undefined) throw new Error('no alert for the open door')

  const printed = first.stdout()
  const sms = /📱 SMS to (\+\d+) from AED-Demo:\n((?: {3}.*\n)+)/.exec(printed)
  t.ok(sms, 'the SMS is printed with its recipient')
  t.match(sms?.[2], /\/a\/\S+/, 'in full, with the acknowledgement link at its end')
  const email = /✉️ {2}email to (\S+): (.+)\n((?: {3}.*\n)+)/.exec(printed)
  t.ok(email, 'the email is printed with its recipient and subject')
  t.ok(linesOf(email?.[3] ?? '').length > 5, 'and its plain-text body, line by line')
  t.match(email?.[3], 'pernik-aed-01', 'which names the cabinet')
  await stopped(t, first, dir, 'SIGTERM')
  t.match(readFileSync(join(dir, 'monitor', 'alert-journal.jsonl'), 'utf8'), doorAlert, 'the session\'s alert is in its journal')

  // --keep goes on with that session.
  const kept = startDemo({ DEMO_DIR: dir, ...PORTS }, ['--keep'])
  killOnTeardown(t, kept)
  const keptBanner = await kept.ready()
  t.match(kept.stdout(), 'continuing the previous session (--keep)')
  t.ok((await alertIds(keptBanner)).includes(doorAlert), 'with --keep the previous session\'s alert is still known')
  await stopped(t, kept, dir, 'SIGINT')

  // Without it, the next run knows nothing of it, and so sends nothing about it.
  const fresh = startDemo({ DEMO_DIR: dir, ...PORTS })
  killOnTeardown(t, fresh)
  const freshBanner = await fresh.ready()
  t.same(await alertIds(freshBanner), [], 'a fresh run has no alerts from before')
  const journal = join(dir, 'monitor', 'alert-journal.jsonl')
  t.notMatch(existsSync(journal) ? readFileSync(journal, 'utf8') : '', doorAlert, 'nor its journal')
  t.notMatch(fresh.stdout(), /📱|✉️/, 'nothing has been sent in the fresh session')
  await stopped(t, fresh, dir, 'SIGTERM')
})
