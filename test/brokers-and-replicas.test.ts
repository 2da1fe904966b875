import t from 'tap'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CredentialFile, generateSecret, SecretHasher } from '@aed/core/credentials'
import { startBrokerProcess, type BrokerProcess } from '@aed/testkit/broker-process'
import { startPrivateHaproxy } from '@aed/testkit/private-haproxy'
import { startPrivateRedis } from '@aed/testkit/private-redis'
import { startSmsProviderStandIn } from '@aed/testkit/sms-provider-stand-in'
import { waitFor } from '@aed/testkit/wait-for'
import { slotOf } from '../services/monitor/src/replicas/slots.ts'
import { startTestInflux } from './support/influx.ts'
import { startMonitorProcess, type MonitorProcess } from './support/monitor-process.ts'
import { PublishingCabinet } from './support/publishing-cabinet.ts'
import { strongTestSecret } from './support/stack.ts'
import { writeOnCallAlerting } from './support/on-call-alerting.ts'

/**
 * The national-fleet topology on loopback: two broker processes sharing
 * their state in Redis behind HAProxy, and two monitor replicas sharing the
 * cabinets through a second Redis, every one its own process. Cabinets and
 * replicas reach the brokers through the balancer. A door opening is paged
 * exactly once while everything runs, after one broker is killed, and after
 * one replica is killed. SMS are counted at the SMS provider stand-in; waits
 * are generous and nothing is asserted about time.
 */
t.setTimeout(900_000)

const LEASE_MS = 2000
const ON_CALL = '+359000000401'
const CABINETS = Array.from({ length: 8 }, (_, i) => `topology-aed-0${i + 1}`)

const dir = await mkdtemp(join(tmpdir(), 'aed-topology-'))
const influx = await startTestInflux()
const sms = await startSmsProviderStandIn()
const brokerRedis = await startPrivateRedis()
const replicaRedis = await startPrivateRedis()
const credentialsFile = join(dir, 'credentials.json')
const hashKey = generateSecret()
const hasher = new SecretHasher(hashKey)
const credentials = new CredentialFile(credentialsFile)
// HAProxy connects from 127.0.0.9 with PROXY headers, as mqtt-lb does.
const brokerEnv = { CREDENTIALS_FILE: credentialsFile, CREDENTIALS_HASH_KEY: hashKey, BROKER_PERSISTENCE: 'redis', REDIS_URL: brokerRedis.url, CREDENTIALS_POLL_MS: '200', MQTT_TRUSTED_PROXIES: '127.0.0.9' }
const brokerA = await startBrokerProcess({ env: brokerEnv, heartbeatIntervalMs: 500 })
let brokerB: BrokerProcess = await startBrokerProcess({ env: brokerEnv, heartbeatIntervalMs: 500 })
const lb = await startPrivateHaproxy({ backends: [brokerA.port, brokerB.port], sendProxyV2: true, sourceAddress: '127.0.0.9' })

const fleetFile = join(dir, 'fleet.yaml')
await writeFile(fleetFile, JSON.stringify({
  fleet: 'Topology test fleet',
  timezone: 'Europe/Sofia',
  // A site per cabinet: an SMS names the site's address, which tells the cabinets apart.
  sites: CABINETS.map((id, i) => ({
    id: `topology-site-${i + 1}`,
    name: `Сграда ${i + 1}`,
    shortName: `Сграда ${i + 1}`,
    address: `ул. „Възлова“ ${i + 1}`,
    city: 'Перник',
    coordinates: { lat: 42.6, lon: 23.03 },
    cabinets: [{ id, status: 'active', location: 'Входно фоайе', heartbeatIntervalS: 3600 }]
  }))
}))
const alertingFile = join(dir, 'alerting.yaml')
await writeOnCallAlerting(alertingFile, ON_CALL, { flapWindowMinutes: 0 })
const ADMIN_TOKEN = strongTestSecret()
const MQTT_PASSWORD = strongTestSecret()
const replica = async (id: string): Promise<MonitorProcess> => await startMonitorProcess({
  HOST: '127.0.0.1',
  PORT: '0',
  AED_ADMIN_TOKEN: ADMIN_TOKEN,
  MQTT_URL: lb.url,
  MQTT_PASSWORD,
  MQTT_CLIENT_ID: `aed-monitor-topology-${id}-${process.pid}`,
  CREDENTIALS_FILE: credentialsFile,
  CREDENTIALS_HASH_KEY: hashKey,
  FLEET_FILE: fleetFile,
  DATA_DIR: join(dir, id),
  INFLUX_URL: influx.url,
  INFLUX_DB: influx.database,
  ALERTING_FILE: alertingFile,
  ALERT_LINK_SECRET: strongTestSecret(),
  ...sms.monitorSettings(),
  NOTIFY_RETRY_BASE_MS: '100',
  REPLICA_ID: id,
  REPLICA_REDIS_URL: replicaRedis.url,
  REPLICA_LEASE_MS: String(LEASE_MS),
  API_RATE_LIMIT: '1000000'
})
const a = await replica('a')
const b = await replica('b')
const cabinets = new Map<string, PublishingCabinet>()
for (const id of CABINETS) {
  const secret = generateSecret()
  await credentials.put(id, 'cabinet', hasher.hash(secret))
  cabinets.set(id, await PublishingCabinet.connect(lb.url, id, secret))
}
t.teardown(async () => {
  await Promise.all([a.kill().catch(() => undefined), b.kill().catch(() => undefined)])
  for (const cabinet of cabinets.values()) await cabinet.close().catch(() => undefined)
  await lb.stop()
  await Promise.all([brokerA.kill(), brokerB.kill()])
  await Promise.all([brokerRedis.stop(), replicaRedis.stop(), sms.close()])
  await influx.stop()
  await rm(dir, { recursive: true, force: true })
})

interface Ready { replica?: { slots: number[] } }
const slotsOf = async (monitor: MonitorProcess): Promise<number[]> =>
  ((await (await fetch(`${monitor.url}/readyz`)).json()) as Ready).replica?.slots ?? []
const liveDoorAlert = async (monitor: MonitorProcess, cabinetId: string): Promise<unknown> =>
  ((await (await fetch(`${monitor.url}/api/v1/alerts?status=live&kind=door_open&cabinet=${cabinetId}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { alerts: unknown[] }).alerts[0]
const address = (cabinetId: string): string => `ул. „Възлова“ ${CABINETS.indexOf(cabinetId) + 1}`
const doorPages = (cabinetId: string): number => sms.messages.filter(m => m.to === ON_CALL && /Взет АЕД/.test(m.body) && m.body.includes(address(cabinetId))).length
const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** Opens and closes a cabinet's door; waits until the opening has been paged and the alert has resolved on `monitor`. */
async function useOnce (cabinetId: string, monitor: MonitorProcess, pagesBefore: number): Promise<void> {
  await cabinets.get(cabinetId)!.door('open')
  await waitFor(() => doorPages(cabinetId) > pagesBefore, `${cabinetId}'s opening paged`, 120_000)
  await cabinets.get(cabinetId)!.door('closed')
  await waitFor(async () => (await liveDoorAlert(monitor, cabinetId)) === undefined, `${cabinetId}'s door alert resolved`, 120_000)
}

t.test('two brokers and two replicas: each opening is paged once, through a broker kill and a replica kill', async t => {
  await waitFor(async () => (await slotsOf(a)).length === 32 && (await slotsOf(b)).length === 32, 'each replica holding half of the slots', 120_000)
  const slotsA = new Set(await slotsOf(a))
  const x = CABINETS.find(id => slotsA.has(slotOf(id)))
  const y = CABINETS.find(id => !slotsA.has(slotOf(id)))
  if (x === undefined || y === undefined) throw new Error('the test fleet should have cabinets on both replicas')
  t.comment(`${x} is paged by replica a, ${y} by replica b`)

  await useOnce(x, b, 0)
  await useOnce(y, a, 0)
  await sleep(1000)
  t.same([doorPages(x), doorPages(y)], [1, 1], 'each opening paged once, though both replicas took it in')

  // Broker B goes; its cabinets and its replica come back through the balancer to A.
  const lost = (): number => [...cabinets.values()].reduce((n, c) => n + c.lostConnections, 0)
  const lostBefore = lost()
  await brokerB.kill()
  await sleep(3000)
  t.ok(lost() > lostBefore, `${lost() - lostBefore} cabinet connections were on the killed broker and moved`)
  await useOnce(x, b, 1)
  await useOnce(y, a, 1)
  brokerB = await startBrokerProcess({ env: brokerEnv, heartbeatIntervalMs: 500, port: brokerB.port })
  await sleep(1000)
  t.same([doorPages(x), doorPages(y)], [2, 2], 'after a broker was killed, each opening paged once')

  // Replica a goes; b takes its cabinets over and pages x's next opening, once.
  await a.kill()
  await waitFor(async () => (await slotsOf(b)).length === 64, 'the surviving replica holding every slot', 120_000)
  await useOnce(x, b, 2)
  await useOnce(y, b, 2)
  await sleep(2000)
  t.same([doorPages(x), doorPages(y)], [3, 3], 'after a replica was killed, each opening paged once by the survivor')
})
