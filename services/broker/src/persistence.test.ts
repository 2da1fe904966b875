import t from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { pino } from 'pino'
import { CredentialFile, generateSecret, SecretHasher, serviceUsername } from '@aed/core/credentials'
import { FLEET_SUBSCRIPTIONS } from '@aed/core/protocol'
import { startBrokerProcess, type BrokerProcess } from '@aed/testkit/broker-process'
import { startPrivateRedis, type PrivateRedis } from '@aed/testkit/private-redis'
import { waitFor } from '@aed/testkit/wait-for'
import { startBroker } from './broker.ts'

/*
 * The broker runs as a child process with its real configuration
 * (BROKER_PERSISTENCE and friends) and is killed with SIGKILL, so nothing
 * gets a chance to be saved on the way out. The clients are mqtt.js, as
 * the monitor and the simulator use it.
 */

// Two brokers are started per test; on a slow machine that adds up.
t.setTimeout(20 * 60_000)

const MONITOR_CLIENT_ID = 'aed-monitor'

/** What the helpers need of a test: somewhere to put their clean-up. */
interface Scope { teardown (fn: () => unknown): void }

interface Deployment {
  env: Record<string, string>
  /** The private redis-server, for BROKER_PERSISTENCE=redis. */
  redis?: PrivateRedis
  addCabinet (id: string): Promise<string>
  monitorLogin: { username: string, password: string }
}

/** A credentials file, a broker store of the given kind, and the monitor's service account. */
async function deployment (t: Scope, kind: 'disk' | 'redis' | 'memory'): Promise<Deployment> {
  const dir = await mkdtemp(join(tmpdir(), 'aed-broker-persistence-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const credentialsFile = join(dir, 'credentials.json')
  const credentials = new CredentialFile(credentialsFile)
  const hashKey = generateSecret()
  const hasher = new SecretHasher(hashKey)
  const env: Record<string, string> = { CREDENTIALS_FILE: credentialsFile, CREDENTIALS_HASH_KEY: hashKey, BROKER_PERSISTENCE: kind, BROKER_DATA_DIR: join(dir, 'broker'), LOG_LEVEL: 'debug' }
  let redis: PrivateRedis | undefined
  if (kind === 'redis') {
    redis = await startPrivateRedis()
    t.teardown(() => redis?.stop())
    env.REDIS_URL = redis.url
  }
  const add = async (username: string, role: 'cabinet' | 'service'): Promise<string> => {
    const secret = generateSecret()
    await credentials.put(username, role, hasher.hash(secret))
    return secret
  }
  const monitorLogin = { username: serviceUsername('monitor'), password: await add(serviceUsername('monitor'), 'service') }
  return { env, redis, monitorLogin, addCabinet: id => add(id, 'cabinet') }
}

/** Starts the broker; the test ends by killing whatever run is current. */
async function brokerRun (t: Scope, env: Record<string, string>, options: { port?: number, heartbeatIntervalMs?: number } = {}): Promise<BrokerProcess> {
  const broker = await startBrokerProcess({ env, ...options })
  t.teardown(() => broker.kill())
  return broker
}

interface Received { topic: string, payload: string, dup: boolean, retain: boolean }

/** An MQTT client whose messages are recorded from the first packet after CONNACK. */
interface Peer {
  client: MqttClient
  sessionPresent: boolean
  received: Received[]
  arrived (topic: string, payload: string): Promise<Received>
}

async function connect (t: Scope, url: string, options: IClientOptions): Promise<Peer> {
  const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 30_000, ...options })
  t.teardown(() => client.endAsync(true))
  const received: Received[] = []
  client.on('message', (topic, payload, packet) => { received.push({ topic, payload: payload.toString(), dup: packet.dup, retain: packet.retain }) })
  const connack = await new Promise<{ sessionPresent: boolean }>((resolve, reject) => {
    client.once('connect', resolve)
    client.once('error', reject)
  })
  return {
    client,
    sessionPresent: connack.sessionPresent,
    received,
    async arrived (topic, payload) {
      const match = (r: Received): boolean => r.topic === topic && r.payload === payload
      await waitFor(() => received.some(match), `${payload} on ${topic}`)
      return received.find(match)!
    }
  }
}

/** The monitor's connection: a persistent session under a fixed client id, as MqttSubscriber opens it. */
function monitorOptions (d: Deployment): IClientOptions {
  return { clientId: MONITOR_CLIENT_ID, clean: false, ...d.monitorLogin }
}

async function cabinet (t: Scope, url: string, id: string, secret: string, options: IClientOptions = {}): Promise<Peer> {
  return connect(t, url, { clientId: id, username: id, password: secret, ...options })
}

/** mqtt.js sends a PUBACK when handleMessage calls back; this one never does. */
function neverAcknowledge (peer: Peer): void {
  peer.client.handleMessage = () => {}
}

/** The monitor subscribes once, as it does on its first start, and goes away (a restart of its own). */
async function monitorSubscribedThenAway (t: Scope, url: string, d: Deployment): Promise<void> {
  const monitor = await connect(t, url, monitorOptions(d))
  // A message that reaches this connection before the broker has seen it close stays queued for the next one.
  neverAcknowledge(monitor)
  await monitor.client.subscribeAsync(FLEET_SUBSCRIPTIONS, { qos: 1 })
  await monitor.client.endAsync(true)
}

for (const kind of ['disk', 'redis'] as const) {
  t.test(`${kind}: a monitor that comes back to a long queue (1500 messages) is handed all of it at once`, async t => {
    const d = await deployment(t, kind)
    const broker = await brokerRun(t, d.env)
    await monitorSubscribedThenAway(t, broker.url, d)
    const cab = await cabinet(t, broker.url, 'keep-aed-20', await d.addCabinet('keep-aed-20'))
    for (let seq = 0; seq < 1500; seq++) await cab.client.publishAsync('aed/v1/keep-aed-20/heartbeat', JSON.stringify({ seq }), { qos: 1 })
    const monitor = await connect(t, broker.url, monitorOptions(d))
    const seqs = (): Set<number> => new Set(monitor.received.map(r => (JSON.parse(r.payload) as { seq: number }).seq))
    await waitFor(() => seqs().size === 1500, 'all 1500 queued messages', 120_000).catch(() => undefined)
    t.equal(seqs().size, 1500, 'not only the first 1000 (aedes-persistence-redis hands out 1000 unless told otherwise)')
  })

  t.test(`${kind}: a QoS 1 message queued for the monitor while it is away is delivered after the broker is killed and restarted`, async t => {
    const d = await deployment(t, kind)
    const first = await brokerRun(t, d.env)
    await monitorSubscribedThenAway(t, first.url, d)
    const door = await cabinet(t, first.url, 'keep-aed-01', await d.addCabinet('keep-aed-01'))
    await door.client.publishAsync('aed/v1/keep-aed-01/door', '{"seq":1,"state":"open"}', { qos: 1 })
    await door.client.endAsync()

    await first.kill()
    const second = await brokerRun(t, d.env, { port: first.port })
    const monitor = await connect(t, second.url, monitorOptions(d))
    t.ok(monitor.sessionPresent, 'the monitor\'s session is still there (CONNACK session present)')
    await monitor.arrived('aed/v1/keep-aed-01/door', '{"seq":1,"state":"open"}')
    t.pass('the message the broker acknowledged before it was killed reached the monitor')
  })

  t.test(`${kind}: a message delivered to the monitor but not yet acknowledged by it is delivered again after a kill`, async t => {
    const d = await deployment(t, kind)
    const first = await brokerRun(t, d.env)
    // A monitor that has received the message but dies with the broker before its PUBACK.
    const monitor = await connect(t, first.url, monitorOptions(d))
    neverAcknowledge(monitor)
    await monitor.client.subscribeAsync(FLEET_SUBSCRIPTIONS, { qos: 1 })
    const door = await cabinet(t, first.url, 'keep-aed-02', await d.addCabinet('keep-aed-02'))
    await door.client.publishAsync('aed/v1/keep-aed-02/door', '{"seq":7,"state":"open"}', { qos: 1 })
    await monitor.arrived('aed/v1/keep-aed-02/door', '{"seq":7,"state":"open"}')

    await first.kill()
    monitor.client.end(true)
    const second = await brokerRun(t, d.env, { port: first.port })
    const again = await connect(t, second.url, monitorOptions(d))
    await again.arrived('aed/v1/keep-aed-02/door', '{"seq":7,"state":"open"}')
    t.pass('sent again: the monitor drops it if it had already taken it in (DuplicateFilter, seq)')
  })

  t.test(`${kind}: a cabinet's retained status survives a kill`, async t => {
    const d = await deployment(t, kind)
    const first = await brokerRun(t, d.env)
    const secret = await d.addCabinet('keep-aed-03')
    const cab = await cabinet(t, first.url, 'keep-aed-03', secret)
    await cab.client.publishAsync('aed/v1/keep-aed-03/status', '{"online":true,"fw":"2.1.0"}', { qos: 1, retain: true })
    await cab.client.endAsync()

    await first.kill()
    const second = await brokerRun(t, d.env, { port: first.port })
    // A new subscriber, with no session: only the retained message can tell it the status.
    const viewer = await connect(t, second.url, { clientId: 'status-viewer', clean: true, ...d.monitorLogin })
    await viewer.client.subscribeAsync(FLEET_SUBSCRIPTIONS, { qos: 1 })
    const status = await viewer.arrived('aed/v1/keep-aed-03/status', '{"online":true,"fw":"2.1.0"}')
    t.ok(status.retain, 'delivered as a retained message')
  })

  t.test(`${kind}: a cabinet's persistent session survives a kill: its subscription, and a command queued while it was away`, async t => {
    const d = await deployment(t, kind)
    const first = await brokerRun(t, d.env)
    const secret = await d.addCabinet('keep-aed-04')
    const cab = await cabinet(t, first.url, 'keep-aed-04', secret, { clean: false })
    neverAcknowledge(cab)
    await cab.client.subscribeAsync('aed/v1/keep-aed-04/cmd', { qos: 1 })
    await cab.client.endAsync(true)
    const monitor = await connect(t, first.url, monitorOptions(d))
    await monitor.client.publishAsync('aed/v1/keep-aed-04/cmd', '{"id":"c1","cmd":"report"}', { qos: 1 })
    await monitor.client.endAsync()

    await first.kill()
    const second = await brokerRun(t, d.env, { port: first.port })
    const back = await cabinet(t, second.url, 'keep-aed-04', secret, { clean: false })
    t.ok(back.sessionPresent, 'session present')
    await back.arrived('aed/v1/keep-aed-04/cmd', '{"id":"c1","cmd":"report"}')
    const later = await connect(t, second.url, monitorOptions(d))
    await later.client.publishAsync('aed/v1/keep-aed-04/cmd', '{"id":"c2","cmd":"report"}', { qos: 1 })
    await back.arrived('aed/v1/keep-aed-04/cmd', '{"id":"c2","cmd":"report"}')
    t.pass('the restored subscription takes new commands without the cabinet subscribing again')
  })

  t.test(`${kind}: right after a restart, a message acknowledged to a cabinet before the monitor is back still reaches the monitor`, async t => {
    const d = await deployment(t, kind)
    const first = await brokerRun(t, d.env)
    const monitor = await connect(t, first.url, monitorOptions(d))
    await monitor.client.subscribeAsync(FLEET_SUBSCRIPTIONS, { qos: 1 })

    await first.kill()
    const second = await brokerRun(t, d.env, { port: first.port })
    // The monitor's connection died with the broker; it has not reconnected yet.
    t.notOk(monitor.client.connected, 'the monitor is not connected')
    const door = await cabinet(t, second.url, 'keep-aed-05', await d.addCabinet('keep-aed-05'))
    await door.client.publishAsync('aed/v1/keep-aed-05/door', '{"seq":2,"state":"open"}', { qos: 1 })
    t.pass('PUBACK received: the cabinet forgets the message')

    const back = await connect(t, second.url, monitorOptions(d))
    await back.arrived('aed/v1/keep-aed-05/door', '{"seq":2,"state":"open"}')
    t.pass('the subscription restored from the store matched the publish, so the message was queued for the monitor')
  })

  t.test(`${kind}: a clean stop publishes no will for the cabinets the broker disconnects`, async t => {
    const d = await deployment(t, kind)
    const first = await brokerRun(t, d.env)
    await monitorSubscribedThenAway(t, first.url, d)
    await cabinet(t, first.url, 'keep-aed-06', await d.addCabinet('keep-aed-06'),
      { will: { topic: 'aed/v1/keep-aed-06/status', payload: Buffer.from('{"online":false}'), qos: 1, retain: true } })

    await first.stop()
    const second = await brokerRun(t, d.env, { port: first.port })
    const monitor = await connect(t, second.url, monitorOptions(d))
    // A marker published after the restart arrives after anything queued before it.
    const marker = await cabinet(t, second.url, 'keep-aed-07', await d.addCabinet('keep-aed-07'))
    await marker.client.publishAsync('aed/v1/keep-aed-07/heartbeat', 'marker', { qos: 1 })
    await monitor.arrived('aed/v1/keep-aed-07/heartbeat', 'marker')
    t.same(monitor.received.filter(r => r.topic === 'aed/v1/keep-aed-06/status'), [], 'no "offline" for a cabinet that was only disconnected by the stop')
  })

  t.test(`${kind}: after a kill, the will of a cabinet that came back is not published, that of one that did not come back is`, async t => {
    const d = await deployment(t, kind)
    // Aedes publishes a dead broker's wills after 4 heartbeats; 60 s by default.
    const heartbeatIntervalMs = 250
    const first = await brokerRun(t, d.env, { heartbeatIntervalMs })
    await monitorSubscribedThenAway(t, first.url, d)
    const will = (id: string): IClientOptions => ({ will: { topic: `aed/v1/${id}/status`, payload: Buffer.from('{"online":false}'), qos: 1, retain: true } })
    const returningSecret = await d.addCabinet('keep-aed-08')
    await cabinet(t, first.url, 'keep-aed-08', returningSecret, will('keep-aed-08'))
    await cabinet(t, first.url, 'keep-aed-09', await d.addCabinet('keep-aed-09'), will('keep-aed-09'))

    await first.kill()
    const second = await brokerRun(t, d.env, { port: first.port, heartbeatIntervalMs })
    await cabinet(t, second.url, 'keep-aed-08', returningSecret, will('keep-aed-08'))
    const monitor = await connect(t, second.url, monitorOptions(d))
    await monitor.arrived('aed/v1/keep-aed-09/status', '{"online":false}')
    t.pass('the cabinet that did not reconnect is reported offline by its will')
    const marker = await cabinet(t, second.url, 'keep-aed-10', await d.addCabinet('keep-aed-10'))
    await marker.client.publishAsync('aed/v1/keep-aed-10/heartbeat', 'marker', { qos: 1 })
    await monitor.arrived('aed/v1/keep-aed-10/heartbeat', 'marker')
    t.same(monitor.received.filter(r => r.topic === 'aed/v1/keep-aed-08/status'), [], 'no "offline" for the cabinet that is connected')
  })
}

/** SUBSCRIBE with one filter the cabinet may have and one it may not; the granted QoS of each. */
async function subscribeOwnAndFleet (peer: Peer, id: string): Promise<number[]> {
  return peer.client.subscribeAsync([`aed/v1/${id}/cmd`, 'aed/v1/+/+'], { qos: 1 }).then(
    granted => granted.map(g => g.qos),
    (err: { packet?: { granted?: number[] } }) => err.packet?.granted ?? [])
}

/** Another cabinet's door message, then a command to `id` as a marker behind it: what reached `id`? */
async function whatReachesTheSpy (t: Scope, url: string, d: Deployment, id: string, secret: string): Promise<Received[]> {
  const other = await cabinet(t, url, 'keep-aed-13', await d.addCabinet('keep-aed-13'))
  await other.client.publishAsync('aed/v1/keep-aed-13/door', '{"seq":3,"state":"open"}', { qos: 1 })
  const spy = await cabinet(t, url, id, secret, { clean: false })
  const monitor = await connect(t, url, { clientId: 'aed-monitor-commands', clean: true, ...d.monitorLogin })
  await monitor.client.publishAsync(`aed/v1/${id}/cmd`, '{"id":"marker","cmd":"report"}', { qos: 1 })
  await spy.arrived(`aed/v1/${id}/cmd`, '{"id":"marker","cmd":"report"}')
  return spy.received.filter(r => r.topic === 'aed/v1/keep-aed-13/door')
}

for (const kind of ['disk', 'redis'] as const) {
  t.test(`${kind}: a filter the broker refused is not stored: nothing of other cabinets is queued for a cabinet, even after a restart`, async t => {
    const d = await deployment(t, kind)
    const first = await brokerRun(t, d.env)
    const secret = await d.addCabinet('keep-aed-12')
    const spy = await cabinet(t, first.url, 'keep-aed-12', secret, { clean: false })
    t.same(await subscribeOwnAndFleet(spy, 'keep-aed-12'), [1, 0x80], 'its own cmd granted, the fleet refused')
    await spy.client.endAsync(true)

    await first.kill()
    const second = await brokerRun(t, d.env, { port: first.port })
    t.same(await whatReachesTheSpy(t, second.url, d, 'keep-aed-12', secret), [], 'no other cabinet\'s message')
  })
}

t.test('memory: a filter the broker refused is not stored: nothing of other cabinets is queued for a cabinet while it is away', async t => {
  const d = await deployment(t, 'memory')
  const broker = await brokerRun(t, d.env)
  const secret = await d.addCabinet('keep-aed-12')
  const spy = await cabinet(t, broker.url, 'keep-aed-12', secret, { clean: false })
  t.same(await subscribeOwnAndFleet(spy, 'keep-aed-12'), [1, 0x80])
  await spy.client.endAsync(true)
  t.same(await whatReachesTheSpy(t, broker.url, d, 'keep-aed-12', secret), [])
})

t.test('memory: the same restart loses what the broker had acknowledged (why disk or Redis)', async t => {
  const d = await deployment(t, 'memory')
  const first = await brokerRun(t, d.env)
  await monitorSubscribedThenAway(t, first.url, d)
  const door = await cabinet(t, first.url, 'keep-aed-11', await d.addCabinet('keep-aed-11'))
  await door.client.publishAsync('aed/v1/keep-aed-11/door', '{"seq":1,"state":"open"}', { qos: 1 })

  await first.kill()
  const second = await brokerRun(t, d.env, { port: first.port })
  const monitor = await connect(t, second.url, monitorOptions(d))
  t.notOk(monitor.sessionPresent, 'the monitor\'s session is gone')
  await monitor.client.subscribeAsync(FLEET_SUBSCRIPTIONS, { qos: 1 })
  await door.client.endAsync(true)
  const marker = await cabinet(t, second.url, 'keep-aed-11', await d.addCabinet('keep-aed-11'))
  await marker.client.publishAsync('aed/v1/keep-aed-11/heartbeat', 'marker', { qos: 1 })
  await monitor.arrived('aed/v1/keep-aed-11/heartbeat', 'marker')
  t.same(monitor.received.filter(r => r.topic === 'aed/v1/keep-aed-11/door'), [], 'the door message is lost')
})

t.test('redis: while Redis is away a publish gets no PUBACK; once Redis is back it is acknowledged and reaches the monitor', async t => {
  const d = await deployment(t, 'redis')
  const broker = await brokerRun(t, d.env)
  await monitorSubscribedThenAway(t, broker.url, d)
  const door = await cabinet(t, broker.url, 'keep-aed-14', await d.addCabinet('keep-aed-14'))

  await d.redis!.pause()
  await broker.logged(/"msg":"broker store"/)
  let acknowledged = false
  const puback = door.client.publishAsync('aed/v1/keep-aed-14/door', '{"seq":4,"state":"open"}', { qos: 1 }).then(() => { acknowledged = true })
  // What the absence of a PUBACK is checked against: a second is plenty for a broker on loopback to answer.
  await new Promise(resolve => setTimeout(resolve, 1000))
  t.notOk(acknowledged, 'not acknowledged while it cannot be stored: the cabinet keeps it')

  await d.redis!.resume()
  await puback
  t.pass('acknowledged once Redis is back, by the same broker process')
  const monitor = await connect(t, broker.url, monitorOptions(d))
  await monitor.arrived('aed/v1/keep-aed-14/door', '{"seq":4,"state":"open"}')
  t.pass('and delivered to the monitor')
})

t.test('disk: a second broker on the same data directory refuses to start', async t => {
  const d = await deployment(t, 'disk')
  const first = await brokerRun(t, d.env)
  const logger = pino({ level: 'silent' })
  await t.rejects(startBroker({ host: '127.0.0.1', port: 0, credentialsFile: d.env.CREDENTIALS_FILE!, credentialsHashKey: d.env.CREDENTIALS_HASH_KEY!, logger, persistence: { kind: 'disk', dataDir: d.env.BROKER_DATA_DIR! } }),
    { message: /cannot open the broker's store in .*broker/ })
  await first.stop()
})
