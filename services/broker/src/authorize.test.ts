import t from 'tap'
import mqtt, { type MqttClient } from 'mqtt'
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

t.test('a cabinet publishes under its own topics and the service receives it', async t => {
  const svc = await monitor()
  await svc.subscribeAsync('aed/v1/+/+', { qos: 1 })
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

t.test('a cabinet cannot publish to a channel the protocol does not have', async t => {
  const cab = await cabinet('pernik-aed-01', secrets.a)
  const closed = new Promise<void>(resolve => cab.once('close', () => resolve()))
  cab.publish('aed/v1/pernik-aed-01/firmware-upload', 'x', { qos: 1 })
  await closed
  t.pass('connection closed')
  await cab.endAsync(true)
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

t.test("a cabinet's last will on its own status topic reaches the service when the connection is lost", async t => {
  const svc = await monitor()
  await svc.subscribeAsync('aed/v1/+/status', { qos: 1 })
  const cab = await mqtt.connectAsync(broker.url, {
    clientId: 'pernik-aed-01', username: 'pernik-aed-01', password: secrets.a, reconnectPeriod: 0,
    will: { topic: 'aed/v1/pernik-aed-01/status', payload: Buffer.from('{"online":false}'), qos: 1, retain: true }
  })
  const will = nextMessage(svc)
  cab.stream.destroy()
  t.same(await will, { topic: 'aed/v1/pernik-aed-01/status', payload: '{"online":false}' })
  await Promise.all([svc.endAsync(), cab.endAsync(true)])
})
