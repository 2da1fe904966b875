import t, { type Test } from 'tap'
import { startTestBroker } from '@aed/testkit/test-broker'
import { apiAppFor, startInfluxStandIn, type ApiApp } from '../../../../../test/support/api-app.ts'

const broker = await startTestBroker()
const account = await broker.addService('monitor-api-test')
const mqtt = { url: broker.url, ...account }
t.teardown(() => broker.close())

async function influxFor (t: Test) {
  const influx = await startInfluxStandIn()
  t.teardown(() => influx.close())
  return influx
}

/** The samples of a Prometheus text exposition, by series. */
function samples (text: string): Map<string, number> {
  const result = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const space = line.lastIndexOf(' ')
    result.set(line.slice(0, space), Number(line.slice(space + 1)))
  }
  return result
}

async function metrics (api: ApiApp) {
  const res = await api.anonymous.get('/metrics')
  return { res, samples: samples(res.text) }
}

t.test('/healthz answers ok whenever the process serves HTTP, broker and InfluxDB or not', async t => {
  const api = await apiAppFor(t)
  const res = await api.anonymous.get('/healthz')
  t.equal(res.status, 200)
  t.same(res.body, { status: 'ok' })
})

t.test('/readyz is 200 when the broker is connected and InfluxDB answers', async t => {
  const influx = await influxFor(t)
  const api = await apiAppFor(t, { mqtt, influxUrl: influx.url })
  const res = await api.anonymous.get('/readyz')
  t.equal(res.status, 200)
  t.same(res.body, { ready: true, mqtt: true, influx: true, reasons: [] })
})

t.test('/readyz is 503 with a reason for each missing peer', async t => {
  const api = await apiAppFor(t)
  const res = await api.anonymous.get('/readyz')
  t.equal(res.status, 503)
  t.same(res.body, { ready: false, mqtt: false, influx: false, reasons: ['MQTT broker not connected', 'InfluxDB not reachable'] })
})

t.test('/readyz turns 503 when the broker connection is lost', async t => {
  const influx = await influxFor(t)
  const api = await apiAppFor(t, { mqtt, influxUrl: influx.url })
  t.equal((await api.anonymous.get('/readyz')).status, 200)
  await api.subscriber.stop()
  const res = await api.anonymous.get('/readyz')
  t.equal(res.status, 503)
  t.same(res.body, { ready: false, mqtt: false, influx: true, reasons: ['MQTT broker not connected'] })
})

t.test('/readyz names the last write error while InfluxDB answers pings but fails writes', async t => {
  const influx = await influxFor(t)
  const api = await apiAppFor(t, { mqtt, influxUrl: influx.url })
  influx.writeStatus = 503
  api.writer.enqueue('heartbeat,cabinet=pernik-aed-01 temperature_c=20.5 1795000000000')
  await api.writer.flush()
  t.ok(api.writer.lastError, 'the write failed')

  const res = await api.anonymous.get('/readyz')
  t.equal(res.status, 503)
  t.same(res.body, { ready: false, mqtt: true, influx: false, reasons: [`InfluxDB not reachable: ${api.writer.lastError}`] })

  influx.writeStatus = 204
  await api.writer.flush()
  t.equal((await api.anonymous.get('/readyz')).status, 200, 'ready again once a write succeeds')
})

t.test('/metrics is Prometheus text: a TYPE line for each metric, then its samples, all starting at zero', async t => {
  const api = await apiAppFor(t)
  const { res, samples: now } = await metrics(api)
  t.equal(res.status, 200)
  t.equal(res.headers['content-type'], 'text/plain; version=0.0.4')
  t.ok(res.text.endsWith('\n'), 'ends with a newline')
  t.same(res.text.split('\n').filter(line => line.startsWith('# TYPE')), [
    '# TYPE aed_mqtt_messages_received_total counter',
    '# TYPE aed_mqtt_messages_accepted_total counter',
    '# TYPE aed_mqtt_messages_duplicate_total counter',
    '# TYPE aed_mqtt_messages_unregistered_total counter',
    '# TYPE aed_mqtt_messages_clock_skewed_total counter',
    '# TYPE aed_mqtt_messages_rejected_total counter',
    '# TYPE aed_influx_lines_written_total counter',
    '# TYPE aed_influx_lines_dropped_total counter',
    '# TYPE aed_influx_lines_buffered gauge',
    '# TYPE aed_spool_bytes gauge',
    '# TYPE aed_spool_full gauge'
  ])
  t.same(Object.fromEntries(now), {
    aed_mqtt_messages_received_total: 0,
    aed_mqtt_messages_accepted_total: 0,
    aed_mqtt_messages_duplicate_total: 0,
    aed_mqtt_messages_unregistered_total: 0,
    aed_mqtt_messages_clock_skewed_total: 0,
    aed_influx_lines_written_total: 0,
    aed_influx_lines_dropped_total: 0,
    aed_influx_lines_buffered: 0,
    aed_spool_bytes: 0,
    aed_spool_full: 0
  }, 'no rejected sample before the first rejection')
})

t.test('/metrics counts what the intake did with each message', async t => {
  const api = await apiAppFor(t)
  api.receive('pernik-aed-01', 'heartbeat', { seq: 7, temperatureC: 21, fw: 'aed-sim/1.0.0' })
  api.receive('pernik-aed-01', 'heartbeat', { seq: 7, temperatureC: 21, fw: 'aed-sim/1.0.0' })
  api.receive('sofia-aed-99', 'door', { state: 'closed' })
  api.receiveRaw('aed/v1/pernik-aed-01/battery', JSON.stringify({ ts: '2026-11-24T10:00:00.000Z', seq: 8, percent: 140 }))
  api.receiveRaw('aed/v1/pernik-aed-01/battery', 'not json')
  api.receiveRaw('aed/v1/pernik-aed-01/door', '{}')

  const { samples: now } = await metrics(api)
  t.equal(now.get('aed_mqtt_messages_received_total'), 6)
  t.equal(now.get('aed_mqtt_messages_accepted_total'), 2, 'the first heartbeat, and the unregistered cabinet\'s door')
  t.equal(now.get('aed_mqtt_messages_duplicate_total'), 1, 'the QoS 1 redelivery of the heartbeat')
  t.equal(now.get('aed_mqtt_messages_unregistered_total'), 1)
  t.equal(now.get('aed_mqtt_messages_rejected_total{channel="battery"}'), 2)
  t.equal(now.get('aed_mqtt_messages_rejected_total{channel="door"}'), 1)
})

t.test('/metrics counts lines InfluxDB took, lines it refused as malformed, lines waiting, and the spool', async t => {
  const influx = await influxFor(t)
  const api = await apiAppFor(t, { influxUrl: influx.url, writer: { maxBufferLines: 3 } })
  const line = (i: number) => `heartbeat,cabinet=pernik-aed-01 temperature_c=${20 + i} ${1795000000000 + i}000`

  api.writer.enqueue(line(1))
  api.writer.enqueue(line(2))
  await api.writer.flush()
  t.same(influx.lines, [line(1), line(2)])

  influx.writeStatus = 500
  for (let i = 3; i <= 7; i++) api.writer.enqueue(line(i))
  await api.writer.durable()
  let now = (await metrics(api)).samples
  t.equal(now.get('aed_influx_lines_written_total'), 2)
  t.equal(now.get('aed_influx_lines_dropped_total'), 0, 'nothing is dropped while InfluxDB fails')
  t.equal(now.get('aed_influx_lines_buffered'), 5)
  t.equal(now.get('aed_spool_full'), 1, 'five waiting lines fill a buffer of three: new messages wait with the broker')
  t.ok(now.get('aed_spool_bytes')! > 0, 'the waiting lines are on disk')

  influx.writeStatus = 400
  await api.writer.flush()
  api.writer.enqueue(line(8))
  now = (await metrics(api)).samples
  t.equal(now.get('aed_influx_lines_written_total'), 2)
  t.equal(now.get('aed_influx_lines_dropped_total'), 5, 'the five InfluxDB refused as malformed')
  t.equal(now.get('aed_influx_lines_buffered'), 1)
  t.equal(now.get('aed_spool_full'), 0)
})
