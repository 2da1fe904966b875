import t from 'tap'
import mqtt, { type MqttClient } from 'mqtt'
import { parsePrometheusText, sampleValue } from '@aed/testkit/prometheus-text'
import { startTestStack, TEST_PEOPLE, waitFor } from './support/stack.ts'

/**
 * The door lane: the monitor takes door messages on a second MQTT session
 * of their own, so an opening never waits behind other telemetry. Here the
 * fleet lane is held up the way production holds it up (InfluxDB so far
 * behind that new messages wait with the broker), with a real broker, a
 * real InfluxDB behind a cut link and the SMS provider stand-in.
 */
const HEARTBEATS = 1500
const stack = await startTestStack({ env: { INFLUX_BUFFER_LINES: '1000' } })
t.teardown(() => stack.stop())

async function metric (name: string): Promise<number> {
  return sampleValue(parsePrometheusText(await (await fetch(`${stack.apiUrl}/metrics`)).text()), name, {}) ?? 0
}

async function connectCabinet (id: string): Promise<MqttClient> {
  const secret = (await stack.api('POST', `/api/v1/cabinets/${id}/credentials`)).body.secret as string
  return await mqtt.connectAsync(stack.broker.url, { clientId: id, username: id, password: secret, protocolVersion: 4, clean: false, reconnectPeriod: 0 })
}

const door = (seq: number, state: 'open' | 'closed'): string => JSON.stringify({ ts: new Date().toISOString(), seq, state })

t.test('a door message comes on both lanes and is counted once', async t => {
  await waitFor(async () => await metric('aed_mqtt_door_lane_connected') === 1, 'the door lane connected')
  t.equal(await metric('aed_mqtt_connected'), 1, 'and the fleet lane')
  const cabinet = await connectCabinet('pernik-aed-02')
  const received = await metric('aed_mqtt_messages_received_total')
  const duplicates = await metric('aed_mqtt_messages_duplicate_total')
  await cabinet.publishAsync('aed/v1/pernik-aed-02/door', door(1, 'open'), { qos: 1 })
  await cabinet.publishAsync('aed/v1/pernik-aed-02/door', door(2, 'closed'), { qos: 1 })
  // A heartbeat after them on the fleet lane: once it is in, the fleet lane's copies of both door messages are too.
  await cabinet.publishAsync('aed/v1/pernik-aed-02/heartbeat', JSON.stringify({ ts: new Date().toISOString(), seq: 3, temperatureC: 20, fw: '2.1.0' }), { qos: 1 })
  await waitFor(async () => await metric('aed_mqtt_messages_received_total') >= received + 3, 'two door messages and the heartbeat')
  t.equal(await metric('aed_mqtt_messages_received_total'), received + 3, 'each message counted once')
  t.equal(await metric('aed_mqtt_messages_duplicate_total'), duplicates, 'the second copy of a door message is no redelivery')
  await cabinet.endAsync()
})

t.test('with the fleet lane held up behind InfluxDB, a door opening is paged at once, and nothing is lost', async t => {
  const cabinet = await connectCabinet('pernik-aed-01')
  stack.influxProxy.cut()
  const start = Date.now()
  for (let seq = 1; seq <= HEARTBEATS; seq++) {
    void cabinet.publishAsync('aed/v1/pernik-aed-01/heartbeat', JSON.stringify({ ts: new Date(start + seq).toISOString(), seq, temperatureC: 20, fw: '2.1.0' }), { qos: 1 })
  }
  await waitFor(() => stack.service.monitor.writer.full, 'the monitor\'s InfluxDB buffer full: the fleet lane waits', 60_000)
  const accepted = await metric('aed_mqtt_messages_accepted_total')
  t.ok(accepted < HEARTBEATS, `the fleet lane holds the rest with the broker (${accepted} of ${HEARTBEATS} taken in)`)

  const before = stack.sms.messages.filter(m => m.to === TEST_PEOPLE.primary.phone).length
  await cabinet.publishAsync('aed/v1/pernik-aed-01/door', door(HEARTBEATS + 1, 'open'), { qos: 1 })
  await waitFor(() => stack.sms.messages.filter(m => m.to === TEST_PEOPLE.primary.phone).length > before, 'the door page while the fleet lane waits', 30_000)
  t.ok(stack.service.monitor.writer.full, 'paged while InfluxDB was still far behind')
  t.match(stack.sms.messages.at(-1)?.body, /Взет АЕД/, 'the page says the AED was taken')

  stack.influxProxy.restore()
  await waitFor(async () => {
    const rows = await stack.influx.client.rows(`SELECT count("seq") FROM "heartbeat" WHERE "cabinet" = 'pernik-aed-01'`)
    return rows[0]?.count === HEARTBEATS
  }, 'every heartbeat in InfluxDB once it is back', 120_000)
  t.pass(`all ${HEARTBEATS} heartbeats stored`)
  await cabinet.publishAsync('aed/v1/pernik-aed-01/door', door(HEARTBEATS + 2, 'closed'), { qos: 1 })
  await cabinet.endAsync()
})
