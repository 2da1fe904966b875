import { z } from 'zod'
import { PERNIK_FLEET_FILE } from '@aed/core/fleet'

const flag = (fallback: 'true' | 'false') => z.enum(['true', 'false', '1', '0']).default(fallback).transform(v => v === 'true' || v === '1')
const optionalString = z.string().optional().transform(v => v === '' ? undefined : v)

/**
 * Every setting of the monitor, read once from the environment at start-up.
 * Each field's description is the documentation: the configuration table
 * in docs/configuration.md is generated from this schema.
 */
export const MonitorConfigSchema = z.object({
  HOST: z.string().default('0.0.0.0').describe('Address the HTTP API binds to'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080).describe('HTTP API port'),
  PUBLIC_URL: z.url().default('http://localhost:8080').describe('Base URL people reach the service at; used in acknowledgement links'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level'),

  FLEET_FILE: z.string().default(PERNIK_FLEET_FILE).describe('YAML file declaring sites and cabinets (infra/fleet/)'),
  DATA_DIR: z.string().default('data/monitor').describe('Directory for the durable alert journal'),
  CREDENTIALS_FILE: z.string().default('data/credentials.json').describe('Hashed MQTT credentials, shared with the broker'),
  AED_ADMIN_TOKEN: z.string().min(16, 'AED_ADMIN_TOKEN must be at least 16 characters').describe('Bootstrap bearer token with the admin role on /api/v1'),

  MQTT_URL: z.string().default('mqtt://127.0.0.1:1883').describe('Broker URL (mqtt:// or mqtts://)'),
  MQTT_USERNAME: z.string().default('service:monitor').describe('The service account the monitor connects with'),
  MQTT_PASSWORD: z.string().min(16, 'MQTT_PASSWORD must be at least 16 characters').describe('Secret of the service account; its hash is registered in CREDENTIALS_FILE at start-up'),
  MQTT_CLIENT_ID: z.string().default('aed-monitor').describe('Stable client id: with a persistent session the broker keeps QoS 1 messages while the monitor is away; unique per replica'),

  INFLUX_URL: z.url().default('http://127.0.0.1:8086').describe('InfluxDB base URL (v1-compatible API)'),
  INFLUX_DB: z.string().min(1).default('aed').describe('InfluxDB database (2.x: a DBRP-mapped database name)'),
  INFLUX_TOKEN: optionalString.describe('InfluxDB token, sent as "Authorization: Token …"'),
  INFLUX_CREATE_DB: flag('true').describe('Run CREATE DATABASE at start-up (InfluxDB 1.x); set false on 2.x'),
  INFLUX_BATCH_SIZE: z.coerce.number().int().min(1).default(500).describe('Lines per /write request'),
  INFLUX_FLUSH_MS: z.coerce.number().int().min(10).default(1000).describe('Longest a line waits before it is written'),
  INFLUX_BUFFER_LINES: z.coerce.number().int().min(1000).default(200_000).describe('Lines kept in memory while InfluxDB is unreachable'),
  READINESS_SNAPSHOT_INTERVAL_S: z.coerce.number().int().min(5).default(60).describe('How often every cabinet\'s readiness is written to InfluxDB'),

  TEMPERATURE_MIN_C: z.coerce.number().default(0).describe('Lowest allowed cabinet temperature (AED storage range), per-cabinet overridable'),
  TEMPERATURE_MAX_C: z.coerce.number().default(50).describe('Highest allowed cabinet temperature, per-cabinet overridable'),
  BATTERY_LOW_PERCENT: z.coerce.number().min(0).max(100).default(25).describe('Battery level that raises a battery_low warning'),
  BATTERY_CRITICAL_PERCENT: z.coerce.number().min(0).max(100).default(10).describe('Battery level below which the AED is not ready (battery_critical)'),
  EXPIRY_WARNING_DAYS: z.coerce.number().int().min(0).default(30).describe('Days before a pads or battery expiry date that a warning is raised'),
  SELFTEST_MAX_AGE_H: z.coerce.number().positive().default(26).describe('Hours without a self-test result before selftest_overdue (a daily self-test plus a margin), per-cabinet overridable'),
  OFFLINE_AFTER_HEARTBEATS: z.coerce.number().int().min(1).default(3).describe('Missed heartbeat intervals after which a cabinet is offline')
})

export type MonitorConfig = z.infer<typeof MonitorConfigSchema>

export class ConfigError extends Error {
  constructor (readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`)
    this.name = 'ConfigError'
  }
}

/** Parses the environment once; every problem is listed, not just the first. */
export function loadMonitorConfig (env: NodeJS.ProcessEnv = process.env): MonitorConfig {
  const result = MonitorConfigSchema.safeParse(env)
  if (!result.success) throw new ConfigError(result.error.issues.map(i => `${i.path.join('.')}: ${i.message}`))
  return result.data
}
