import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { pino } from 'pino'
import { CredentialFile, SecretHasher } from '@aed/core/credentials'
import { loadFleet, PERNIK_FLEET_FILE, type Fleet } from '@aed/core/fleet'
import { InfluxV1Client } from '@aed/core/influx'
import { cabinetTopic, type UplinkChannel } from '@aed/core/protocol'
import { ManualTime } from '@aed/testkit/manual-time'
import { strongTestSecret } from './stack.ts'
import { buildApp } from '../../services/monitor/src/app.ts'
import { shortAckLink } from '../../services/monitor/src/ack/signed-link.ts'
import type { AlertBook } from '../../services/monitor/src/alerts/alert-book.ts'
import type { AlertJournal } from '../../services/monitor/src/alerts/alert-journal.ts'
import type { AlertLifecycle } from '../../services/monitor/src/alerts/alert-lifecycle.ts'
import type { MaintenanceDesk } from '../../services/monitor/src/alerts/maintenance-desk.ts'
import { EXAMPLE_ALERTING_FILE, MonitorConfigSchema } from '../../services/monitor/src/config.ts'
import { CredentialsIssuer } from '../../services/monitor/src/credentials-issuer.ts'
import type { MonitorBus } from '../../services/monitor/src/events.ts'
import type { HealthCheck } from '../../services/monitor/src/health/health-check.ts'
import { API_TOKENS_FILE, IssuedTokens } from '../../services/monitor/src/access/issued-tokens.ts'
import { AUDIT_LOG_FILE, AuditLog } from '../../services/monitor/src/audit/audit-log.ts'
import { ApiTokens, type ApiRole } from '../../services/monitor/src/http/api-auth.ts'
import { rateLimitsOf } from '../../services/monitor/src/http/rate-limits.ts'
import type { IngestCounters } from '../../services/monitor/src/ingest/ingest-counters.ts'
import { MessageIntake } from '../../services/monitor/src/ingest/message-intake.ts'
import type { MqttSubscriber } from '../../services/monitor/src/ingest/mqtt-subscriber.ts'
import { Monitor } from '../../services/monitor/src/monitor.ts'
import { loadDigestTemplates } from '../../services/monitor/src/messages/digest-message.ts'
import { loadMessageTemplates } from '../../services/monitor/src/messages/message-templates.ts'
import { defaultThresholds } from '../../services/monitor/src/readiness/thresholds.ts'
import { loadAlertingFile } from '../../services/monitor/src/routing/alerting-config.ts'
import { AlertRouting } from '../../services/monitor/src/routing/alert-routing.ts'
import type { FleetState } from '../../services/monitor/src/state/fleet-state.ts'
import type { InfluxWriter, InfluxWriterOptions } from '../../services/monitor/src/storage/influx-writer.ts'

/**
 * The monitor's HTTP API built with buildApp() and called with inject(): no
 * port is opened for it. Behind it are the monitor's real units on a
 * hand-moved clock, composed by monitor.ts itself: the Pernik fleet
 * state, the alert book and lifecycle with every rule, the maintenance desk
 * with its journal in a temporary directory, the health check, the ingest
 * counters and InfluxDB writer behind /metrics, and the credentials issuer
 * with its own credentials file; the issued API tokens and the audit trail
 * in the same directory. Messages reach them through the real
 * MessageIntake (receive()), as they would from MQTT.
 *
 * MQTT and InfluxDB are peers only where a test asks for them: without
 * `mqtt` the subscriber is never started (not connected, so commands answer
 * 503), and without `influxUrl` the InfluxDB client points at a loopback
 * port nobody listens on.
 */

/** One bearer token per role; the names are what audit fields such as acknowledgedBy show. */
export const API_PRINCIPALS = {
  admin: { token: strongTestSecret(), name: 'admin' },
  technician: { token: strongTestSecret(), name: 'field-technician' },
  responder: { token: strongTestSecret(), name: 'dispatch-desk' },
  viewer: { token: strongTestSecret(), name: 'wall-display' }
} as const satisfies Record<ApiRole, { token: string, name: string }>

/** Where the monitor's clock stands when an app is built. */
export const API_TEST_START = '2026-11-24T10:00:00.000Z'

const BASE_SETTINGS = {
  AED_ADMIN_TOKEN: API_PRINCIPALS.admin.token,
  MQTT_PASSWORD: strongTestSecret(),
  CREDENTIALS_HASH_KEY: strongTestSecret(),
  ALERT_LINK_SECRET: strongTestSecret(),
  LOG_LEVEL: 'silent'
}
const config = MonitorConfigSchema.parse(BASE_SETTINGS)
const fleetFile = await loadFleet(PERNIK_FLEET_FILE)
const routing = new AlertRouting(await loadAlertingFile(EXAMPLE_ALERTING_FILE))
const templates = await loadMessageTemplates()
const digestTemplates = await loadDigestTemplates()

export interface ApiAppOptions {
  /** A fleet file other than the shipped Pernik one. */
  fleetFile?: string
  /** A broker to connect the monitor's MQTT subscriber to, with a service account. */
  mqtt?: { url: string, username: string, password: string }
  /** Base URL of an InfluxDB (or startInfluxStandIn()); by default a port nobody listens on. */
  influxUrl?: string
  /** The database on influxUrl; `aed` by default. */
  influxDatabase?: string
  /** How long an InfluxDB request may take; 2 s by default. */
  influxTimeoutMs?: number
  writer?: Partial<InfluxWriterOptions>
  /**
   * The monitor's DATA_DIR (journal, issued tokens, audit trail), for a test
   * that builds the app again on what the first one left; by default a new
   * temporary directory, removed by close().
   */
  dataDir?: string
  /** Settings of the HTTP layer other than their defaults, as environment values (rate limits, TRUST_PROXY). */
  settings?: Record<string, string>
  /** The fleet instead of the Pernik fleet file. */
  fleet?: Fleet
  /** Where the monitor's clock stands when the app is built; API_TEST_START by default. */
  start?: string
  /** READINESS_SNAPSHOT_INTERVAL_S in ms, instead of its default. */
  snapshotIntervalMs?: number
}

export interface ApiResponse {
  status: number
  headers: LightMyRequestResponse['headers']
  text: string
  /** The body as it came, bytes (a PDF). */
  raw: Buffer
  /** The body parsed as JSON. */
  body: any
}

export interface ApiClient {
  get (url: string): Promise<ApiResponse>
  /**
   * Without `body`, the request has no body and no content type; an object
   * is sent as JSON, a string as it is, with `contentType` (JSON by default).
   */
  post (url: string, body?: unknown, contentType?: string): Promise<ApiResponse>
  delete (url: string): Promise<ApiResponse>
}

/** Where a request comes from: the client's address and its User-Agent header. */
export interface RequestOrigin {
  address?: string
  userAgent?: string
  /** An X-Forwarded-For header, as a proxy in front of the monitor sends it. */
  forwardedFor?: string
}

export interface ApiApp {
  app: FastifyInstance
  /** The monitor's time line: rules, alert times, maintenance windows. */
  time: ManualTime
  /** The plumbing's time line: InfluxDB flushes and health pings; moves only when a test says. */
  ioTime: ManualTime
  bus: MonitorBus
  fleet: FleetState
  book: AlertBook
  alerts: AlertLifecycle
  maintenance: MaintenanceDesk
  journal: AlertJournal
  counters: IngestCounters
  writer: InfluxWriter
  health: HealthCheck
  subscriber: MqttSubscriber
  credentials: CredentialFile
  /** Hashes as the issuer does (CREDENTIALS_HASH_KEY of the settings). */
  hasher: SecretHasher
  /** The tokens issued through the API, kept in dataDir. */
  issuedTokens: IssuedTokens
  /** The audit trail, kept in dataDir. */
  audit: AuditLog
  dataDir: string
  /** Everything the app and the units logged, parsed. */
  logs: Array<Record<string, unknown>>
  /** Calls the API with the bearer token of `role`, from 127.0.0.1 with the user agent lightMyRequest unless `from` says otherwise. */
  as (role: ApiRole, from?: RequestOrigin): ApiClient
  /** The path of the acknowledgement link a person of the example alerting file gets for an alert. */
  ackPath (alertId: string, personId: string): string
  /** Calls without an Authorization header. */
  anonymous: ApiClient
  /** Calls with this Authorization header, exactly. */
  withAuthorization (header: string, from?: RequestOrigin): ApiClient
  /** Calls without an Authorization header, from this address and user agent. */
  from (origin: RequestOrigin): ApiClient
  /** A cabinet's message through the intake, as if it came over MQTT; ts (now) and seq (counting) are filled in unless given. */
  receive (cabinetId: string, channel: UplinkChannel, payload: Record<string, unknown>): void
  /** Raw bytes on a topic through the intake. */
  receiveRaw (topic: string, payload: string): void
  close (): Promise<void>
}

let nextClientId = 0

export async function buildApiApp (options: ApiAppOptions = {}): Promise<ApiApp> {
  const dir = options.dataDir ?? await mkdtemp(join(tmpdir(), 'aed-api-'))
  const logs: Array<Record<string, unknown>> = []
  const logger = pino({ level: 'info' }, new Writable({
    write (chunk: Buffer, _encoding, done) {
      logs.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>)
      done()
    }
  }))
  const time = new ManualTime(options.start ?? API_TEST_START)
  const ioTime = new ManualTime(options.start ?? API_TEST_START)
  const influx = new InfluxV1Client({ url: options.influxUrl ?? await unreachableUrl(), database: options.influxDatabase ?? 'aed', timeoutMs: options.influxTimeoutMs ?? 2000 })
  // Without a broker the subscriber points at a port nobody listens on: not connected, so commands answer 503.
  const mqtt = options.mqtt ?? { url: `mqtt://127.0.0.1:${new URL(await unreachableUrl()).port}`, username: config.MQTT_USERNAME, password: config.MQTT_PASSWORD }
  const monitor = new Monitor({
    alerting: {
      routing,
      notifiers: [],
      templates,
      digestTemplates,
      dataDir: dir,
      publicUrl: config.PUBLIC_URL,
      ackSecret: config.ALERT_LINK_SECRET,
      ackTtlMs: config.ALERT_LINK_TTL_H * 3_600_000,
      retryPolicy: { attempts: 1, baseDelayMs: 1000, maxDelayMs: 1000 },
      retryFailedEveryMs: 3_600_000
    },
    fleet: options.fleet ?? (options.fleetFile === undefined ? fleetFile : await loadFleet(options.fleetFile)),
    influx,
    mqtt: { ...mqtt, clientId: `aed-api-test-${process.pid}-${nextClientId++}` },
    writer: { batchSize: config.INFLUX_BATCH_SIZE, flushMs: config.INFLUX_FLUSH_MS, maxBufferLines: config.INFLUX_BUFFER_LINES, createDatabase: false, ...options.writer },
    thresholds: defaultThresholds(config),
    offlineAfterHeartbeats: config.OFFLINE_AFTER_HEARTBEATS,
    clockSkewToleranceMs: config.CLOCK_SKEW_TOLERANCE_S * 1000,
    snapshotIntervalMs: options.snapshotIntervalMs ?? config.READINESS_SNAPSHOT_INTERVAL_S * 1000,
    logger,
    time,
    ioTime
  })
  const connected = options.mqtt === undefined ? undefined : once(monitor.bus, 'brokerConnected')
  await monitor.start()
  await connected
  const intake = new MessageIntake(monitor.bus, time)
  const credentials = new CredentialFile(join(dir, 'credentials.json'))
  const hasher = new SecretHasher(config.CREDENTIALS_HASH_KEY)

  const issuedTokens = new IssuedTokens(join(dir, API_TOKENS_FILE), time)
  await issuedTokens.start()
  const audit = new AuditLog(join(dir, AUDIT_LOG_FILE), time)
  await audit.start()
  const tokens = new ApiTokens(issuedTokens)
  for (const [role, { token, name }] of Object.entries(API_PRINCIPALS)) tokens.add(token, { name, role: role as ApiRole, tokenId: `test-${role}` })
  const settings = MonitorConfigSchema.parse({ ...BASE_SETTINGS, ...options.settings })
  const app = await buildApp({
    services: monitor.services(),
    issuer: new CredentialsIssuer(credentials, hasher),
    tokens,
    issuedTokens,
    audit,
    logger,
    ack: {
      secret: config.ALERT_LINK_SECRET,
      ttlMs: config.ALERT_LINK_TTL_H * 3_600_000,
      routing,
      templates,
      desk: monitor.desk
    },
    limits: rateLimitsOf(settings),
    dashboardUrl: settings.DASHBOARD_URL,
    trustProxy: settings.TRUST_PROXY
  })

  const client = (authorization: string | undefined, from: RequestOrigin = {}): ApiClient => {
    const call = async (method: InjectOptions['method'], url: string, body?: unknown, contentType = 'application/json'): Promise<ApiResponse> => {
      const headers: Record<string, string> = {}
      if (authorization !== undefined) headers.authorization = authorization
      if (body !== undefined) headers['content-type'] = contentType
      if (from.userAgent !== undefined) headers['user-agent'] = from.userAgent
      if (from.forwardedFor !== undefined) headers['x-forwarded-for'] = from.forwardedFor
      const res = await app.inject({
        method,
        url,
        headers,
        ...(from.address === undefined ? {} : { remoteAddress: from.address }),
        ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) })
      })
      let parsed: unknown
      try { parsed = JSON.parse(res.body) } catch { parsed = undefined }
      return { status: res.statusCode, headers: res.headers, text: res.body, raw: res.rawPayload, body: parsed }
    }
    return {
      get: url => call('GET', url),
      post: (url, body, contentType) => call('POST', url, body, contentType),
      delete: url => call('DELETE', url)
    }
  }

  let seq = 0
  return {
    app, time, ioTime, credentials, hasher, issuedTokens, audit, logs,
    dataDir: dir,
    bus: monitor.bus,
    fleet: monitor.fleet,
    book: monitor.book,
    alerts: monitor.alerts,
    maintenance: monitor.maintenance,
    journal: monitor.journal,
    counters: monitor.counters,
    writer: monitor.writer,
    health: monitor.health,
    subscriber: monitor.subscriber,
    as: (role, from) => client(`Bearer ${API_PRINCIPALS[role].token}`, from),
    ackPath (alertId, personId) {
      const alert = monitor.alerts.get(alertId)
      if (alert === undefined) throw new Error(`no alert ${alertId}`)
      return new URL(shortAckLink(config.PUBLIC_URL, alert, personId, { secret: config.ALERT_LINK_SECRET, ttlMs: config.ALERT_LINK_TTL_H * 3_600_000 })).pathname
    },
    anonymous: client(undefined),
    withAuthorization: (header, from) => client(header, from),
    from: origin => client(undefined, origin),
    receive (cabinetId, channel, payload) {
      const message = { ts: new Date(time.now()).toISOString(), seq: ++seq, ...payload }
      intake.handle(cabinetTopic(cabinetId, channel), Buffer.from(JSON.stringify(message)))
    },
    receiveRaw (topic, payload) {
      intake.handle(topic, Buffer.from(payload))
    },
    async close () {
      await app.close()
      await issuedTokens.stop()
      await audit.stop()
      await monitor.stop()
      if (options.dataDir === undefined) await rm(dir, { recursive: true, force: true })
    }
  }
}

/** Builds an app for one test and closes it when the test ends. */
export async function apiAppFor (t: { teardown (fn: () => Promise<void>): void }, options: ApiAppOptions = {}): Promise<ApiApp> {
  const api = await buildApiApp(options)
  t.teardown(() => api.close())
  return api
}

/** A loopback HTTP server answering InfluxDB's /ping and /write; set `writeStatus` to make writes fail. */
export interface InfluxStandIn {
  url: string
  /** Lines written, in order. */
  lines: string[]
  /** Status /write answers with: 204 takes the lines, 400 refuses them as malformed, 5xx fails. */
  writeStatus: number
  close (): Promise<void>
}

export async function startInfluxStandIn (): Promise<InfluxStandIn> {
  const standIn: Omit<InfluxStandIn, 'url' | 'close'> = { lines: [], writeStatus: 204 }
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const path = new URL(request.url ?? '/', 'http://influx').pathname
      if (path === '/ping') return response.writeHead(204).end()
      if (path === '/write' && request.method === 'POST') {
        if (standIn.writeStatus === 204) standIn.lines.push(...Buffer.concat(chunks).toString('utf8').split('\n'))
        const error = standIn.writeStatus === 204 ? '' : JSON.stringify({ error: `stand-in answers ${standIn.writeStatus}` })
        return response.writeHead(standIn.writeStatus, { 'content-type': 'application/json' }).end(error)
      }
      response.writeHead(404).end()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return Object.assign(standIn, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => closeServer(server)
  })
}

/** A loopback URL that refuses connections: a port taken and released again. */
async function unreachableUrl (): Promise<string> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  await closeServer(server)
  return `http://127.0.0.1:${port}`
}

async function closeServer (server: Server): Promise<void> {
  server.closeAllConnections()
  await new Promise<void>((resolve, reject) => server.close(err => err === undefined ? resolve() : reject(err)))
}
