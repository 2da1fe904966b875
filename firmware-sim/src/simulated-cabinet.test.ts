import t from 'tap'
import mqtt from 'mqtt'
import { startTestBroker } from '@aed/testkit/test-broker'
import { SimulatedCabinet } from './simulated-cabinet.ts'

const broker = await startTestBroker()
t.teardown(() => broker.close())
const service = await broker.addService('observer')

async function observe () {
  const client = await mqtt.connectAsync(broker.url, { clientId: `observer-${Math.random()}`, username: service.username, password: service.password, reconnectPeriod: 0 })
  const received: Array<{ topic: string, payload: any }> = []
  client.on('message', (topic, payload) => received.push({ topic, payload: JSON.parse(payload.toString()) }))
  await client.subscribeAsync('aed/v1/#', { qos: 1 })
  return { client, received }
}

async function until (check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

t.test('after power-on a cabinet reports status, heartbeat, battery, pads, door and a self-test', async t => {
  const { client, received } = await observe()
  const cabinet = new SimulatedCabinet({ id: 'sim-power-on', secret: await broker.addCabinet('sim-power-on'), brokerUrl: broker.url })
  cabinet.start()
  await until(() => received.some(m => m.topic.endsWith('/selftest')), 'a self-test')
  const channels = new Set(received.map(m => m.topic.split('/').slice(3).join('/')))
  t.same([...channels].sort(), ['battery', 'door', 'heartbeat', 'pads', 'selftest', 'status'])
  t.match(received.find(m => m.topic.endsWith('/status'))?.payload, { online: true })
  const seqs = received.filter(m => !m.topic.endsWith('/status')).map(m => m.payload.seq as number)
  t.same(seqs, [...seqs].sort((a, b) => a - b), 'seq increases with every message')
  await cabinet.stop()
  await client.endAsync()
})

t.test('readings made while offline are sent after reconnecting, in order, with their original timestamps', async t => {
  const { client, received } = await observe()
  const cabinet = new SimulatedCabinet({ id: 'sim-offline', secret: await broker.addCabinet('sim-offline'), brokerUrl: broker.url, maxReconnectDelayMs: 200 })
  cabinet.start()
  await until(() => cabinet.connected, 'connection')
  cabinet.goOffline()
  await until(() => received.some(m => m.topic === 'aed/v1/sim-offline/status' && m.payload.online === false), 'the last will')
  cabinet.openDoor()
  const openedAt = new Date().toISOString()
  await new Promise(resolve => setTimeout(resolve, 50))
  cabinet.closeDoor()
  t.equal(cabinet.queued >= 2, true, 'door events queued while offline')
  received.length = 0
  cabinet.goOnline()
  await until(() => received.filter(m => m.topic.endsWith('/door')).length >= 2, 'the queued door events')
  const doors = received.filter(m => m.topic.endsWith('/door')).map(m => m.payload)
  t.same(doors.map(d => d.state), ['open', 'closed'])
  t.ok(doors[0].ts <= openedAt, 'the door-open keeps the time it happened, not the time it was sent')
  await cabinet.stop()
  await client.endAsync()
})

t.test('a self-test command is run and answered on cmd/result', async t => {
  const { client, received } = await observe()
  const cabinet = new SimulatedCabinet({ id: 'sim-command', secret: await broker.addCabinet('sim-command'), brokerUrl: broker.url })
  cabinet.failSelftest(['E-BATTERY'])
  cabinet.start()
  await until(() => cabinet.connected, 'connection')
  await new Promise(resolve => setTimeout(resolve, 100))
  received.length = 0
  await client.publishAsync('aed/v1/sim-command/cmd', JSON.stringify({ cmd: 'selftest', id: 'req-7', ts: new Date().toISOString() }), { qos: 1 })
  await until(() => received.some(m => m.topic.endsWith('/cmd/result')), 'the command result')
  t.match(received.find(m => m.topic.endsWith('/selftest'))?.payload, { result: 'fail', kind: 'manual', faults: ['E-BATTERY'] })
  t.match(received.find(m => m.topic.endsWith('/cmd/result'))?.payload, { id: 'req-7', cmd: 'selftest', ok: true })
  await cabinet.stop()
  await client.endAsync()
})
