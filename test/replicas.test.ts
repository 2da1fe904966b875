import t from 'tap'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startPrivateRedis } from '@aed/testkit/private-redis'
import { parsePrometheusText, sampleValue } from '@aed/testkit/prometheus-text'
import { startSmsProviderStandIn } from '@aed/testkit/sms-provider-stand-in'
import { startTestBroker } from '@aed/testkit/test-broker'
import { waitFor } from '@aed/testkit/wait-for'
import { slotOf } from '../services/monitor/src/replicas/slots.ts'
import { startTestInflux } from './support/influx.ts'
import { startMonitorProcess, type MonitorProcess } from './support/monitor-process.ts'
import { PublishingCabinet } from './support/publishing-cabinet.ts'
import { strongTestSecret } from './support/stack.ts'

/**
 * Two monitor replicas, each its own process, on one broker and one Redis
 * (REPLICA_REDIS_URL). Each cabinet is paged by exactly one of them; when
 * the one that owns a cabinet is killed with SIGKILL the other takes the
 * cabinet over, does not page an alert that was already paged, carries an
 * acknowledgement made through either replica, and pages what happens next
 * exactly once. SMS are counted at the SMS provider stand-in. Waits are
 * generous; no assertion is about how fast anything was.
 */
t.setTimeout(600_000)

const LEASE_MS = 2000
const ACK_TIMEOUT_MS = 30_000
const ON_CALL = '+359000000301'
const BACKUP = '+359000000302'
const CABINETS = Array.from({ length: 8 }, (_, i) => `replica-aed-0${i + 1}`)

const influx = await startTestInflux()
const broker = await startTestBroker()
const redis = await startPrivateRedis()
const sms = await startSmsProviderStandIn()
const dir = await mkdtemp(join(tmpdir(), 'aed-replicas-'))
const fleetFile = join(dir, 'fleet.yaml')
await writeFile(fleetFile, JSON.stringify({
  fleet: 'Replica test fleet',
  timezone: 'Europe/Sofia',
  // A site per cabinet: an SMS names the site and its address, so the address tells the cabinets apart.
  sites: CABINETS.map((id, i) => ({
    id: `replica-site-${i + 1}`,
    name: `Тестова сграда ${i + 1}`,
    shortName: `Тестова сграда ${i + 1}`,
    address: `ул. „Тестова“ ${i + 1}`,
    city: 'Перник',
    coordinates: { lat: 42.6, lon: 23.03 },
    cabinets: [{ id, status: 'active', location: 'Входно фоайе', heartbeatIntervalS: 3600 }]
  }))
}))
const alertingFile = join(dir, 'alerting.yaml')
await writeFile(alertingFile, JSON.stringify({
  timezone: 'Europe/Sofia',
  people: [
    { id: 'on-call', name: 'Иван Петров', phone: ON_CALL, language: 'bg' },
    { id: 'backup', name: 'Мария Иванова', phone: BACKUP, language: 'bg' }
  ],
  rota: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '00:00', primary: 'on-call', backup: 'backup' }],
  escalation: { ackTimeoutMinutes: ACK_TIMEOUT_MS / 60_000 },
  flapWindowMinutes: 0,
  digest: { enabled: false }
}))
const ADMIN_TOKEN = strongTestSecret()
const shared = {
  HOST: '127.0.0.1',
  PORT: '0',
  AED_ADMIN_TOKEN: ADMIN_TOKEN,
  MQTT_URL: broker.url,
  MQTT_PASSWORD: strongTestSecret(),
  CREDENTIALS_FILE: broker.credentials.path,
  CREDENTIALS_HASH_KEY: broker.credentialsHashKey,
  FLEET_FILE: fleetFile,
  INFLUX_URL: influx.url,
  INFLUX_DB: influx.database,
  ALERTING_FILE: alertingFile,
  ALERT_LINK_SECRET: strongTestSecret(),
  ...sms.monitorSettings(),
  NOTIFY_RETRY_BASE_MS: '100',
  REPLICA_REDIS_URL: redis.url,
  REPLICA_LEASE_MS: String(LEASE_MS),
  API_RATE_LIMIT: '1000000'
}
const replica = async (id: string): Promise<MonitorProcess> => await startMonitorProcess({
  ...shared, REPLICA_ID: id, MQTT_CLIENT_ID: `aed-monitor-replica-${id}-${process.pid}`, DATA_DIR: join(dir, id)
})
const a = await replica('a')
const b = await replica('b')
const cabinets = new Map<string, PublishingCabinet>()
for (const id of CABINETS) cabinets.set(id, await PublishingCabinet.connect(broker.url, id, await broker.addCabinet(id)))
t.teardown(async () => {
  await Promise.all([a.kill().catch(() => undefined), b.kill().catch(() => undefined)])
  for (const cabinet of cabinets.values()) await cabinet.close().catch(() => undefined)
  await broker.close()
  await sms.close()
  await redis.stop()
  await influx.stop()
  await rm(dir, { recursive: true, force: true })
})

interface Ready { replica?: { id: string, slots: number[], members: number } }
const slotsOf = async (monitor: MonitorProcess): Promise<number[]> =>
  ((await (await fetch(`${monitor.url}/readyz`)).json()) as Ready).replica?.slots ?? []
const api = async (monitor: MonitorProcess, path: string, method = 'GET'): Promise<unknown> =>
  await (await fetch(`${monitor.url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()
interface AlertView { id: string, cabinetId: string, status: string, escalationLevel: number, openedAt: string }
const doorAlert = async (monitor: MonitorProcess, cabinetId: string, status = 'live'): Promise<AlertView | undefined> =>
  ((await api(monitor, `/alerts?status=${status}&kind=door_open&cabinet=${cabinetId}`)) as { alerts: AlertView[] }).alerts[0]
const address = (cabinetId: string): string => `ул. „Тестова“ ${CABINETS.indexOf(cabinetId) + 1}`
const doorPages = (cabinetId: string): number => sms.messages.filter(m => m.to === ON_CALL && /Взет АЕД/.test(m.body) && m.body.includes(address(cabinetId))).length
const toBackup = (): number => sms.messages.filter(m => m.to === BACKUP).length
const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

t.test('two replicas split the cabinets; a takeover after kill -9 pages nothing twice, keeps acknowledgements and pages what comes next once', async t => {
  await waitFor(async () => {
    const [slotsA, slotsB] = [await slotsOf(a), await slotsOf(b)]
    return slotsA.length === 32 && slotsB.length === 32
  }, 'both replicas holding half of the slots', 60_000)
  for (const monitor of [a, b]) {
    const families = parsePrometheusText(await (await fetch(`${monitor.url}/metrics`)).text())
    t.same([sampleValue(families, 'aed_replica_slots', {}), sampleValue(families, 'aed_replica_members', {}), sampleValue(families, 'aed_replica_isolated', {})], [32, 2, 0], '/metrics: its 32 slots, 2 members, not isolated')
  }
  const slotsA = new Set(await slotsOf(a))
  const x = CABINETS.find(id => slotsA.has(slotOf(id)))
  const y = CABINETS.find(id => !slotsA.has(slotOf(id)))
  if (x === undefined || y === undefined) throw new Error('the test fleet should have cabinets on both replicas')
  t.comment(`${x} is on replica a, ${y} on replica b`)

  await cabinets.get(x)!.door('open')
  await cabinets.get(y)!.door('open')
  await waitFor(() => doorPages(x) >= 1 && doorPages(y) >= 1, 'both openings paged', 60_000)
  const first = (await doorAlert(a, x))!
  await waitFor(async () => (await doorAlert(a, y)) !== undefined, 'the other replica\'s alert mirrored to a')
  const other = (await doorAlert(a, y))!
  t.equal((await doorAlert(b, x))?.id, first.id, 'both replicas know the alert under the same id')

  // Acknowledged through a: its own cabinet's alert, and the other replica's.
  await api(a, `/alerts/${first.id}/ack`, 'POST')
  await api(a, `/alerts/${other.id}/ack`, 'POST')
  await waitFor(async () => (await doorAlert(b, x))?.status === 'acknowledged' && (await doorAlert(b, y))?.status === 'acknowledged', 'both acknowledgements reached replica b', 30_000)
  await sleep(1000)
  t.equal(doorPages(x), 1, `${x}'s opening paged once, though both replicas took the message in`)
  t.equal(doorPages(y), 1, `${y}'s opening paged once`)

  const killedAt = Date.now()
  await a.kill()
  await waitFor(async () => (await slotsOf(b)).length === 64, 'the survivor holding every slot', 60_000)
  t.comment(`replica b held every slot ${Date.now() - killedAt} ms after replica a was killed (lease ${LEASE_MS} ms; stated bound lease + lease/3 after a's last renewal)`)

  // Past both alerts' escalation time: acknowledged, so nobody escalates, neither the survivor for the taken-over cabinet nor for its own.
  const escalationDue = Math.max(Date.parse(first.openedAt), Date.parse(other.openedAt)) + ACK_TIMEOUT_MS
  await sleep(Math.max(0, escalationDue - Date.now()) + 5000)
  t.equal(toBackup(), 0, 'no escalation of an acknowledged alert after the takeover')
  t.equal(doorPages(x), 1, 'the first alert is not paged again by the survivor')
  t.equal((await doorAlert(b, x))?.status, 'acknowledged')

  // What happens next on the taken-over cabinet is paged by the survivor, once, and escalates once.
  await cabinets.get(x)!.door('closed')
  await waitFor(async () => (await doorAlert(b, x)) === undefined, `${x}'s door alert resolved on the survivor`, 30_000)
  await cabinets.get(x)!.door('open')
  await waitFor(() => doorPages(x) === 2, 'the second opening paged', 60_000)
  const second = (await doorAlert(b, x))!
  t.not(second.id, first.id, 'a new alert')
  await waitFor(() => toBackup() >= 1, 'the unacknowledged second alert escalated to the backup', ACK_TIMEOUT_MS + 60_000)
  await sleep(2000)
  t.equal(doorPages(x), 2, 'the second opening paged exactly once')
  t.equal(toBackup(), 1, 'escalated exactly once')
  t.equal((await doorAlert(b, x))?.escalationLevel, 1)
})
