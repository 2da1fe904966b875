import { isIP } from 'node:net'
import { z } from 'zod'
import { strongSecret } from '@aed/core/secret-strength'
import { parseEnvironment } from '@aed/core/validated-input'

/** "10.0.0.5", "fd00::7", or a CIDR block: "172.30.0.0/24", "fd00::/64". */
function isAddressOrBlock (entry: string): boolean {
  const [address = '', prefix, ...more] = entry.split('/')
  const family = isIP(address)
  if (family === 0 || more.length > 0) return false
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128))
}

/** Comma- or space-separated addresses and CIDR blocks; empty = none. */
const addressList = z.string().optional()
  .transform(value => (value ?? '').split(/[\s,]+/).filter(entry => entry !== ''))
  .superRefine((entries, ctx) => {
    for (const entry of entries) {
      if (!isAddressOrBlock(entry)) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(entry)} is neither an IP address nor a CIDR block` })
    }
  })

const flag = (fallback: 'true' | 'false') => z.enum(['true', 'false', '1', '0']).default(fallback).transform(v => v === 'true' || v === '1')

/** What one client, one address and the whole process may hold (docs/operations.md#limits). */
export const BROKER_LIMIT_SETTINGS = {
  MQTT_MAX_CONNECTIONS: z.coerce.number().int().min(1).default(10_000)
    .describe('Open connections the broker accepts at once; keep below the open-files limit (ulimit -n)'),
  MQTT_MAX_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(1).default(1000)
    .describe('Open connections from one IPv4 address or IPv6 /64; at least the number of cabinets behind the largest NAT'),
  MQTT_CONNECT_TIMEOUT_S: z.coerce.number().min(0.1).default(10)
    .describe('A connection is closed if its PROXY header (from a balancer in MQTT_TRUSTED_PROXIES), its TLS handshake, or after them its whole CONNECT takes longer than this'),
  MQTT_MAX_CONNECT_BYTES: z.coerce.number().int().min(64).default(2048)
    .describe('Largest first packet (the CONNECT), fixed header included; a larger one is refused from its header, before it is read'),
  MQTT_MAX_PACKET_BYTES: z.coerce.number().int().min(1024).default(65_536)
    .describe('Largest packet after the CONNECT, fixed header included; above the 16 KiB uplink limit so that a slightly oversized message is still counted as rejected by the monitor'),
  MQTT_MAX_INFLIGHT_QOS2: z.coerce.number().int().min(1).default(16)
    .describe('QoS 2 messages one client may leave awaiting PUBREL (services only: cabinets may not publish QoS 2)'),
  MQTT_LOGIN_DELAY_BASE_MS: z.coerce.number().int().min(0).default(250)
    .describe('Delay after the first failed login from an address or client id; it doubles with each further failure'),
  MQTT_LOGIN_DELAY_MAX_MS: z.coerce.number().int().min(0).default(10_000)
    .describe('Longest delay a failed login earns; also the longest a login from a penalised address or client id waits'),
  MQTT_LOGIN_FAILURE_MEMORY_S: z.coerce.number().min(1).default(600)
    .describe('Failures of an address or client id are forgotten after this long without a new one'),
  MQTT_REFUSAL_LOG_WINDOW_S: z.coerce.number().min(1).default(60)
    .describe('Failed logins and refused connections are logged as one summary line per address per window')
}

/** Broker settings, read once from the environment at start-up (docs/configuration.md). */
export const BrokerConfigSchema = z.object({
  MQTT_HOST: z.string().default('0.0.0.0').describe('Address the MQTT listener binds to'),
  MQTT_PORT: z.coerce.number().int().min(0).max(65535).default(1883).describe('MQTT (TCP) port'),
  MQTT_PLAIN_ENABLED: flag('true').describe('Listen for plain MQTT on MQTT_PORT; false leaves MQTT over TLS only'),
  MQTT_TLS_PORT: z.coerce.number().int().min(0).max(65535).default(8883).describe('MQTT over TLS port, when MQTT_TLS_CERT_FILE and MQTT_TLS_KEY_FILE are set'),
  MQTT_TLS_CERT_FILE: z.string().optional().describe('PEM server certificate (chain included) for MQTT over TLS; unset = no TLS listener'),
  MQTT_TLS_KEY_FILE: z.string().optional().describe('PEM private key of MQTT_TLS_CERT_FILE'),
  MQTT_TLS_KEY_PASSPHRASE: z.string().optional().superRefine(strongSecret).describe('Passphrase of an encrypted MQTT_TLS_KEY_FILE'),
  MQTT_TLS_CA_FILE: z.string().optional()
    .describe('PEM CA certificate that signs cabinet client certificates; set = a cabinet may connect over TLS with a certificate whose CN is its cabinet id instead of its secret'),
  MQTT_TRUSTED_PROXIES: addressList
    .describe('IP addresses or CIDR blocks (comma-separated) of TCP balancers that send the PROXY protocol (HAProxy send-proxy-v2): their connections must begin with a v1 or v2 header, and the client it names is the address limited, throttled and logged; a connection from them without one is refused. unset = none (every peer is the client)'),
  CREDENTIALS_FILE: z.string().default('data/credentials.json')
    .describe('Hashed MQTT credentials shared with the monitor, which issues them'),
  CREDENTIALS_HASH_KEY: z.string().superRefine(strongSecret)
    .describe('HMAC key of the secret hashes in CREDENTIALS_FILE; the same value as the monitor\'s'),
  CREDENTIALS_POLL_MS: z.coerce.number().int().min(100).default(1000)
    .describe('How often the broker checks the credentials file for revoked secrets'),
  ...BROKER_LIMIT_SETTINGS,
  BROKER_PERSISTENCE: z.enum(['disk', 'redis', 'memory']).default('disk')
    .describe('Where the broker keeps sessions, subscriptions, queued QoS 1 messages and retained messages: disk (BROKER_DATA_DIR), redis (REDIS_URL), or memory (lost at every restart; for tests)'),
  BROKER_DATA_DIR: z.string().default('data/broker')
    .describe('Directory of the on-disk store (BROKER_PERSISTENCE=disk); one broker process at a time'),
  REDIS_URL: z.string().regex(/^rediss?:\/\/[^/]/, 'a redis:// or rediss:// URL').default('redis://127.0.0.1:6379')
    .describe('Redis holding the broker\'s state and carrying messages between broker processes (BROKER_PERSISTENCE=redis); redis://[:password@]host[:port][/db]'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')
}).superRefine((config, ctx) => {
  const tls = config.MQTT_TLS_CERT_FILE !== undefined
  if (tls !== (config.MQTT_TLS_KEY_FILE !== undefined)) {
    ctx.addIssue({ code: 'custom', path: [tls ? 'MQTT_TLS_KEY_FILE' : 'MQTT_TLS_CERT_FILE'], message: 'MQTT over TLS needs both MQTT_TLS_CERT_FILE and MQTT_TLS_KEY_FILE' })
  }
  if (!tls && config.MQTT_TLS_CA_FILE !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['MQTT_TLS_CA_FILE'], message: 'client certificates need the TLS listener: set MQTT_TLS_CERT_FILE and MQTT_TLS_KEY_FILE' })
  }
  if (!tls && !config.MQTT_PLAIN_ENABLED) {
    ctx.addIssue({ code: 'custom', path: ['MQTT_PLAIN_ENABLED'], message: 'false without MQTT_TLS_CERT_FILE and MQTT_TLS_KEY_FILE leaves the broker nothing to listen on' })
  }
})
export type BrokerConfig = z.infer<typeof BrokerConfigSchema>

export function loadBrokerConfig (env: NodeJS.ProcessEnv = process.env): BrokerConfig {
  return parseEnvironment(BrokerConfigSchema, env)
}
