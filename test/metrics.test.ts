import t from 'tap'
import mqtt, { type MqttClient } from 'mqtt'
import { parsePrometheusText, sampleValue, type MetricFamily } from '@aed/testkit/prometheus-text'
import { startTestStack, TEST_PEOPLE, waitFor } from './support/stack.ts'

/**
 * /metrics of the whole system on loopback: a cabinet publishes through the
 * real broker, the monitor writes to a real InfluxDB and pages through a
 * real SMTP server and the SMS provider stand-in. Latencies are real here,
 * so only counts are asserted; exact values are specified in
 * services/monitor/src/health/monitor-metrics.test.ts.
 */
const stack = await startTestStack()
t.teardown(() => stack.stop())

async function scrape (): Promise<Map<string, MetricFamily>> {
  const res = await fetch(`${stack.apiUrl}/metrics`)
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`)
  return parsePrometheusText(await res.text())
}

async function metric (name: string, labels: Record<string, string> = {}): Promise<number> {
  return sampleValue(await scrape(), name, labels) ?? 0
}

async function connectCabinet (id: string): Promise<MqttClient> {
  const secret = (await stack.api('POST', `/api/v1/cabinets/${id}/credentials`)).body.secret as string
  return await mqtt.connectAsync(stack.broker.url, { clientId: id, username: id, password: secret, protocolVersion: 4, clean: true, reconnectPeriod: 0 })
}

const cabinet = await connectCabinet('pernik-aed-01')
t.teardown(() => cabinet.endAsync())
const publish = async (channel: string, payload: unknown): Promise<void> => {
  await cabinet.publishAsync(`aed/v1/pernik-aed-01/${channel}`, Buffer.isBuffer(payload) ? payload : typeof payload === 'string' ? payload : JSON.stringify(payload), { qos: 1 })
}
const now = (): string => new Date().toISOString()

t.test('what a cabinet sends through the broker is counted: accepted, duplicate, and rejected by reason class', async t => {
  const heartbeat = { ts: now(), seq: 1, temperatureC: 21, fw: '2.1.0' }
  await publish('heartbeat', heartbeat)
  await publish('heartbeat', heartbeat) // as a QoS 1 redelivery arrives
  await publish('diagnostics', { ts: now(), seq: 2 })
  await publish('battery', 'not json')
  await publish('battery', { ts: now(), seq: 3, percent: 140 })
  await publish('selftest', Buffer.alloc(20_000, 0x20))
  await waitFor(async () => await metric('aed_mqtt_messages_received_total') >= 6, 'six messages received')

  const families = await scrape()
  t.equal(sampleValue(families, 'aed_mqtt_messages_received_total'), 6)
  t.equal(sampleValue(families, 'aed_mqtt_messages_accepted_total'), 1)
  t.equal(sampleValue(families, 'aed_mqtt_messages_duplicate_total'), 1)
  t.equal(sampleValue(families, 'aed_mqtt_messages_rejected_total', { channel: 'other', reason: 'unknown_channel' }), 1)
  t.equal(sampleValue(families, 'aed_mqtt_messages_rejected_total', { channel: 'battery', reason: 'invalid_json' }), 1)
  t.equal(sampleValue(families, 'aed_mqtt_messages_rejected_total', { channel: 'battery', reason: 'schema' }), 1)
  t.equal(sampleValue(families, 'aed_mqtt_messages_rejected_total', { channel: 'selftest', reason: 'too_large' }), 1)
  t.equal(sampleValue(families, 'aed_mqtt_connected'), 1)
  t.equal(sampleValue(families, 'aed_cabinets_connected', { readiness: 'ready' }), 1, 'the cabinet that sent its heartbeat')
})

t.test('200 channels a cabinet invents through the broker stay one series', async t => {
  const before = await metric('aed_mqtt_messages_rejected_total', { channel: 'other', reason: 'unknown_channel' })
  for (let i = 0; i < 200; i++) await publish(`invented-${i}`, { ts: now(), seq: 100 + i })
  await waitFor(async () => await metric('aed_mqtt_messages_rejected_total', { channel: 'other', reason: 'unknown_channel' }) === before + 200, 'the 200 counted')
  const rejected = (await scrape()).get('aed_mqtt_messages_rejected_total')?.samples ?? []
  t.equal(rejected.length, 4, 'the four series of the test before, no more')
})

t.test('a door opening that pages by SMS and email is timed from the door message to each outcome', async t => {
  const sms = stack.sms.messages.length
  await publish('door', { ts: now(), seq: 400, state: 'open' })
  await waitFor(async () => {
    const families = await scrape()
    return sampleValue(families, 'aed_door_notification_latency_seconds_count', { channel: 'sms', outcome: 'sent' }) === 1 &&
      sampleValue(families, 'aed_door_notification_latency_seconds_count', { channel: 'email', outcome: 'sent' }) === 1
  }, 'the SMS and the email timed')
  t.ok(stack.sms.messages.slice(sms).some(m => m.to === TEST_PEOPLE.primary.phone), 'the on-call person got the SMS')

  const families = await scrape()
  t.ok((sampleValue(families, 'aed_door_notification_latency_seconds_sum', { channel: 'sms', outcome: 'sent' }) ?? 0) > 0)
  t.equal(sampleValue(families, 'aed_notification_delivery_duration_seconds_count', { channel: 'sms', outcome: 'sent' }), 1)
  t.equal(sampleValue(families, 'aed_notification_delivery_duration_seconds_count', { channel: 'email', outcome: 'sent' }), 1)
  t.equal(sampleValue(families, 'aed_alerts_live', { severity: 'critical' }), 1)
  t.equal(sampleValue(families, 'aed_cabinets_connected', { readiness: 'in_use' }), 1)
})

t.test('InfluxDB batches are timed and their lines counted', async t => {
  await waitFor(async () => (await metric('aed_influx_write_duration_seconds_count', { outcome: 'written' })) > 0, 'a batch written')
  await waitFor(async () => (await metric('aed_influx_lines_buffered')) === 0, 'nothing left to write')
  const families = await scrape()
  t.equal(sampleValue(families, 'aed_influx_lines_written_total'), stack.service.monitor.writer.written)
  t.ok((sampleValue(families, 'aed_influx_lines_written_total') ?? 0) > 0)
  t.equal(sampleValue(families, 'aed_influx_lines_dropped_total'), 0)
})
