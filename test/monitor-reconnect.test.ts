import t from 'tap'
import mqtt, { type MqttClient } from 'mqtt'
import { once } from 'node:events'
import { parsePrometheusText, sampleValue } from '@aed/testkit/prometheus-text'
import { startTestStack, waitFor } from './support/stack.ts'

/**
 * The monitor losing its connection to a broker that keeps its session:
 * what it gets again, and what it does not. A real broker, the monitor's
 * real MQTT sessions (both lanes) closed from the broker's side.
 */
const stack = await startTestStack()
t.teardown(() => stack.stop())
const CABINETS = ['pernik-aed-01', 'pernik-aed-02', 'pernik-aed-03']

async function received (): Promise<number> {
  return sampleValue(parsePrometheusText(await (await fetch(`${stack.apiUrl}/metrics`)).text()), 'aed_mqtt_messages_received_total', {}) ?? 0
}

async function connectCabinet (id: string): Promise<MqttClient> {
  const secret = (await stack.api('POST', `/api/v1/cabinets/${id}/credentials`)).body.secret as string
  const client = await mqtt.connectAsync(stack.broker.url, { clientId: id, username: id, password: secret, protocolVersion: 4, clean: false, reconnectPeriod: 0 })
  await client.publishAsync(`aed/v1/${id}/status`, JSON.stringify({ online: true, ts: new Date().toISOString(), seq: 0 }), { qos: 1, retain: true })
  return client
}

t.test('a reconnection to a session the broker kept does not bring every retained status again', async t => {
  const cabinets = await Promise.all(CABINETS.map(connectCabinet))
  for (const id of CABINETS) {
    await waitFor(async () => (await stack.api('GET', `/api/v1/cabinets/${id}`)).body.live.online === true, `${id} online`)
  }
  const before = await received()
  const reconnected = once(stack.service.monitor.bus, 'brokerConnected')
  const clientId = stack.config.MQTT_CLIENT_ID
  for (const id of [clientId, `${clientId}-doors`]) {
    const client = (stack.broker.aedes as unknown as { clients: Record<string, { close (): void } | undefined> }).clients[id]
    t.ok(client, `the monitor's ${id} session is connected`)
    client?.close()
  }
  await reconnected
  t.pass('the monitor reconnected')

  // A heartbeat after the reconnection: it arrives only if the subscriptions are still in the session.
  await cabinets[0]!.publishAsync('aed/v1/pernik-aed-01/heartbeat', JSON.stringify({ ts: new Date().toISOString(), seq: 1, temperatureC: 20, fw: '2.1.0' }), { qos: 1 })
  await waitFor(async () => await received() > before, 'the heartbeat', 30_000)
  // Anything more would have come before the heartbeat: the broker sends retained messages at the SUBSCRIBE.
  t.equal(await received(), before + 1, `only the heartbeat, not the ${CABINETS.length} retained statuses again`)
  await Promise.all(cabinets.map(c => c.endAsync()))
})
