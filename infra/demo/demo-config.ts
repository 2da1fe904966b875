import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { ConfigError, validate } from '@aed/core/validated-input'
import { wantsStackTraces } from '@aed/core/start-failure'

const REPOSITORY = resolve(fileURLToPath(new URL('../..', import.meta.url)))

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback)

/**
 * The demo's own settings. Everything else in the environment goes to the
 * monitor as in production (FLEET_FILE, ALERTING_FILE, SMTP_HOST…), validated
 * there.
 */
const DemoSettingsSchema = z.object({
  DEMO_DIR: z.string().default(join(REPOSITORY, '.demo')).describe('Where the demo keeps its data, lock and secrets'),
  PORT: port(8080).describe('HTTP API port; 0 = any free port'),
  MQTT_PORT: port(1883).describe('MQTT broker port; 0 = any free port'),
  INFLUX_URL: z.url().optional().describe('An InfluxDB to use instead of a private influxd'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')
})

/**
 * The secrets the demo makes for itself when they are unset. Set but empty is
 * a mistake (an unset shell variable in `AED_ADMIN_TOKEN=$TOKEN`), not a
 * request for a random one: the demo says so instead of guessing.
 */
const SECRETS_THE_DEMO_MAKES = ['AED_ADMIN_TOKEN', 'MQTT_PASSWORD', 'ALERT_LINK_SECRET'] as const

export interface DemoConfig {
  dir: string
  port: number
  mqttPort: number
  influxUrl: string | undefined
  logLevel: z.infer<typeof DemoSettingsSchema>['LOG_LEVEL']
  /** --keep: go on with the previous session's alerts, tokens and telemetry. */
  keep: boolean
  /** Start-up failures with their stack trace (LOG_LEVEL=debug). */
  verbose: boolean
}

export const DEMO_USAGE = 'usage: npm run demo [-- --keep]   (--keep: continue the previous session instead of starting fresh)'

export function loadDemoConfig (env: NodeJS.ProcessEnv, args: readonly string[]): DemoConfig {
  const problems: string[] = []
  for (const name of SECRETS_THE_DEMO_MAKES) {
    if (env[name] === '') {
      problems.push(`${name} is set but empty: unset it (the demo then makes one), or set it to a random value: openssl rand -base64 32`)
    }
  }
  const unknown = args.filter(arg => arg !== '--keep')
  if (unknown.length > 0) problems.push(`unknown argument ${unknown.join(' ')}; ${DEMO_USAGE}`)
  const settings = validate(DemoSettingsSchema, Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')))
  if (!settings.ok) problems.push(...settings.problems)
  if (problems.length > 0 || !settings.ok) throw new ConfigError(problems)
  const { DEMO_DIR, PORT, MQTT_PORT, INFLUX_URL, LOG_LEVEL } = settings.value
  return {
    dir: resolve(DEMO_DIR),
    port: PORT,
    mqttPort: MQTT_PORT,
    influxUrl: INFLUX_URL,
    logLevel: LOG_LEVEL,
    keep: args.includes('--keep'),
    verbose: wantsStackTraces(LOG_LEVEL)
  }
}
