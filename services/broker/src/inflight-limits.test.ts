import t from 'tap'
import mqtt from 'mqtt'
import { FLEET_SUBSCRIPTIONS } from '@aed/core/protocol'
import { PACKET, publishPacket, RawMqttConnection } from '@aed/testkit/raw-mqtt'
import { startTestBroker } from '@aed/testkit/test-broker'

const MAX_INFLIGHT_QOS2 = 4
const broker = await startTestBroker({ limits: { maxInflightQos2: MAX_INFLIGHT_QOS2 } })
t.teardown(() => broker.close())
const secret = await broker.addCabinet('pernik-aed-01')
const service = await broker.addService('monitor')

t.test('a cabinet publishing with QoS 2 loses its connection, without its will, and nothing is forwarded', async t => {
  const monitor = await mqtt.connectAsync(broker.url, { clientId: 'monitor', username: service.username, password: service.password, reconnectPeriod: 0 })
  await monitor.subscribeAsync(FLEET_SUBSCRIPTIONS, { qos: 1 })
  const received: string[] = []
  monitor.on('message', topic => received.push(topic))

  const raw = await RawMqttConnection.open(broker.port)
  t.equal(await raw.connect({ clientId: 'pernik-aed-01', username: 'pernik-aed-01', password: secret, will: { topic: 'aed/v1/pernik-aed-01/status', payload: '{"online":false}', qos: 1 } }), 0)
  await raw.send(publishPacket({ topic: 'aed/v1/pernik-aed-01/door', payload: '{"state":"open"}', qos: 2, messageId: 7 }))
  await raw.closed
  t.same(raw.received.filter(p => p.type === PACKET.PUBREC), [], 'no PUBREC: nothing was stored')

  const cab = await mqtt.connectAsync(broker.url, { clientId: 'pernik-aed-01', username: 'pernik-aed-01', password: secret, reconnectPeriod: 0 })
  const heartbeat = new Promise<void>(resolve => monitor.once('message', () => resolve()))
  await cab.publishAsync('aed/v1/pernik-aed-01/heartbeat', '{}', { qos: 1 })
  await heartbeat
  t.same(received, ['aed/v1/pernik-aed-01/heartbeat'], 'neither the QoS 2 message nor the will reached the monitor; QoS 1 works')
  await Promise.all([cab.endAsync(), monitor.endAsync()])
})

t.test(`a client that leaves QoS 2 messages without PUBREL is disconnected past ${MAX_INFLIGHT_QOS2} of them`, async t => {
  const raw = await RawMqttConnection.open(broker.port)
  t.equal(await raw.connect({ clientId: 'flooding-service', username: service.username, password: service.password }), 0)
  for (let id = 1; id <= MAX_INFLIGHT_QOS2; id++) {
    await raw.send(publishPacket({ topic: 'aed/v1/pernik-aed-01/cmd', payload: Buffer.alloc(1024), qos: 2, messageId: id }))
    await raw.next(PACKET.PUBREC)
  }
  t.pass(`${MAX_INFLIGHT_QOS2} messages stored awaiting PUBREL`)
  // A resent message (DUP) keeps its slot rather than taking another.
  await raw.send(publishPacket({ topic: 'aed/v1/pernik-aed-01/cmd', payload: Buffer.alloc(1024), qos: 2, messageId: 1, dup: true }))
  await raw.next(PACKET.PUBREC)
  t.equal(raw.isClosed, false, 'a redelivery is answered and the connection stays')

  await raw.send(publishPacket({ topic: 'aed/v1/pernik-aed-01/cmd', payload: Buffer.alloc(1024), qos: 2, messageId: MAX_INFLIGHT_QOS2 + 1 }))
  await raw.closed
  t.same(raw.received.filter(p => p.type === PACKET.PUBREC), [], 'the message over the cap was not taken, and the broker closed the connection')
})
