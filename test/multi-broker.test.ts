import t from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { CredentialFile, generateSecret, SecretHasher, serviceUsername } from '@aed/core/credentials'
import { FLEET_SUBSCRIPTIONS } from '@aed/core/protocol'
import { startBrokerProcess, type BrokerProcess } from '@aed/testkit/broker-process'
import { startPrivateHaproxy } from '@aed/testkit/private-haproxy'
import { startPrivateRedis } from '@aed/testkit/private-redis'
import { waitFor } from '@aed/testkit/wait-for'
import { PublishingCabinet } from './support/publishing-cabinet.ts'

/*
 * Several broker processes sharing one Redis (BROKER_PERSISTENCE=redis):
 * docs/scaling.md. Each broker is its own child process, started from its
 * environment as main.ts starts it, and killed with SIGKILL. The monitor's
 * side is an mqtt.js client with the monitor's service account, client id,
 * persistent session and fleet subscription, as MqttSubscriber opens it.
 * Loads are small; nothing is asserted about time.
 */
t.setTimeout(15 * 60_000)

const pause = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** What the helpers need of a test: somewhere to put their clean-up. */
interface Scope { teardown (fn: () => unknown): void }

interface Fleet {
  /** The environment every broker of the fleet starts from: the same credentials file and Redis. */
  env: Record<string, string>
  addCabinet (id: string): Promise<string>
  monitorLogin: { username: string, password: string }
}

async function fleet (t: Scope): Promise<Fleet> {
  const dir = await mkdtemp(join(tmpdir(), 'aed-multi-broker-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const redis = await startPrivateRedis()
  t.teardown(() => redis.stop())
  const credentialsFile = join(dir, 'credentials.json')
  const credentials = new CredentialFile(credentialsFile)
  const hashKey = generateSecret()
  const hasher = new SecretHasher(hashKey)
  const add = async (username: string, role: 'cabinet' | 'service'): Promise<string> => {
    const secret = generateSecret()
    await credentials.put(username, role, hasher.hash(secret))
    return secret
  }
  const monitorLogin = { username: serviceUsername('monitor'), password: await add(serviceUsername('monitor'), 'service') }
  return {
    // HAProxy connects from 127.0.0.9 with PROXY headers, as mqtt-lb does; clients connecting directly come from 127.0.0.1.
    env: { CREDENTIALS_FILE: credentialsFile, CREDENTIALS_HASH_KEY: hashKey, BROKER_PERSISTENCE: 'redis', REDIS_URL: redis.url, MQTT_TRUSTED_PROXIES: '127.0.0.9' },
    monitorLogin,
    addCabinet: id => add(id, 'cabinet')
  }
}

/** One broker of the fleet; Aedes' heartbeat shortened so that a dead broker's wills come out within seconds. */
async function broker (t: Scope, f: Fleet, heartbeatIntervalMs = 1000): Promise<BrokerProcess> {
  const started = await startBrokerProcess({ env: f.env, heartbeatIntervalMs })
  t.teardown(() => started.kill())
  return started
}

interface Received { topic: string, payload: string }

/** An MQTT client whose messages are recorded, and the session-present flag of each of its CONNACKs. */
interface Peer {
  client: MqttClient
  received: Received[]
  sessionPresent: boolean[]
  arrived (topic: string, payload: string): Promise<void>
}

async function connect (t: Scope, url: string, options: IClientOptions): Promise<Peer> {
  const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 30_000, ...options })
  t.teardown(() => client.endAsync(true))
  const received: Received[] = []
  const sessionPresent: boolean[] = []
  client.on('message', (topic, payload) => { received.push({ topic, payload: payload.toString() }) })
  client.on('connect', connack => { sessionPresent.push(connack.sessionPresent) })
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve())
    client.once('error', reject)
  })
  return {
    client,
    received,
    sessionPresent,
    async arrived (topic, payload) {
      await waitFor(() => received.some(r => r.topic === topic && r.payload === payload), `${payload} on ${topic}`, 60_000)
    }
  }
}

/** The monitor's connection: its service account, fixed client id and persistent session, subscribed to the fleet. */
async function monitorSession (t: Scope, f: Fleet, url: string, options: IClientOptions = {}): Promise<Peer> {
  const monitor = await connect(t, url, { clientId: 'aed-monitor', clean: false, ...f.monitorLogin, ...options })
  await monitor.client.subscribeAsync(FLEET_SUBSCRIPTIONS, { qos: 1 })
  return monitor
}

const OFFLINE = '{"online":false}'
/** A cabinet's last will: its retained status, offline. */
const will = (id: string): IClientOptions => ({ will: { topic: `aed/v1/${id}/status`, payload: Buffer.from(OFFLINE), qos: 1, retain: true } })

async function cabinet (t: Scope, f: Fleet, url: string, id: string, options: IClientOptions = {}): Promise<Peer> {
  const secret = await f.addCabinet(id)
  return connect(t, url, { clientId: id, username: id, password: secret, ...options })
}

/** The `seq` of every heartbeat of `id` the peer received, with repeats. */
function heartbeatSeqs (peer: Peer, id: string): number[] {
  return peer.received.filter(r => r.topic === `aed/v1/${id}/heartbeat`).map(r => (JSON.parse(r.payload) as { seq: number }).seq)
}

/** "Offline" statuses the peer received for the cabinet. */
function offlines (peer: Peer, id: string): Received[] {
  return peer.received.filter(r => r.topic === `aed/v1/${id}/status` && r.payload === OFFLINE)
}

t.test('a cabinet on broker A reaches the monitor on broker B exactly once, and the monitor\'s commands from B reach the cabinet on A', async t => {
  const f = await fleet(t)
  const a = await broker(t, f)
  const b = await broker(t, f)
  const monitor = await monitorSession(t, f, b.url)
  const cab = await cabinet(t, f, a.url, 'fleet-aed-01')
  await cab.client.subscribeAsync('aed/v1/fleet-aed-01/cmd', { qos: 1 })

  const count = 50
  for (let seq = 0; seq <= count; seq++) {
    await cab.client.publishAsync('aed/v1/fleet-aed-01/heartbeat', JSON.stringify({ seq }), { qos: 1 })
  }
  // The last one is a marker: a duplicate of any before it, by either broker, has had its chance to arrive.
  await monitor.arrived('aed/v1/fleet-aed-01/heartbeat', JSON.stringify({ seq: count }))
  const seqs = heartbeatSeqs(monitor, 'fleet-aed-01')
  t.same(seqs.filter(seq => seq < count), [...Array(count).keys()], `each of ${count} QoS 1 messages arrived once, in order`)

  for (const id of ['c1', 'c2']) {
    await monitor.client.publishAsync('aed/v1/fleet-aed-01/cmd', JSON.stringify({ id, cmd: 'report' }), { qos: 1 })
  }
  await cab.arrived('aed/v1/fleet-aed-01/cmd', '{"id":"c2","cmd":"report"}')
  t.same(cab.received.map(r => r.payload), ['{"id":"c1","cmd":"report"}', '{"id":"c2","cmd":"report"}'], 'each command reached the cabinet on A once')
})

t.test('a cabinet that connects to broker B while its connection to A is still open is not reported offline; its new connection\'s will still works', async t => {
  const f = await fleet(t)
  const a = await broker(t, f)
  const b = await broker(t, f)
  const monitor = await monitorSession(t, f, b.url)
  const secret = await f.addCabinet('fleet-aed-02')
  const login = { clientId: 'fleet-aed-02', username: 'fleet-aed-02', password: secret, ...will('fleet-aed-02') }
  const old = await connect(t, a.url, login)
  const fresh = await connect(t, b.url, login)
  await waitFor(() => !old.client.connected, 'broker A closes the old connection when B announces the new one [MQTT-3.1.4-2]')

  // Past the point where a dead broker's wills would come out (4 heartbeats): A is alive, B must not publish A's copy either.
  await pause(6000)
  const marker = await cabinet(t, f, b.url, 'fleet-aed-03')
  await marker.client.publishAsync('aed/v1/fleet-aed-03/heartbeat', 'marker', { qos: 1 })
  await monitor.arrived('aed/v1/fleet-aed-03/heartbeat', 'marker')
  t.same(offlines(monitor, 'fleet-aed-02'), [], 'no "offline" for the cabinet connected to B')

  fresh.client.stream.destroy()
  await monitor.arrived('aed/v1/fleet-aed-02/status', OFFLINE)
  t.pass('when the connection to B is lost, B publishes the cabinet\'s will')
})

for (const route of ['haproxy', 'servers'] as const) {
  const how = route === 'haproxy' ? 'through HAProxy (leastconn, health checks)' : 'with both brokers in mqtt.js\'s servers list'
  t.test(`${how}: broker A killed under load: its cabinets and the monitor move to B; nothing acknowledged is lost; no false "offline"`, async t => {
    const f = await fleet(t)
    // A dead broker's wills come out after four heartbeats: 3 s each leaves the cabinets that
    // move 12 s to get back in, however busy the machine, before their own will would be true.
    const a = await broker(t, f, 3000)
    const b = await broker(t, f, 3000)
    const lb = route === 'haproxy' ? await startPrivateHaproxy({ backends: [a.port, b.port], sendProxyV2: true, sourceAddress: '127.0.0.9' }) : undefined
    t.teardown(() => lb?.stop())
    const server = (port: number): { host: string, port: number, protocol: 'mqtt' } => ({ host: '127.0.0.1', port, protocol: 'mqtt' })
    const failover = (first: BrokerProcess, second: BrokerProcess): IClientOptions => ({ servers: [server(first.port), server(second.port)] })

    // The monitor is on A, the broker that dies, and fails over to B by its servers list.
    const monitor = await monitorSession(t, f, a.url, { ...failover(a, b), reconnectPeriod: 200 })
    const cabinets: PublishingCabinet[] = []
    for (let n = 1; n <= 4; n++) {
      const id = `fleet-aed-1${n}`
      // Without a balancer, half the cabinets list A first and half B, as a fleet's firmware would be configured.
      const [first, second] = n % 2 === 1 ? [a, b] : [b, a]
      const options = lb === undefined ? { ...failover(first, second), ...will(id) } : will(id)
      const c = await PublishingCabinet.connect(lb?.url ?? first.url, id, await f.addCabinet(id), options)
      t.teardown(() => c.close())
      cabinets.push(c)
    }
    // A cabinet that knows only A and does not reconnect: the will that must come out.
    await cabinet(t, f, a.url, 'fleet-aed-19', will('fleet-aed-19'))

    for (const c of cabinets) c.start(20)
    await pause(1500)
    await a.kill()
    await pause(2000)
    for (const c of cabinets) await c.stop()

    const moved = cabinets.filter(c => c.lostConnections > 0)
    t.ok(moved.length > 0, `${moved.length} of the 4 cabinets were on A and reconnected to B`)
    await waitFor(() => monitor.sessionPresent.length > 1, 'the monitor reconnected', 60_000)
    t.same(monitor.sessionPresent, [false, true], 'the monitor reconnected to B once, into its persistent session')
    let missing: Array<[string, number[]]> = []
    await waitFor(() => {
      missing = cabinets.map(c => [c.id, [...c.acked].filter(seq => !heartbeatSeqs(monitor, c.id).includes(seq))] as [string, number[]])
        .filter(([, lost]) => lost.length > 0)
      return missing.length === 0
    }, 'every acknowledged heartbeat at the monitor', 60_000).catch(() => undefined)
    const acked = cabinets.reduce((sum, c) => sum + c.acked.size, 0)
    t.same(missing, [], `all ${acked} acknowledged messages reached the monitor`)

    await monitor.arrived('aed/v1/fleet-aed-19/status', OFFLINE)
    t.pass('B published the will of the cabinet that was on A and did not come back')
    // A will published by B before the marker is in the monitor's queue before it.
    const marker = await cabinet(t, f, b.url, 'fleet-aed-20')
    await marker.client.publishAsync('aed/v1/fleet-aed-20/heartbeat', 'marker', { qos: 1 })
    await monitor.arrived('aed/v1/fleet-aed-20/heartbeat', 'marker')
    for (const c of cabinets) t.same(offlines(monitor, c.id), [], `no "offline" for ${c.id}, connected to B`)
  })
}
