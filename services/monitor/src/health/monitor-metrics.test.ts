import t, { type Test } from 'tap'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { register as globalRegistry } from 'prom-client'
import { loadFleet, PERNIK_FLEET_FILE } from '@aed/core/fleet'
import { InfluxV1Client } from '@aed/core/influx'
import { sleep } from '@aed/core/time'
import { ManualTime } from '@aed/testkit/manual-time'
import { parsePrometheusText, sampleValue, type MetricFamily } from '@aed/testkit/prometheus-text'
import { startTestBroker } from '@aed/testkit/test-broker'
import { waitFor } from '@aed/testkit/wait-for'
import { buildApp } from '../app.ts'
import type { NotificationRecord } from '../events.ts'
import { API_TOKENS_FILE, IssuedTokens } from '../access/issued-tokens.ts'
import { AUDIT_LOG_FILE, AuditLog } from '../audit/audit-log.ts'
import { ApiTokens } from '../http/api-auth.ts'
import { MessageIntake } from '../ingest/message-intake.ts'
import { loadDigestTemplates } from '../messages/digest-message.ts'
import { loadMessageTemplates } from '../messages/message-templates.ts'
import { Monitor } from '../monitor.ts'
import { NotifierError, type Channel, type Notifier } from '../notifiers/notifier.ts'
import { parseAlertingFile } from '../routing/alerting-config.ts'
import { AlertRouting } from '../routing/alert-routing.ts'

/**
 * /metrics of a real monitor, served by the real app through inject: after
 * a known sequence of messages (handed to the monitor's intake as MQTT
 * would), every family shows the counts that sequence implies. The
 * monitor's time is moved by hand; its notifiers answer after 1.5 s of that
 * time, so latencies have exact values. MQTT is the real broker; InfluxDB is
 * a port nobody listens on, so every batch write fails.
 */
const broker = await startTestBroker()
t.teardown(() => broker.close())
const account = await broker.addService('monitor')
const fleet = await loadFleet(PERNIK_FLEET_FILE)
const templates = await loadMessageTemplates()
const digestTemplates = await loadDigestTemplates()
const routing = new AlertRouting(parseAlertingFile(JSON.stringify({
  people: [
    { id: 'ivan', name: 'Иван Петров', phone: '+359888000001', email: 'ivan@example.org', language: 'bg' },
    { id: 'elena', name: 'Елена Димитрова', email: 'elena@example.org', language: 'bg' }
  ],
  rota: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '00:00', primary: 'ivan' }],
  facilityManagers: { '*': ['elena'] },
  digest: { enabled: false }
})))
const SEND_TAKES_MS = 1500

/** A channel that answers after SEND_TAKES_MS of the monitor's time: sent, or refused for good. */
function notifier (channel: Channel, time: ManualTime, refuse = false): Notifier {
  return {
    channel,
    canReach: person => (channel === 'sms' ? person.phone : person.email) !== undefined,
    async send (to, _message, options) {
      await sleep(time, SEND_TAKES_MS, options?.signal)
      if (refuse) throw new NotifierError('mailbox full', { channel, recipientId: to.id, retryable: false })
      return { providerMessageId: `${channel}-${to.id}` }
    }
  }
}

async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise(resolve => server.close(resolve))
  return port
}

async function harness (t: Test) {
  const time = new ManualTime('2026-11-24T10:00:00Z')
  const dataDir = await mkdtemp(join(tmpdir(), 'metrics-'))
  const logger = pino({ level: 'silent' })
  const monitor = new Monitor({
    alerting: {
      routing, templates, digestTemplates, dataDir,
      notifiers: [notifier('sms', time), notifier('email', time, true)],
      publicUrl: 'http://aed.example.org',
      ackSecret: 'metrics-test-secret-0123456789abcdef',
      ackTtlMs: 72 * 3_600_000,
      retryPolicy: { attempts: 1, baseDelayMs: 1000, maxDelayMs: 1000 },
      retryFailedEveryMs: 3_600_000
    },
    fleet,
    influx: new InfluxV1Client({ url: `http://127.0.0.1:${await closedPort()}`, database: 'aed' }),
    mqtt: { url: broker.url, username: account.username, password: account.password, clientId: `monitor-metrics-${Math.random().toString(16).slice(2)}` },
    writer: { batchSize: 1000, flushMs: 1000, maxBufferLines: 10_000 },
    thresholds: { temperatureMinC: 0, temperatureMaxC: 50, temperatureCriticalAfterMin: 30, batteryLowPercent: 25, batteryCriticalPercent: 10, expiryWarningDays: 30, selftestMaxAgeH: 26 },
    offlineAfterHeartbeats: 3,
    clockSkewToleranceMs: 120_000,
    snapshotIntervalMs: 3_600_000,
    logger,
    time,
    // InfluxDB batching and pings move only when the test says.
    ioTime: new ManualTime('2026-11-24T10:00:00Z')
  })
  await monitor.start()
  const app = await buildApp({
    services: monitor.services(),
    issuer: { issueCabinetSecret: async () => { throw new Error('not in this test') } },
    tokens: new ApiTokens(),
    issuedTokens: new IssuedTokens(join(dataDir, API_TOKENS_FILE), time),
    audit: new AuditLog(join(dataDir, AUDIT_LOG_FILE), time),
    logger,
    ack: { secret: 'metrics-test-secret-0123456789abcdef', ttlMs: 72 * 3_600_000, routing, templates, desk: monitor.desk },
    limits: { windowMs: 60_000, perToken: 600, apiPerAddress: 60, ackPerAddress: 30, publicPerAddress: 300 }
  })
  t.teardown(async () => {
    await app.close()
    await monitor.stop()
    await rm(dataDir, { recursive: true, force: true })
  })
  const intake = new MessageIntake(monitor.bus, time)
  const notifications: NotificationRecord[] = []
  monitor.bus.on('notification', record => notifications.push(record))
  return {
    time,
    monitor,
    /** Every notification outcome the dispatcher announced. */
    notifications,
    /** One MQTT message as the subscriber hands it to the intake. */
    receive (topic: string, payload: unknown) {
      intake.handle(topic, Buffer.isBuffer(payload) ? payload : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)))
    },
    /** GET /metrics through the app, parsed. */
    async scrape () {
      const res = await app.inject({ method: 'GET', url: '/metrics' })
      t.equal(res.statusCode, 200)
      return { res, families: parsePrometheusText(res.body) }
    }
  }
}

const at = (time: ManualTime, offsetMs = 0): string => new Date(time.now() + offsetMs).toISOString()
const value = (families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): number | undefined => sampleValue(families, name, labels)
const aedSeries = (families: Map<string, MetricFamily>): number => [...families.values()].filter(f => f.name.startsWith('aed_')).reduce((n, f) => n + f.samples.length, 0)

t.test('/metrics lists every family with its type, and the process metrics of the monitor', async t => {
  const h = await harness(t)
  const { res, families } = await h.scrape()
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  const types = Object.fromEntries([...families.values()].filter(f => f.name.startsWith('aed_')).map(f => [f.name, f.type]))
  t.same(types, {
    aed_mqtt_messages_received_total: 'counter',
    aed_mqtt_messages_accepted_total: 'counter',
    aed_mqtt_messages_duplicate_total: 'counter',
    aed_mqtt_messages_unregistered_total: 'counter',
    aed_mqtt_messages_clock_skewed_total: 'counter',
    aed_mqtt_messages_rejected_total: 'counter',
    aed_influx_lines_written_total: 'counter',
    aed_influx_lines_dropped_total: 'counter',
    aed_influx_lines_buffered: 'gauge',
    aed_spool_bytes: 'gauge',
    aed_spool_full: 'gauge',
    aed_influx_write_duration_seconds: 'histogram',
    aed_door_notification_latency_seconds: 'histogram',
    aed_notification_delivery_duration_seconds: 'histogram',
    aed_cabinets_connected: 'gauge',
    aed_alerts_live: 'gauge',
    aed_mqtt_connected: 'gauge',
    aed_mqtt_door_lane_connected: 'gauge'
  })
  for (const family of families.values()) t.ok(family.help !== undefined && family.help !== '', `${family.name} has a HELP text`)
  for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
    t.ok(families.has(name), `${name} (process metrics)`)
  }
  t.equal(value(families, 'aed_mqtt_messages_received_total'), 0, 'counters start at zero')
  t.equal(families.get('aed_mqtt_messages_rejected_total')?.samples.length, 0, 'no rejected series before the first rejection')
})

t.test('the exposition says what the registry holds', async t => {
  const h = await harness(t)
  h.receive('aed/v1/pernik-aed-01/heartbeat', { ts: at(h.time), seq: 1, temperatureC: 21, fw: '2.1.0' })
  h.receive('aed/v1/pernik-aed-01/battery', 'not json')
  const { families } = await h.scrape()
  const json = await h.monitor.metrics.registry.getMetricsAsJSON()
  const label = (v: unknown): string => v === Number.POSITIVE_INFINITY ? '+Inf' : String(v)
  let compared = 0
  for (const metric of json.filter(m => m.name.startsWith('aed_'))) {
    t.equal(families.get(metric.name)?.type, metric.type, `${metric.name} type`)
    for (const sample of metric.values) {
      const labels = Object.fromEntries(Object.entries(sample.labels).map(([k, v]) => [k, label(v)]))
      const name = 'metricName' in sample && typeof sample.metricName === 'string' ? sample.metricName : metric.name
      t.equal(value(families, name, labels), sample.value, `${name} ${JSON.stringify(labels)}`)
      compared++
    }
  }
  t.equal(compared, aedSeries(families), 'every aed_ sample of the exposition is in the registry, and the other way round')
})

t.test('messages are counted as the intake judged them, rejections by channel and reason class', async t => {
  const h = await harness(t)
  const heartbeat = { ts: at(h.time), seq: 7, temperatureC: 21, fw: '2.1.0' }
  h.receive('aed/v1/pernik-aed-01/heartbeat', heartbeat)
  h.receive('aed/v1/pernik-aed-01/heartbeat', heartbeat) // a QoS 1 redelivery
  h.receive('aed/v1/sofia-aed-99/door', { ts: at(h.time), seq: 1, state: 'closed' }) // not in the fleet file
  h.receive('aed/v1/pernik-aed-02/heartbeat', { ts: at(h.time, 86_400_000), seq: 3, temperatureC: 20, fw: '2.1.0' }) // a clock a day ahead
  h.receive('aed/v2/pernik-aed-01/door', { ts: at(h.time), seq: 2, state: 'open' })
  h.receive('aed/v1/pernik-aed-01/diagnostics', { ts: at(h.time), seq: 3 })
  h.receive('aed/v1/pernik-aed-01/selftest', Buffer.alloc(20_000, 0x20))
  h.receive('aed/v1/pernik-aed-01/battery', 'not json')
  h.receive('aed/v1/pernik-aed-01/battery', { ts: at(h.time), seq: 4, percent: 140 })
  h.receive('aed/v1/pernik-aed-01/door', { ts: at(h.time), seq: 5, state: 'ajar' })
  h.receive('aed/v1/pernik-aed-01/cmd', { cmd: 'report', id: 'r-1', ts: at(h.time) }) // a command: not telemetry

  const { families } = await h.scrape()
  t.equal(value(families, 'aed_mqtt_messages_received_total'), 10, 'the command is not received telemetry')
  t.equal(value(families, 'aed_mqtt_messages_accepted_total'), 3)
  t.equal(value(families, 'aed_mqtt_messages_duplicate_total'), 1)
  t.equal(value(families, 'aed_mqtt_messages_unregistered_total'), 1)
  t.equal(value(families, 'aed_mqtt_messages_clock_skewed_total'), 1)
  const rejected = families.get('aed_mqtt_messages_rejected_total')!.samples.map(s => [s.labels.channel, s.labels.reason, s.value])
  t.same(new Set(rejected.map(r => JSON.stringify(r))), new Set([
    ['other', 'topic', 1],
    ['other', 'unknown_channel', 1],
    ['selftest', 'too_large', 1],
    ['battery', 'invalid_json', 1],
    ['battery', 'schema', 1],
    ['door', 'schema', 1]
  ].map(r => JSON.stringify(r))))
  t.equal(h.monitor.counters.rejected, 6, 'the intake counters agree')
})

t.test('200 channels a cabinet invents add one series, not 200', async t => {
  const h = await harness(t)
  h.receive('aed/v1/pernik-aed-01/diagnostics', { ts: at(h.time), seq: 1 })
  const before = await h.scrape()
  for (let i = 0; i < 200; i++) h.receive(`aed/v1/pernik-aed-01/invented-${i}`, { ts: at(h.time), seq: i + 2 })
  const after = await h.scrape()
  t.same(after.families.get('aed_mqtt_messages_rejected_total')?.samples, [
    { name: 'aed_mqtt_messages_rejected_total', labels: { channel: 'other', reason: 'unknown_channel' }, value: 201 }
  ])
  t.equal(aedSeries(after.families), aedSeries(before.families), 'no aed_ family grew a series')
  t.notMatch(after.res.body, /invented-/, 'no invented name reaches the exposition')
})

t.test('a door opening that pages: latency from the door message to each notification outcome, and each delivery', async t => {
  const h = await harness(t)
  h.receive('aed/v1/pernik-aed-01/door', { ts: at(h.time), seq: 1, state: 'open' })
  const alert = h.monitor.alerts.list({ status: 'open' }).find(a => a.kind === 'door_open')
  t.ok(alert, 'the door raised door_open')
  await h.time.advance(SEND_TAKES_MS)
  await h.monitor.dispatcher.idle()

  const { families } = await h.scrape()
  const door = 'aed_door_notification_latency_seconds'
  t.equal(value(families, `${door}_count`, { channel: 'sms', outcome: 'sent' }), 1, 'the SMS to the on-call person')
  t.equal(value(families, `${door}_sum`, { channel: 'sms', outcome: 'sent' }), 1.5)
  t.equal(value(families, `${door}_bucket`, { channel: 'sms', outcome: 'sent', le: '1' }), 0)
  t.equal(value(families, `${door}_bucket`, { channel: 'sms', outcome: 'sent', le: '2' }), 1)
  t.equal(value(families, `${door}_count`, { channel: 'email', outcome: 'failed' }), 1, 'the refused email is an outcome too')
  t.equal(value(families, `${door}_sum`, { channel: 'email', outcome: 'failed' }), 1.5)
  const delivery = 'aed_notification_delivery_duration_seconds'
  t.equal(value(families, `${delivery}_count`, { channel: 'sms', outcome: 'sent' }), 1)
  t.equal(value(families, `${delivery}_sum`, { channel: 'sms', outcome: 'sent' }), 1.5)
  t.equal(value(families, `${delivery}_count`, { channel: 'email', outcome: 'failed' }), 1)

  t.equal(value(families, 'aed_alerts_live', { severity: 'critical' }), 1)
  t.equal(value(families, 'aed_alerts_live', { severity: 'warning' }), 0)
  t.equal(value(families, 'aed_alerts_live', { severity: 'info' }), 0)
})

t.test('only the first page is timed from the door: not the escalation, not the all-clear, not a door alert raised when a maintenance window ends', async t => {
  const h = await harness(t)
  h.receive('aed/v1/pernik-aed-01/door', { ts: at(h.time), seq: 1, state: 'open' })
  await h.time.advance(SEND_TAKES_MS)
  await h.monitor.dispatcher.idle()
  // Not acknowledged in 5 minutes: the facility manager is told (by email, which refuses).
  await h.time.advance(5 * 60_000)
  await h.monitor.dispatcher.idle()
  await h.time.advance(SEND_TAKES_MS)
  await h.monitor.dispatcher.idle()
  t.equal(h.monitor.alerts.list({ status: 'open' }).find(a => a.kind === 'door_open')?.escalationLevel, 1, 'escalated')
  h.receive('aed/v1/pernik-aed-01/door', { ts: at(h.time), seq: 2, state: 'closed' })
  await h.time.advance(SEND_TAKES_MS)
  await h.monitor.dispatcher.idle()
  // A door already open when a maintenance window ends: the tick raises the alert, not a door message.
  await h.monitor.maintenance.begin('pernik-aed-01', h.time.now() + 60_000, 'test', 'inspection')
  h.receive('aed/v1/pernik-aed-01/door', { ts: at(h.time), seq: 3, state: 'open' })
  await h.time.advance(65_000)
  await h.monitor.dispatcher.idle()
  await h.time.advance(SEND_TAKES_MS)
  await h.monitor.dispatcher.idle()
  t.equal(h.monitor.alerts.list({ status: 'live' }).filter(a => a.kind === 'door_open').length, 1, 'the door alert after the window')

  const { families } = await h.scrape()
  const sent = (kind: string, step: string, channel: string): number => h.notifications.filter(n => n.alert?.kind === kind && n.step === step && n.outcome.channel === channel).length
  t.equal(sent('door_open', 'opened:0', 'sms'), 2, 'both door alerts paged by SMS')
  t.equal(sent('door_open', 'escalated:1', 'email'), 1, 'the escalation was told')
  t.equal(sent('door_open', 'resolved', 'sms'), 1, 'the all-clear was told')
  const door = 'aed_door_notification_latency_seconds_count'
  t.equal(value(families, door, { channel: 'sms', outcome: 'sent' }), 1, 'the first opening\'s SMS only')
  t.equal(value(families, door, { channel: 'email', outcome: 'failed' }), 1, 'the first opening\'s email only')
  const delivery = 'aed_notification_delivery_duration_seconds_count'
  const outcomes = (channel: string, outcome: string): number => h.notifications.filter(n => n.outcome.channel === channel && n.outcome.outcome === outcome).length
  t.equal(value(families, delivery, { channel: 'sms', outcome: 'sent' }), outcomes('sms', 'sent'), 'every delivery is timed, whatever its alert and step')
  t.equal(value(families, delivery, { channel: 'email', outcome: 'failed' }), outcomes('email', 'failed'))
})

t.test('gauges: connected cabinets by readiness, MQTT connection (each lane), lines waiting for InfluxDB, batches written', async t => {
  const h = await harness(t)
  await waitFor(() => h.monitor.subscriber.connected && h.monitor.doorLane.connected, 'the monitor connected to the broker, both lanes')
  h.receive('aed/v1/pernik-aed-01/door', { ts: at(h.time), seq: 1, state: 'open' })
  h.receive('aed/v1/pernik-aed-02/heartbeat', { ts: at(h.time), seq: 1, temperatureC: -10, fw: '2.1.0' }) // too cold
  let { families } = await h.scrape()
  t.equal(value(families, 'aed_mqtt_connected'), 1)
  t.equal(value(families, 'aed_mqtt_door_lane_connected'), 1)
  t.same(Object.fromEntries(families.get('aed_cabinets_connected')!.samples.map(s => [s.labels.readiness, s.value])),
    { ready: 0, in_use: 1, maintenance: 0, not_ready: 1 }, 'pernik-aed-03 was never heard from')
  t.equal(value(families, 'aed_influx_lines_buffered'), h.monitor.writer.buffered)
  t.ok(h.monitor.writer.buffered > 0, 'lines are waiting')

  await h.monitor.writer.flush()
  ;({ families } = await h.scrape())
  t.equal(value(families, 'aed_influx_write_duration_seconds_count', { outcome: 'failed' }), 1, 'one batch, refused connection')
  t.equal(value(families, 'aed_influx_write_duration_seconds_count', { outcome: 'written' }), undefined)
  t.equal(value(families, 'aed_influx_lines_written_total'), 0)

  // Three heartbeat intervals of silence (60 s each) and the cabinets are offline: no longer connected.
  await h.time.advance(181_000)
  ;({ families } = await h.scrape())
  t.same(Object.fromEntries(families.get('aed_cabinets_connected')!.samples.map(s => [s.labels.readiness, s.value])),
    { ready: 0, in_use: 0, maintenance: 0, not_ready: 0 })

  await h.monitor.doorLane.stop()
  ;({ families } = await h.scrape())
  t.equal(value(families, 'aed_mqtt_door_lane_connected'), 0, 'the door lane gone')
  t.equal(value(families, 'aed_mqtt_connected'), 1, 'the fleet lane still there')
  await h.monitor.subscriber.stop()
  ;({ families } = await h.scrape())
  t.equal(value(families, 'aed_mqtt_connected'), 0)
})

t.test('two monitors in one process count apart, and nothing lands in the global registry', async t => {
  const a = await harness(t)
  const b = await harness(t)
  a.receive('aed/v1/pernik-aed-01/heartbeat', { ts: at(a.time), seq: 1, temperatureC: 21, fw: '2.1.0' })
  t.equal(value((await a.scrape()).families, 'aed_mqtt_messages_accepted_total'), 1)
  t.equal(value((await b.scrape()).families, 'aed_mqtt_messages_accepted_total'), 0)
  t.same(await globalRegistry.getMetricsAsJSON(), [])
})

t.test('once stopped, the metrics take in no more events', async t => {
  const h = await harness(t)
  h.monitor.metrics.stop()
  h.receive('aed/v1/pernik-aed-01/heartbeat', { ts: at(h.time), seq: 1, temperatureC: 21, fw: '2.1.0' })
  t.equal(value((await h.scrape()).families, 'aed_mqtt_messages_received_total'), 0)
  t.equal(h.monitor.counters.accepted, 1, 'the message itself went through')
  h.monitor.metrics.start()
  h.receive('aed/v1/pernik-aed-01/heartbeat', { ts: at(h.time), seq: 2, temperatureC: 21, fw: '2.1.0' })
  t.equal(value((await h.scrape()).families, 'aed_mqtt_messages_received_total'), 1, 'and count again after a restart')
})

t.test('docs/operations.md names every metric /metrics serves', async t => {
  const h = await harness(t)
  const operations = await readFile(new URL('../../../../docs/operations.md', import.meta.url), 'utf8')
  for (const metric of await h.monitor.metrics.registry.getMetricsAsJSON()) {
    t.ok(operations.includes(`\`${metric.name}\``), metric.name)
  }
})
