import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino, type Logger } from 'pino'
import { startTestBroker, type TestBroker } from '@aed/testkit/test-broker'
import { SimulatedCabinet, type SimulatedCabinetOptions } from '@aed/firmware-sim'
import { MonitorConfigSchema, type MonitorConfig } from '../../services/monitor/src/config.ts'
import { startMonitorService, type RunningService } from '../../services/monitor/src/service.ts'
import type { Time } from '@aed/core/time'
import { startSmtpTestServer, type SmtpTestServer } from '@aed/testkit/smtp-test-server'
import { startSmsProviderStandIn, type SmsProviderStandIn } from '@aed/testkit/sms-provider-stand-in'
import { waitFor } from '@aed/testkit/wait-for'
import { startTestInflux, type TestInflux } from './influx.ts'
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts'

export { waitFor }

/** Secrets as an operator makes them (`openssl rand -base64 32`): the monitor refuses weak ones. */
export function strongTestSecret (): string {
  return randomBytes(32).toString('base64')
}

export const ADMIN_TOKEN = strongTestSecret()

/** The whole system on loopback: a real InfluxDB, the broker over TCP, the monitor with its API. */
export interface TestStack {
  influx: TestInflux
  /** Sits between the monitor and InfluxDB: cut() it for an outage. */
  influxProxy: TcpProxy
  /** A real SMTP server receiving the alert emails. */
  smtp: SmtpTestServer
  /** A local HTTP server speaking the Twilio Messages API, receiving the alert SMS. */
  sms: SmsProviderStandIn
  broker: TestBroker
  service: RunningService
  config: MonitorConfig
  apiUrl: string
  /** Calls the API as the admin. */
  api (method: string, path: string, body?: unknown): Promise<{ status: number, body: any }>
  /** Issues a secret through the API and starts a simulated cabinet with it. */
  cabinet (id: string, options?: Partial<SimulatedCabinetOptions>): Promise<SimulatedCabinet>
  /** The simulated cabinet started with cabinet(id). */
  cabinetHandle (id: string): SimulatedCabinet
  /** Restarts only the monitor service (same data dir, same InfluxDB, same broker). */
  restartService (): Promise<RunningService>
  stop (): Promise<void>
}

/** The people of the test alerting file: the on-call pair, always on duty, and one facility manager. */
export const TEST_PEOPLE = {
  primary: { id: 'oncall-primary', phone: '+359000000101', email: 'primary@example.org' },
  backup: { id: 'oncall-backup', phone: '+359000000102', email: 'backup@example.org' },
  facility: { id: 'facility-manager', phone: '+359000000103', email: 'facility@example.org' }
}

export interface TestStackOptions {
  env?: Record<string, string>
  /** Escalation timeout, minutes (fractions for fast tests). */
  ackTimeoutMinutes?: number
  flapWindowMinutes?: number
  logger?: Logger
  /** Make the SMTP server require AUTH with these (set SMTP_USER and SMTP_PASSWORD in env to match). */
  smtpCredentials?: { user: string, password: string }
  /** The monitor's time line; a ManualTime makes escalation, flap windows and retries move only when the test says. */
  time?: Time
  tickMs?: number
}

export async function startTestStack (options: TestStackOptions = {}): Promise<TestStack> {
  const influx = await startTestInflux()
  const influxProxy = await startTcpProxy(Number(new URL(influx.url).port))
  const broker = await startTestBroker()
  const smtp = await startSmtpTestServer(options.smtpCredentials !== undefined ? { credentials: options.smtpCredentials } : {})
  const sms = await startSmsProviderStandIn()
  const dataDir = await mkdtemp(join(tmpdir(), 'aed-monitor-'))
  const alertingFile = join(dataDir, 'alerting.yaml')
  await writeFile(alertingFile, JSON.stringify({
    timezone: 'Europe/Sofia',
    people: [
      { id: TEST_PEOPLE.primary.id, name: 'Иван Петров', phone: TEST_PEOPLE.primary.phone, email: TEST_PEOPLE.primary.email, language: 'bg' },
      { id: TEST_PEOPLE.backup.id, name: 'Maria Georgieva', phone: TEST_PEOPLE.backup.phone, email: TEST_PEOPLE.backup.email, language: 'en' },
      { id: TEST_PEOPLE.facility.id, name: 'Елена Димитрова', phone: TEST_PEOPLE.facility.phone, email: TEST_PEOPLE.facility.email, language: 'bg' }
    ],
    rota: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '00:00', primary: TEST_PEOPLE.primary.id, backup: TEST_PEOPLE.backup.id }],
    facilityManagers: { '*': [TEST_PEOPLE.facility.id] },
    escalation: { ackTimeoutMinutes: options.ackTimeoutMinutes ?? 5 },
    flapWindowMinutes: options.flapWindowMinutes ?? 0,
    digest: { at: '08:00', enabled: false }
  }))
  const config = MonitorConfigSchema.parse({
    HOST: '127.0.0.1',
    PORT: '0',
    AED_ADMIN_TOKEN: ADMIN_TOKEN,
    MQTT_URL: broker.url,
    MQTT_PASSWORD: strongTestSecret(),
    MQTT_CLIENT_ID: `aed-monitor-test-${process.pid}`,
    CREDENTIALS_FILE: broker.credentials.path,
    CREDENTIALS_HASH_KEY: broker.credentialsHashKey,
    DATA_DIR: dataDir,
    INFLUX_URL: `http://127.0.0.1:${influxProxy.port}`,
    INFLUX_DB: influx.database,
    INFLUX_FLUSH_MS: '50',
    LOG_LEVEL: 'silent',
    ALERTING_FILE: alertingFile,
    ALERT_LINK_SECRET: strongTestSecret(),
    PUBLIC_URL: 'http://127.0.0.1:8080',
    NOTIFY_RETRY_BASE_MS: '50',
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
    SMTP_TLS_REJECT_UNAUTHORIZED: 'false',
    SMTP_FROM: 'АЕД Перник <aed@example.org>',
    ...sms.monitorSettings(),
    // Tests poll the API and the public feed every 25 ms while they wait; the limits are tested in rate-limits.test.ts and aed-feed-routes.test.ts.
    API_RATE_LIMIT: '1000000',
    PUBLIC_RATE_LIMIT: '1000000',
    ...options.env
  })
  const logger = options.logger ?? pino({ level: 'silent' })
  const serviceOptions = { ...(options.time ? { time: options.time } : {}), ...(options.tickMs ? { tickMs: options.tickMs } : {}) }
  let service = await startMonitorService(config, logger, serviceOptions)
  await waitFor(() => service.monitor.health.health().mqtt, 'monitor connected to the broker')
  const cabinets: SimulatedCabinet[] = []

  const api: TestStack['api'] = async (method, path, body) => {
    const res = await fetch(`${service.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {})
    })
    const text = await res.text()
    return { status: res.status, body: text === '' ? undefined : JSON.parse(text) }
  }

  return {
    influx,
    influxProxy,
    smtp,
    sms,
    broker,
    get service () { return service },
    config,
    get apiUrl () { return service.url },
    api,
    async cabinet (id, cabinetOptions = {}) {
      const issued = await api('POST', `/api/v1/cabinets/${id}/credentials`)
      if (issued.status !== 201) throw new Error(`issuing a secret for ${id} failed: ${issued.status} ${JSON.stringify(issued.body)}`)
      const cabinet = new SimulatedCabinet({ id, secret: issued.body.secret, brokerUrl: broker.url, maxReconnectDelayMs: 500, ...cabinetOptions })
      cabinets.push(cabinet)
      cabinet.start()
      return cabinet
    },
    cabinetHandle (id) {
      const cabinet = cabinets.find(c => c.id === id)
      if (cabinet === undefined) throw new Error(`no simulated cabinet ${id}`)
      return cabinet
    },
    async restartService () {
      await service.close()
      service = await startMonitorService({ ...config }, logger, serviceOptions)
      await waitFor(() => service.monitor.health.health().mqtt, 'monitor reconnected to the broker')
      return service
    },
    async stop () {
      await Promise.all(cabinets.map(c => c.stop()))
      await service.close()
      await broker.close()
      await Promise.all([smtp.close(), sms.close(), influxProxy.close()])
      await influx.stop()
      await rm(dataDir, { recursive: true, force: true })
    }
  }
}
