import t from 'tap'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { Writable } from 'node:stream'
import mqtt, { type MqttClient } from 'mqtt'
import { pino } from 'pino'
import { FLEET_SUBSCRIPTIONS } from '@aed/core/protocol'
import { startTestBroker } from '@aed/testkit/test-broker'

const broker = await startTestBroker()
t.teardown(() => broker.close())

const secrets = {
  a: await broker.addCabinet('pernik-aed-01'),
  b: await broker.addCabinet('pernik-aed-02')
}
const service = await broker.addService('monitor')

async function cabinet (id: 'pernik-aed-01' | 'pernik-aed-02', secret: string): Promise<MqttClient> {
  return mqtt.connectAsync(broker.url, { clientId: id, username: id, password: secret, reconnectPeriod: 0 })
}

async function monitor (): Promise<MqttClient> {
  return mqtt.connectAsync(broker.url, { clientId: `monitor-${Math.random()}`, username: service.username, password: service.password, reconnectPeriod: 0 })
}

function nextMessage (client: MqttClient): Promise<{ topic: string, payload: string }> {
  return new Promise(resolve => client.once('message', (topic, payload) => resolve({ topic, payload: payload.toString() })))
}

/** The monitor's view: a service account holding the fleet subscription. */
async function fleetObserver (): Promise<MqttClient> {
  const svc = await monitor()
  await svc.subscribeAsync(FLEET_SUBSCRIPTIONS, { qos: 1 })
  return svc
}

/** Publishes and waits until the broker closes the connection, its answer to a forbidden publish. */
async function publishIsRefused (client: MqttClient, topic: string): Promise<void> {
  const closed = new Promise<void>(resolve => client.once('close', () => resolve()))
  client.publish(topic, '{}', { qos: 1 })
  await closed
}

/** mosquitto_pub: an MQTT client that is not this project's code. */
function mosquittoPub (args: string[]) {
  return promisify(execFile)('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(broker.port), '-V', 'mqttv311', '-q', '1', '-d', ...args], { timeout: 30_000 })
}

t.test('a cabinet publishes under its own topics and the service receives it', async t => {
  const svc = await fleetObserver()
  const cab = await cabinet('pernik-aed-01', secrets.a)
  const received = nextMessage(svc)
  await cab.publishAsync('aed/v1/pernik-aed-01/door', '{"state":"open"}', { qos: 1 })
  t.same(await received, { topic: 'aed/v1/pernik-aed-01/door', payload: '{"state":"open"}' })
  await Promise.all([svc.endAsync(), cab.endAsync()])
})

t.test("a cabinet cannot publish to another cabinet's topic: the broker drops the connection", async t => {
  const cab = await cabinet('pernik-aed-01', secrets.a)
  const closed = new Promise<void>(resolve => cab.once('close', () => resolve()))
  cab.publish('aed/v1/pernik-aed-02/door', '{"state":"open"}', { qos: 1 })
  await closed
  t.pass('connection closed')
  await cab.endAsync(true)
})

t.test('a cabinet publishing to a channel this version does not know gets its PUBACK, stays connected, and the service receives it', async t => {
  const svc = await fleetObserver()
  const cab = await cabinet('pernik-aed-01', secrets.a)
  let closed = false
  cab.once('close', () => { closed = true })
  const received = nextMessage(svc)
  // publishAsync with QoS 1 resolves on the PUBACK.
  await cab.publishAsync('aed/v1/pernik-aed-01/diagnostics', '{"fan":"ok"}', { qos: 1 })
  t.same(await received, { topic: 'aed/v1/pernik-aed-01/diagnostics', payload: '{"fan":"ok"}' }, 'routed to the fleet subscription')
  const door = nextMessage(svc)
  await cab.publishAsync('aed/v1/pernik-aed-01/door', '{"state":"closed"}', { qos: 1 })
  t.same(await door, { topic: 'aed/v1/pernik-aed-01/door', payload: '{"state":"closed"}' }, 'the same connection carries on')
  t.equal(closed, false, 'the connection stayed up')
  await Promise.all([svc.endAsync(), cab.endAsync()])
})

t.test('mosquitto_pub with QoS 1 to an unknown channel of its own cabinet gets a PUBACK', async t => {
  const svc = await fleetObserver()
  const received = nextMessage(svc)
  const { stdout } = await mosquittoPub(['-i', 'pernik-aed-02', '-u', 'pernik-aed-02', '-P', secrets.b,
    '-t', 'aed/v1/pernik-aed-02/diagnostics', '-m', '{"fan":"stalled"}'])
  t.match(stdout, /received PUBACK/, 'acknowledged, and mosquitto_pub exited 0')
  t.same(await received, { topic: 'aed/v1/pernik-aed-02/diagnostics', payload: '{"fan":"stalled"}' })
  await svc.endAsync()
})

t.test("mosquitto_pub to another cabinet's unknown channel loses its connection", async t => {
  const err = await mosquittoPub(['-i', 'pernik-aed-02', '-u', 'pernik-aed-02', '-P', secrets.b,
    '-t', 'aed/v1/pernik-aed-01/diagnostics', '-m', '{}']).then(() => undefined, (e: { code?: number, stdout: string }) => e)
  t.not(err?.code, undefined, 'mosquitto_pub exits with an error')
  t.notMatch(err?.stdout ?? '', /received PUBACK/, 'no PUBACK')
})

t.test("a cabinet still cannot publish to another cabinet's channels, its own cmd, nested or system topics", async t => {
  for (const topic of ['aed/v1/pernik-aed-02/diagnostics', 'aed/v1/pernik-aed-01/cmd', 'aed/v1/pernik-aed-01/a/b',
    'aed/v1/pernik-aed-01/cmd/other', 'aed/v2/pernik-aed-01/door', '$SYS/broker/diagnostics']) {
    const cab = await cabinet('pernik-aed-01', secrets.a)
    await publishIsRefused(cab, topic)
    t.pass(`${topic}: connection closed`)
    await cab.endAsync(true)
  }
})

t.test('a service account holds the fleet subscription, nothing wider and no single cabinet', async t => {
  const svc = await monitor()
  const granted = await svc.subscribeAsync(FLEET_SUBSCRIPTIONS, { qos: 1 })
  t.same(granted.map(g => g.qos), FLEET_SUBSCRIPTIONS.map(() => 1), `granted: ${FLEET_SUBSCRIPTIONS.join(', ')}`)
  for (const filter of ['#', 'aed/#', 'aed/v1/pernik-aed-01/+', '$SYS/#']) {
    await t.rejects(svc.subscribeAsync(filter, { qos: 1 }), /Subscribe error/, `${filter} refused`)
  }
  await svc.endAsync()
})

t.test("a cabinet subscribes to its own cmd topic but not to another cabinet's or to wildcards", async t => {
  const cab = await cabinet('pernik-aed-02', secrets.b)
  const [own] = await cab.subscribeAsync('aed/v1/pernik-aed-02/cmd', { qos: 1 })
  t.equal(own?.qos, 1)
  // mqtt.js turns a SUBACK failure (0x80) into a rejected promise.
  await t.rejects(cab.subscribeAsync('aed/v1/pernik-aed-01/cmd', { qos: 1 }), /Subscribe error/, 'refused for another cabinet')
  await t.rejects(cab.subscribeAsync('aed/v1/#', { qos: 1 }), /Subscribe error/, 'refused for a wildcard')
  t.equal(cab.connected, true, 'the connection stays up')
  await cab.endAsync()
})

t.test('the service sends a command that reaches only the addressed cabinet', async t => {
  const cab = await cabinet('pernik-aed-02', secrets.b)
  await cab.subscribeAsync('aed/v1/pernik-aed-02/cmd', { qos: 1 })
  const svc = await monitor()
  const received = nextMessage(cab)
  await svc.publishAsync('aed/v1/pernik-aed-02/cmd', '{"cmd":"selftest"}', { qos: 1 })
  t.same(await received, { topic: 'aed/v1/pernik-aed-02/cmd', payload: '{"cmd":"selftest"}' })
  await Promise.all([svc.endAsync(), cab.endAsync()])
})

t.test('the service cannot publish telemetry in the name of a cabinet', async t => {
  const svc = await monitor()
  const closed = new Promise<void>(resolve => svc.once('close', () => resolve()))
  svc.publish('aed/v1/pernik-aed-01/door', '{"state":"open"}', { qos: 1 })
  await closed
  t.pass('connection closed')
  await svc.endAsync(true)
})

t.test('a forbidden publish is logged once, with client id, topic and reason and without a stack', async t => {
  const lines: Array<Record<string, unknown>> = []
  const sink = new Writable({ write (chunk, _encoding, done) { lines.push(JSON.parse(chunk.toString())); done() } })
  const logged = await startTestBroker({ logger: pino({ level: 'debug' }, sink) })
  t.teardown(() => logged.close())
  const secret = await logged.addCabinet('pernik-aed-09')
  const cab = await mqtt.connectAsync(logged.url, { clientId: 'pernik-aed-09', username: 'pernik-aed-09', password: secret, reconnectPeriod: 0 })
  await publishIsRefused(cab, 'aed/v1/pernik-aed-01/door')
  await cab.endAsync(true)
  const mentions = lines.filter(line => JSON.stringify(line).includes('aed/v1/pernik-aed-01/door'))
  t.equal(mentions.length, 1, 'one line')
  t.match(mentions[0], { level: 40, msg: 'refused', clientId: 'pernik-aed-09', action: 'publish', topic: 'aed/v1/pernik-aed-01/door', reason: /own channels aed\/v1\/pernik-aed-09\// })
  t.notMatch(JSON.stringify(lines), /stack|AuthorizationError/, 'no stack trace in the log')
})
