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
  BROKER_PERSISTENCE: z.enum(['disk', 'redis', 'memory']).default('disk')
    .describe('Where the broker keeps sessions, subscriptions, queued QoS 1 messages and retained messages: disk (BROKER_DATA_DIR), redis (REDIS_URL), or memory (lost at every restart; for tests)'),
  BROKER_DATA_DIR: z.string().default('data/broker')
    .describe('Directory of the on-disk store (BROKER_PERSISTENCE=disk); one broker process at a time'),
  REDIS_URL: z.string().regex(/^rediss?:\/\/[^/]/, 'a redis:// or rediss:// URL').default('redis://127.0.0.1:6379')
    .describe('Redis holding the broker\'s state and carrying messages between broker processes (BROKER_PERSISTENCE=redis); redis://[:password@]host[:port][/db]'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')
})
export type BrokerConfig = z.infer<typeof BrokerConfigSchema>

export function loadBrokerConfig (env: NodeJS.ProcessEnv = process.env): BrokerConfig {
  return parseEnvironment(BrokerConfigSchema, env)
}
