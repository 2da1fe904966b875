import { z } from 'zod'
import { parseEnvironment } from '@aed/core/validated-input'

/** Broker settings, read once from the environment at start-up (docs/configuration.md). */
export const BrokerConfigSchema = z.object({
  MQTT_HOST: z.string().default('0.0.0.0').describe('Address the MQTT listener binds to'),
  MQTT_PORT: z.coerce.number().int().min(0).max(65535).default(1883).describe('MQTT (TCP) port'),
  CREDENTIALS_FILE: z.string().default('data/credentials.json')
    .describe('Hashed MQTT credentials shared with the monitor, which issues them'),
  CREDENTIALS_POLL_MS: z.coerce.number().int().min(100).default(1000)
    .describe('How often the broker checks the credentials file for revoked secrets'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')
})
export type BrokerConfig = z.infer<typeof BrokerConfigSchema>

export function loadBrokerConfig (env: NodeJS.ProcessEnv = process.env): BrokerConfig {
  return parseEnvironment(BrokerConfigSchema, env)
}
