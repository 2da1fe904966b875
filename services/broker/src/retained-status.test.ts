import t from 'tap'
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt'
import { FLEET_SUBSCRIPTIONS } from '@aed/core/protocol'
import { startTestBroker } from '@aed/testkit/test-broker'
import { mayMatchRetained } from './retained-status.ts'

const broker = await startTestBroker()
t.teardown(() => broker.close())
const secret = await broker.addCabinet('pernik-aed-01')
const service = await broker.addService('monitor')

function cabinet (): Promise<MqttClient> {
  return mqtt.connectAsync(broker.url, { clientId: 'pernik-aed-01', username: 'pernik-aed-01', password: secret, reconnectPeriod: 0 })
}

/** A service client that records every message with its retain flag, the way a restarted monitor meets the broker. */
async function freshMonitor (): Promise<{ client: MqttClient, seen: Array<{ topic: string, retain: boolean }> }> {
  const client = await mqtt.connectAsync(broker.url, { clientId: `monitor-${Math.random()}`, username: service.username, password: service.password, reconnectPeriod: 0 })
  const seen: Array<{ topic: string, retain: boolean }> = []
  client.on('message', (topic, _payload, packet: IPublishPacket) => seen.push({ topic, retain: packet.retain }))
  await client.subscribeAsync(FLEET_SUBSCRIPTIONS, { qos: 1 })
  return { client, seen }
}

function arrival (client: MqttClient, topic: string): Promise<void> {
  return new Promise(resolve => {
    const listener = (received: string): void => {
      if (received !== topic) return
      client.off('message', listener)
      resolve()
    }
    client.on('message', listener)
  })
}

t.test('a retained door message is delivered live but not retained; a retained status still is', async t => {
  const live = await freshMonitor()
  const cab = await cabinet()
  const doorArrived = arrival(live.client, 'aed/v1/pernik-aed-01/door')
  await cab.publishAsync('aed/v1/pernik-aed-01/door', '{"state":"open"}', { qos: 1, retain: true })
  await cab.publishAsync('aed/v1/pernik-aed-01/status', '{"online":true}', { qos: 1, retain: true })
  await doorArrived
  t.pass('the subscriber present at the time got the door message')

  // A monitor starting later: the broker hands it what is retained as it subscribes.
  const later = await freshMonitor()
  const sentinel = arrival(later.client, 'aed/v1/pernik-aed-01/heartbeat')
  await cab.publishAsync('aed/v1/pernik-aed-01/heartbeat', '{}', { qos: 1 })
  await sentinel
  t.same(later.seen.filter(m => m.topic !== 'aed/v1/pernik-aed-01/heartbeat'), [{ topic: 'aed/v1/pernik-aed-01/status', retain: true }],
    'only the status was retained; the door opening is not replayed')
  await Promise.all([live.client.endAsync(), later.client.endAsync(), cab.endAsync()])
})

t.test('a retained command is not kept: a cabinet that subscribes later gets no old command', async t => {
  const svc = await mqtt.connectAsync(broker.url, { clientId: 'monitor-commands', username: service.username, password: service.password, reconnectPeriod: 0 })
  await svc.publishAsync('aed/v1/pernik-aed-01/cmd', '{"cmd":"selftest"}', { qos: 1, retain: true })
  const cab = await cabinet()
  const commands: string[] = []
  cab.on('message', (_topic, payload) => commands.push(payload.toString()))
  await cab.subscribeAsync('aed/v1/pernik-aed-01/cmd', { qos: 1 })
  const fresh = arrival(cab, 'aed/v1/pernik-aed-01/cmd')
  await svc.publishAsync('aed/v1/pernik-aed-01/cmd', '{"cmd":"report"}', { qos: 1 })
  await fresh
  t.same(commands, ['{"cmd":"report"}'], 'only the command sent after the subscription')
  await Promise.all([svc.endAsync(), cab.endAsync()])
})

t.test('only a filter with a wildcard or a status topic can match a retained message', async t => {
  t.ok(mayMatchRetained('aed/v1/+/+'), 'the monitor\'s fleet subscription')
  t.ok(mayMatchRetained('aed/v1/#'))
  t.ok(mayMatchRetained('aed/v1/pernik-aed-01/status'))
  t.notOk(mayMatchRetained('aed/v1/pernik-aed-01/cmd'), 'a cabinet\'s own commands: nothing to look up at its SUBSCRIBE')
  t.notOk(mayMatchRetained('aed/v1/pernik-aed-01/door'))
})
