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

// Every metric family, its type and the intake's counters are specified in health/monitor-metrics.test.ts.

t.test('/metrics counts lines InfluxDB took, lines it refused as malformed, lines waiting, and the spool', async t => {
  const influx = await influxFor(t)
  const api = await apiAppFor(t, { influxUrl: influx.url, writer: { maxBufferLines: 3 } })
  const line = (i: number) => `heartbeat,cabinet=pernik-aed-01 temperature_c=${20 + i} ${1795000000000 + i}000`
  // The monitor's own readiness snapshots at start go first.
  await api.writer.flush()
  const base = (await metrics(api)).samples.get('aed_influx_lines_written_total')!

  api.writer.enqueue(line(1))
  api.writer.enqueue(line(2))
  await api.writer.flush()
  t.same(influx.lines.filter(l => l.startsWith('heartbeat')), [line(1), line(2)])

  influx.writeStatus = 500
  for (let i = 3; i <= 7; i++) api.writer.enqueue(line(i))
  await api.writer.durable()
  let now = (await metrics(api)).samples
  t.equal(now.get('aed_influx_lines_written_total'), base + 2)
  t.equal(now.get('aed_influx_lines_dropped_total'), 0, 'nothing is dropped while InfluxDB fails')
  t.equal(now.get('aed_influx_lines_buffered'), 5)
  t.equal(now.get('aed_spool_full'), 1, 'five waiting lines fill a buffer of three: new messages wait with the broker')
  t.ok(now.get('aed_spool_bytes')! > 0, 'the waiting lines are on disk')

  influx.writeStatus = 400
  await api.writer.flush()
  api.writer.enqueue(line(8))
  now = (await metrics(api)).samples
  t.equal(now.get('aed_influx_lines_written_total'), base + 2)
  t.equal(now.get('aed_influx_lines_dropped_total'), 5, 'the five InfluxDB refused as malformed')
  t.equal(now.get('aed_influx_lines_buffered'), 1)
  t.equal(now.get('aed_spool_full'), 0)
})
