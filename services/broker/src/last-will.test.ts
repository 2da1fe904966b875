import t from 'tap'
import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { promisify } from 'node:util'
import mqtt, { type MqttClient } from 'mqtt'
import { FLEET_SUBSCRIPTIONS } from '@aed/core/protocol'
import { startTestBroker } from '@aed/testkit/test-broker'

const broker = await startTestBroker({ credentialsPollMs: 50 })
t.teardown(() => broker.close())
const service = await broker.addService('monitor')

const WILL = '{"online":false}'
const statusTopic = (id: string): string => `aed/v1/${id}/status`

/** The monitor's view of one cabinet's status topic, in arrival order. */
async function watchStatus (id: string): Promise<{ payloads: string[], arrived (payload: string): Promise<void>, stop (): Promise<void> }> {
  const client = await mqtt.connectAsync(broker.url, { clientId: `monitor-${Math.random()}`, username: service.username, password: service.password, reconnectPeriod: 0 })
  const payloads: string[] = []
  const waiters: Array<{ payload: string, resolve: () => void }> = []
  client.on('message', (topic, payload) => {
    if (topic !== statusTopic(id)) return
    payloads.push(payload.toString())
    for (const waiter of waiters.filter(w => w.payload === payload.toString())) waiter.resolve()
  })
  await client.subscribeAsync(FLEET_SUBSCRIPTIONS, { qos: 1 })
  return {
    payloads,
    arrived: payload => payloads.includes(payload) ? Promise.resolve() : new Promise(resolve => waiters.push({ payload, resolve })),
    stop: () => client.endAsync()
  }
}

async function connectWithWill (id: string, secret: string, options: mqtt.IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(broker.url, {
    clientId: id, username: id, password: secret, reconnectPeriod: 0,
    will: { topic: statusTopic(id), payload: Buffer.from(WILL), qos: 1, retain: true },
    ...options
  })
}

/** Resolves once the broker has taken this client id in (CONNACK sent, session restored). */
function connected (id: string): Promise<void> {
  return new Promise(resolve => {
    const ready = (client: { id: string }): void => {
      if (client.id !== id) return
      broker.aedes.off('clientReady', ready)
      resolve()
    }
    broker.aedes.on('clientReady', ready)
  })
}

function closeOf (client: MqttClient): Promise<void> {
  return new Promise(resolve => client.once('close', () => resolve()))
}

/**
 * The cabinet comes back and announces itself, as firmware does after every
 * connect. A will published when the broker closed the earlier connection
 * would have reached the monitor before this.
 */
async function comesBack (id: string, secret: string, status: Awaited<ReturnType<typeof watchStatus>>): Promise<void> {
  const client = await mqtt.connectAsync(broker.url, { clientId: id, username: id, password: secret, reconnectPeriod: 0 })
  await client.publishAsync(statusTopic(id), '{"online":true}', { qos: 1, retain: true })
  await status.arrived('{"online":true}')
  await client.endAsync()
}

t.test("a cabinet whose socket is destroyed abruptly gets its last will published", async t => {
  const secret = await broker.addCabinet('will-aed-01')
  const status = await watchStatus('will-aed-01')
  const cab = await connectWithWill('will-aed-01', secret)
  cab.stream.destroy()
  await status.arrived(WILL)
  t.same(status.payloads, [WILL])
  await Promise.all([status.stop(), cab.endAsync(true)])
})

t.test('a cabinet that goes silent past its keep-alive gets its last will published', async t => {
  // mosquitto_sub stands in for a cabinet whose radio link died: stopped, it neither pings nor closes its socket.
  const secret = await broker.addCabinet('will-aed-02')
  const status = await watchStatus('will-aed-02')
  const ready = connected('will-aed-02')
  const cabinet = spawn('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(broker.port), '-V', 'mqttv311', '-k', '5',
    '-i', 'will-aed-02', '-u', 'will-aed-02', '-P', secret, '-t', 'aed/v1/will-aed-02/cmd', '-q', '1',
    '--will-topic', statusTopic('will-aed-02'), '--will-payload', WILL, '--will-qos', '1', '--will-retain'], { stdio: 'ignore' })
  t.teardown(() => { cabinet.kill('SIGKILL') })
  await ready
  cabinet.kill('SIGSTOP')
  await status.arrived(WILL)
  t.same(status.payloads, [WILL], 'the broker gave up after 1.5 keep-alive intervals and published the will')
  cabinet.kill('SIGKILL')
  await once(cabinet, 'exit')
  await status.stop()
})

t.test('no will is published when the broker closes the connection for a forbidden publish', async t => {
  const secret = await broker.addCabinet('will-aed-03')
  const status = await watchStatus('will-aed-03')
  // mosquitto_pub, a client that is not ours, publishing into another cabinet's topic.
  const err = await promisify(execFile)('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(broker.port), '-V', 'mqttv311', '-q', '1',
    '-i', 'will-aed-03', '-u', 'will-aed-03', '-P', secret, '-t', 'aed/v1/will-aed-01/door', '-m', '{}',
    '--will-topic', statusTopic('will-aed-03'), '--will-payload', WILL, '--will-qos', '1', '--will-retain'], { timeout: 30_000 })
    .then(() => undefined, (e: { code?: number }) => e)
  t.not(err?.code, undefined, 'the broker closed the connection: mosquitto_pub exits with an error')
  await comesBack('will-aed-03', secret, status)
  t.same(status.payloads, ['{"online":true}'], 'the monitor saw the cabinet come back, never go offline')
  await status.stop()
})

t.test('no will is published when the broker closes the connection for a protocol violation', async t => {
  const secret = await broker.addCabinet('will-aed-04')
  const status = await watchStatus('will-aed-04')
  const cab = await connectWithWill('will-aed-04', secret)
  const closed = closeOf(cab)
  // A PUBLISH (QoS 0) to "a/+": a wildcard in a topic name breaks [MQTT-3.3.2-2]; mqtt.js would not send it.
  cab.stream.write(Buffer.from([0x30, 0x05, 0x00, 0x03, 0x61, 0x2f, 0x2b]))
  await closed
  await comesBack('will-aed-04', secret, status)
  t.same(status.payloads, ['{"online":true}'])
  await Promise.all([status.stop(), cab.endAsync(true)])
})

t.test('no will is published when the broker closes a connection whose secret was replaced', async t => {
  const oldSecret = await broker.addCabinet('will-aed-05')
  const status = await watchStatus('will-aed-05')
  const cab = await connectWithWill('will-aed-05', oldSecret)
  const closed = closeOf(cab)
  const newSecret = await broker.addCabinet('will-aed-05')
  await closed
  await comesBack('will-aed-05', newSecret, status)
  t.same(status.payloads, ['{"online":true}'], 'rotation does not page offline; a cabinet that never returns is caught by the heartbeat timeout')
  await Promise.all([status.stop(), cab.endAsync(true)])
})

t.test('a cabinet that comes back after a withheld will and then loses its connection gets its new will published', async t => {
  const secret = await broker.addCabinet('will-aed-06')
  const status = await watchStatus('will-aed-06')
  const first = await connectWithWill('will-aed-06', secret)
  const closed = closeOf(first)
  first.publish('aed/v1/will-aed-01/door', '{}', { qos: 1 })
  await closed
  const second = await connectWithWill('will-aed-06', secret)
  second.stream.destroy()
  await status.arrived(WILL)
  t.same(status.payloads, [WILL], 'only the second connection\'s will')
  await Promise.all([status.stop(), first.endAsync(true), second.endAsync(true)])
})

t.test('a cabinet that connects again while its old connection is still open takes it over without an offline will; its new will still works', async t => {
  const secret = await broker.addCabinet('will-aed-09')
  const status = await watchStatus('will-aed-09')
  const old = await connectWithWill('will-aed-09', secret)
  const oldClosed = closeOf(old)
  // mosquitto_pub with the cabinet's id: a client that is not ours takes the connection over.
  await promisify(execFile)('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(broker.port), '-V', 'mqttv311', '-q', '1',
    '-i', 'will-aed-09', '-u', 'will-aed-09', '-P', secret, '-t', statusTopic('will-aed-09'), '-m', '{"online":true}'], { timeout: 30_000 })
  await oldClosed
  await status.arrived('{"online":true}')
  const again = await connectWithWill('will-aed-09', secret)
  again.stream.destroy()
  await status.arrived(WILL)
  t.same(status.payloads, ['{"online":true}', WILL], 'the takeover published no will; the lost connection after it did')
  await Promise.all([status.stop(), old.endAsync(true), again.endAsync(true)])
})
