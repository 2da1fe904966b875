import t from 'tap'
import mqtt, { type MqttClient } from 'mqtt'
import { parsePrometheusText, sampleValue } from '@aed/testkit/prometheus-text'
import { startTestStack, waitFor } from './support/stack.ts'

const stack = await startTestStack()
t.teardown(() => stack.stop())

/** One series from /metrics, 0 while it has no sample. */
async function metric (name: string, labels: Record<string, string> = {}): Promise<number> {
  const families = parsePrometheusText(await (await fetch(`${stack.apiUrl}/metrics`)).text())
  return sampleValue(families, name, labels) ?? 0
}

/** Every rejection, whatever its channel and reason. */
async function rejectedInAll (): Promise<number> {
  const families = parsePrometheusText(await (await fetch(`${stack.apiUrl}/metrics`)).text())
  return (families.get('aed_mqtt_messages_rejected_total')?.samples ?? []).reduce((sum, sample) => sum + sample.value, 0)
}

/** A cabinet as firmware connects it: persistent session, last will, retained status, subscribed to its commands. */
async function connectCabinet (id: string): Promise<MqttClient> {
  const secret = (await stack.api('POST', `/api/v1/cabinets/${id}/credentials`)).body.secret as string
  const client = await mqtt.connectAsync(stack.broker.url, {
    clientId: id, username: id, password: secret, protocolVersion: 4, clean: false, reconnectPeriod: 0,
    will: { topic: `aed/v1/${id}/status`, payload: Buffer.from('{"online":false}'), qos: 1, retain: true }
  })
  await client.subscribeAsync(`aed/v1/${id}/cmd`, { qos: 1 })
  await client.publishAsync(`aed/v1/${id}/status`, JSON.stringify({ online: true, ts: new Date().toISOString(), seq: 0 }), { qos: 1, retain: true })
  return client
}

t.test('a channel the monitor does not know is counted as rejected, and the cabinet stays connected and online', async t => {
  const cabinet = await connectCabinet('pernik-aed-01')
  let closed = false
  cabinet.once('close', () => { closed = true })
  await waitFor(async () => (await stack.api('GET', '/api/v1/cabinets/pernik-aed-01')).body.live.online === true, 'the cabinet online')

  await cabinet.publishAsync('aed/v1/pernik-aed-01/diagnostics', JSON.stringify({ ts: new Date().toISOString(), seq: 1, fan: 'ok' }), { qos: 1 })
  // Counted under `other`: channel names a cabinet chooses must not grow the series without bound.
  await waitFor(async () => await metric('aed_mqtt_messages_rejected_total', { channel: 'other', reason: 'unknown_channel' }) === 1, 'the diagnostics message counted as rejected')

  t.equal(closed, false, 'the broker kept the connection')
  t.equal((await stack.api('GET', '/api/v1/cabinets/pernik-aed-01')).body.live.online, true, 'the monitor still sees the cabinet online')
  const open = (await stack.api('GET', '/api/v1/alerts?status=open')).body.alerts as Array<{ kind: string }>
  t.notOk(open.some(alert => alert.kind === 'offline'), 'no offline alert')
  await cabinet.endAsync()
})

t.test("the monitor's own commands, which its subscription also matches, are neither received telemetry nor rejected", async t => {
  const cabinet = await connectCabinet('pernik-aed-01')
  await waitFor(async () => (await stack.api('GET', '/api/v1/cabinets/pernik-aed-01')).body.live.online === true, 'the cabinet online')
  const received = await metric('aed_mqtt_messages_received_total')
  const rejected = await rejectedInAll()

  const command = new Promise<string>(resolve => cabinet.once('message', (_topic, payload) => resolve(payload.toString())))
  t.equal((await stack.api('POST', '/api/v1/cabinets/pernik-aed-01/commands', { cmd: 'report' })).status, 202)
  t.match(JSON.parse(await command), { cmd: 'report' }, 'the cabinet got the command')
  // Published after the command reached the broker, so the monitor receives it after the command's echo on the same connection
  // (a door message would not do: it comes in first, on the door lane).
  await cabinet.publishAsync('aed/v1/pernik-aed-01/heartbeat', JSON.stringify({ ts: new Date().toISOString(), seq: 2, temperatureC: 20, fw: '2.1.0' }), { qos: 1 })
  await waitFor(async () => await metric('aed_mqtt_messages_received_total') > received, 'the heartbeat')

  t.equal(await metric('aed_mqtt_messages_received_total'), received + 1, 'only the heartbeat was received')
  t.equal(await rejectedInAll(), rejected, 'the command was not rejected')
  await cabinet.endAsync()
})
