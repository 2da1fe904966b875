import { z } from 'zod'
import { isIP } from 'node:net'
import { fileURLToPath } from 'node:url'
import { PERNIK_FLEET_FILE } from '@aed/core/fleet'
import { strongSecret } from '@aed/core/secret-strength'
import { parseEnvironment } from '@aed/core/validated-input'

/** People and rota of the example alerting file; a deployment points ALERTING_FILE at its own. */
export const EXAMPLE_ALERTING_FILE = fileURLToPath(new URL('../../../infra/alerting/example.yaml', import.meta.url))

const flag = (fallback: 'true' | 'false') => z.enum(['true', 'false', '1', '0']).default(fallback).transform(v => v === 'true' || v === '1')
const optionalString = z.string().optional().transform(v => v === '' ? undefined : v)
const secret = z.string().superRefine(strongSecret)
const optionalSecret = optionalString.superRefine(strongSecret)

/**
 * Every setting of the monitor, read once from the environment at start-up.
 * Each field's description is the documentation: the configuration table
 * in docs/configuration.md is generated from this schema.
 */
export const MonitorConfigSchema = z.object({
  HOST: z.string().default('0.0.0.0').describe('Address the HTTP API binds to'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080).describe('HTTP API port'),
  HTTPS_CERT_FILE: optionalString.describe('PEM certificate (chain included) of the API; with HTTPS_KEY_FILE the API speaks HTTPS only; unset = plain HTTP'),
  HTTPS_KEY_FILE: optionalString.describe('PEM private key of HTTPS_CERT_FILE'),
  HTTPS_KEY_PASSPHRASE: optionalSecret.describe('Passphrase of an encrypted HTTPS_KEY_FILE'),
  PUBLIC_URL: z.url().default('http://localhost:8080').describe('Base URL people reach the service at; used in acknowledgement links'),
  DASHBOARD_URL: z.url().optional().describe('The Grafana fleet overview (e.g. https://grafana.example.org/d/aed-fleet-overview, the Bulgarian one, which links to its English twin …/d/aed-fleet-overview-en), linked from alert emails and the public page (/); unset = no dashboard link'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level'),
  TRUST_PROXY: optionalString.transform(v => v?.split(',').map(entry => entry.trim())).superRefine((entries, ctx) => {
    for (const entry of entries ?? []) {
      if (!isAddressOrRange(entry)) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(entry)} is not an IP address or CIDR range` })
    }
  }).describe('Addresses or CIDR ranges, comma-separated, of reverse proxies in front of the monitor: for requests from them, X-Forwarded-For gives the client\'s address (rate limits, audit trail); unset = the connecting address'),
  API_RATE_LIMIT: z.coerce.number().int().min(1).default(600).describe('Requests per RATE_LIMIT_WINDOW_S one API token may make; then 429 with Retry-After'),
  API_RATE_LIMIT_UNAUTHENTICATED: z.coerce.number().int().min(1).default(60).describe('Requests to /api/v1 without a valid token one client address may make per RATE_LIMIT_WINDOW_S'),
  ACK_RATE_LIMIT: z.coerce.number().int().min(1).default(30).describe('Requests to the acknowledgement pages (/a/…) one client address may make per RATE_LIMIT_WINDOW_S'),
  PUBLIC_RATE_LIMIT: z.coerce.number().int().min(1).default(300).describe('Requests to the public page (/) and availability feed (/public/v1) one client address may make per RATE_LIMIT_WINDOW_S'),
  RATE_LIMIT_WINDOW_S: z.coerce.number().int().min(1).default(60).describe('The window of the rate limits, seconds; it starts at a token\'s or address\'s first request'),

  FLEET_FILE: z.string().default(PERNIK_FLEET_FILE).describe('YAML file declaring sites and cabinets (infra/fleet/)'),
  DATA_DIR: z.string().default('data/monitor').describe('Directory for the durable alert journal, the issued API tokens and the audit trail'),
  CREDENTIALS_FILE: z.string().default('data/credentials.json').describe('Hashed MQTT credentials, shared with the broker'),
  CREDENTIALS_HASH_KEY: secret.describe('HMAC key of the secret hashes in CREDENTIALS_FILE; the same value as the broker\'s'),
  AED_ADMIN_TOKEN: secret.describe('Bootstrap bearer token with the admin role on /api/v1'),

  MQTT_URL: z.string().default('mqtt://127.0.0.1:1883').describe('Broker URL (mqtt:// or mqtts://)'),
  MQTT_CA_FILE: optionalString.describe('PEM CA certificate that signed the broker\'s certificate, for mqtts:// (default: the system\'s CAs)'),
  MQTT_USERNAME: z.string().default('service:monitor').describe('The service account the monitor connects with'),
  MQTT_PASSWORD: secret.describe('Secret of the service account; its hash is registered in CREDENTIALS_FILE at start-up'),
  MQTT_CLIENT_ID: z.string().default('aed-monitor').describe('Stable client id: with a persistent session the broker keeps QoS 1 messages while the monitor is away; unique per replica. The door lane connects as this id + `-doors`'),

  INFLUX_URL: z.url().default('http://127.0.0.1:8086').describe('InfluxDB base URL (v1-compatible API)'),
  INFLUX_DB: z.string().min(1).default('aed').describe('InfluxDB database (2.x: a DBRP-mapped database name)'),
  INFLUX_TOKEN: optionalSecret.describe('InfluxDB token, sent as "Authorization: Token …"'),
  INFLUX_CREATE_DB: flag('true').describe('Run CREATE DATABASE at start-up (InfluxDB 1.x); set false on 2.x'),
  INFLUX_BATCH_SIZE: z.coerce.number().int().min(1).default(500).describe('Lines per /write request'),
  INFLUX_FLUSH_MS: z.coerce.number().int().min(10).default(1000).describe('Longest a line waits before it is written'),
  INFLUX_BUFFER_LINES: z.coerce.number().int().min(1000).default(200_000).describe('Lines kept in memory while InfluxDB is unreachable'),
  READINESS_SNAPSHOT_INTERVAL_S: z.coerce.number().int().min(5).default(60).describe('How often every cabinet\'s readiness is written to InfluxDB'),

  TEMPERATURE_MIN_C: z.coerce.number().default(0).describe('Lowest allowed cabinet temperature (AED storage range), per-cabinet overridable'),
  TEMPERATURE_MAX_C: z.coerce.number().default(50).describe('Highest allowed cabinet temperature, per-cabinet overridable'),
  TEMPERATURE_CRITICAL_AFTER_MIN: z.coerce.number().positive().default(30).describe('Minutes out of the temperature range after which the alert becomes critical and pages, per-cabinet overridable'),
  BATTERY_LOW_PERCENT: z.coerce.number().min(0).max(100).default(25).describe('Battery level that raises a battery_low warning'),
  BATTERY_CRITICAL_PERCENT: z.coerce.number().min(0).max(100).default(10).describe('Battery level below which the AED is not ready (battery_critical)'),
  EXPIRY_WARNING_DAYS: z.coerce.number().int().min(0).default(30).describe('Days before a pads or battery expiry date that a warning is raised'),
  SELFTEST_MAX_AGE_H: z.coerce.number().positive().default(26).describe('Hours without a self-test result before selftest_overdue (a daily self-test plus a margin), per-cabinet overridable'),
  ALERTING_FILE: z.string().default(EXAMPLE_ALERTING_FILE).describe('YAML file with people, the on-call rota, facility managers and escalation (infra/alerting/)'),
  ALERT_LINK_SECRET: secret.describe('HMAC key of acknowledgement links'),
  ALERT_LINK_TTL_H: z.coerce.number().positive().default(72).describe('Lifetime of an acknowledgement link, hours from the alert\'s opening'),
  NOTIFY_ATTEMPTS: z.coerce.number().int().min(1).default(4).describe('Tries per notification, the first included'),
  NOTIFY_RETRY_BASE_MS: z.coerce.number().int().min(1).default(2000).describe('Wait before the second try; doubles for each further try (capped at 30 s)'),
  NOTIFY_RETRY_FAILED_S: z.coerce.number().min(1).default(60).describe('How often a notification that failed every try is tried again while its alert is open'),

  SMTP_HOST: optionalString.describe('SMTP server; unset = no email'),
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(587).describe('587 (STARTTLS) or 465 (implicit TLS)'),
  SMTP_SECURE: flag('false').describe('TLS from the first byte (port 465)'),
  SMTP_REQUIRE_TLS: flag('false').describe('Refuse to send unless STARTTLS succeeds'),
  SMTP_USER: optionalString.describe('SMTP AUTH user'),
  SMTP_PASSWORD: optionalSecret.describe('SMTP AUTH password'),
  SMTP_FROM: z.string().default('АЕД мониторинг <aed-monitor@localhost>').describe('Sender of alert emails'),
  SMTP_TLS_REJECT_UNAUTHORIZED: flag('true').describe('Verify the SMTP server certificate'),
  SMTP_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000).describe('SMTP connection, greeting and socket timeout'),

  SMS_PROVIDER: z.enum(['none', 'twilio', 'webhook']).default('none').describe('SMS channel: a Twilio-compatible Messages API, a JSON webhook of a local gateway, or none'),
  SMS_BASE_URL: z.url().default('https://api.twilio.com').describe('Twilio-compatible API root'),
  SMS_ACCOUNT_SID: optionalString.describe('Twilio account SID (Basic auth user)'),
  SMS_AUTH_TOKEN: optionalSecret.describe('Twilio auth token (Basic auth password)'),
  SMS_FROM: optionalString.describe('Sender number (E.164) or alphanumeric sender id'),
  SMS_MESSAGING_SERVICE_SID: optionalString.describe('Instead of SMS_FROM: a Twilio messaging service'),
  SMS_WEBHOOK_URL: optionalString.describe('Webhook gateway endpoint (SMS_PROVIDER=webhook), receives {"to", "text"}'),
  SMS_WEBHOOK_TOKEN: optionalSecret.describe('Bearer token for the webhook gateway'),
  SMS_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000).describe('Whole SMS request, answer included'),

  OFFLINE_AFTER_HEARTBEATS: z.coerce.number().int().min(1).default(3).describe('Missed heartbeat intervals after which a cabinet is offline'),
  CLOCK_SKEW_TOLERANCE_S: z.coerce.number().int().min(1).default(120).describe('A message whose ts lies further ahead of its arrival is taken at its arrival time and raises clock_skew'),

  REPLICA_REDIS_URL: optionalString.refine(v => v === undefined || /^rediss?:\/\//.test(v), 'must be a redis:// or rediss:// URL').describe('Redis of the replica group: set = this monitor is one of several replicas that split the cabinets (docs/operations.md#replicas); unset = a single monitor process. redis://[:password@]host[:port][/db]'),
  REPLICA_ID: optionalString.refine(v => v === undefined || /^[A-Za-z0-9._-]{1,64}$/.test(v), 'letters, digits, ".", "_" and "-" only, at most 64').describe('Name of this replica in the group, unique among them; default: host name and process id'),
  REPLICA_LEASE_MS: z.coerce.number().int().min(300).default(10_000).describe('Lifetime of a replica\'s lease on its cabinets, ms, renewed every third of it: a replica that dies hands its cabinets over within this plus a third')

}).superRefine((config, ctx) => {
  if ((config.HTTPS_CERT_FILE === undefined) !== (config.HTTPS_KEY_FILE === undefined)) {
    ctx.addIssue({ code: 'custom', path: [config.HTTPS_CERT_FILE === undefined ? 'HTTPS_CERT_FILE' : 'HTTPS_KEY_FILE'], message: 'HTTPS needs both HTTPS_CERT_FILE and HTTPS_KEY_FILE' })
  }
  if (config.MQTT_CA_FILE !== undefined && !config.MQTT_URL.startsWith('mqtts://')) {
    ctx.addIssue({ code: 'custom', path: ['MQTT_CA_FILE'], message: 'set, but MQTT_URL is not mqtts://: the connection would not use it' })
  }
  if (config.SMS_PROVIDER === 'twilio') {
    if (config.SMS_ACCOUNT_SID === undefined) ctx.addIssue({ code: 'custom', path: ['SMS_ACCOUNT_SID'], message: 'required when SMS_PROVIDER=twilio' })
    if (config.SMS_AUTH_TOKEN === undefined) ctx.addIssue({ code: 'custom', path: ['SMS_AUTH_TOKEN'], message: 'required when SMS_PROVIDER=twilio' })
    if (config.SMS_FROM === undefined && config.SMS_MESSAGING_SERVICE_SID === undefined) {
      ctx.addIssue({ code: 'custom', path: ['SMS_FROM'], message: 'SMS_FROM or SMS_MESSAGING_SERVICE_SID is required when SMS_PROVIDER=twilio' })
    }
  }
  if (config.SMS_PROVIDER === 'webhook' && config.SMS_WEBHOOK_URL === undefined) {
    ctx.addIssue({ code: 'custom', path: ['SMS_WEBHOOK_URL'], message: 'required when SMS_PROVIDER=webhook' })
  }
})

export type MonitorConfig = z.infer<typeof MonitorConfigSchema>

function isAddressOrRange (entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/')
  const family = isIP(address)
  if (family === 0 || rest.length > 0) return false
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128))
}

/** The settings that are secrets: checked for strength, and scrubbed from every log line. */
export const MONITOR_SECRETS = [
  'AED_ADMIN_TOKEN', 'MQTT_PASSWORD', 'CREDENTIALS_HASH_KEY', 'ALERT_LINK_SECRET', 'INFLUX_TOKEN', 'SMTP_PASSWORD', 'SMS_AUTH_TOKEN', 'SMS_WEBHOOK_TOKEN', 'HTTPS_KEY_PASSPHRASE'
] as const satisfies ReadonlyArray<keyof MonitorConfig>

export function secretsOf (config: MonitorConfig): Array<string | undefined> {
  return MONITOR_SECRETS.map(name => config[name])
}

/** Parses the environment once; every problem is listed, not just the first. */
export function loadMonitorConfig (env: NodeJS.ProcessEnv = process.env): MonitorConfig {
  return parseEnvironment(MonitorConfigSchema, env)
}
