import { z } from 'zod'
import { BROKER_LIMIT_SETTINGS } from './config.ts'

/** What one client, one address and the whole process may hold; the settings are described in config.ts. */
export interface BrokerLimits {
  maxConnections: number
  maxConnectionsPerAddress: number
  connectTimeoutMs: number
  maxConnectBytes: number
  maxPacketBytes: number
  maxInflightQos2: number
  loginDelayBaseMs: number
  loginDelayMaxMs: number
  loginFailureMemoryMs: number
  refusalLogWindowMs: number
}

type LimitSettings = z.infer<z.ZodObject<typeof BROKER_LIMIT_SETTINGS>>

export function brokerLimits (settings: LimitSettings): BrokerLimits {
  return {
    maxConnections: settings.MQTT_MAX_CONNECTIONS,
    maxConnectionsPerAddress: settings.MQTT_MAX_CONNECTIONS_PER_ADDRESS,
    connectTimeoutMs: settings.MQTT_CONNECT_TIMEOUT_S * 1000,
    maxConnectBytes: settings.MQTT_MAX_CONNECT_BYTES,
    maxPacketBytes: settings.MQTT_MAX_PACKET_BYTES,
    maxInflightQos2: settings.MQTT_MAX_INFLIGHT_QOS2,
    loginDelayBaseMs: settings.MQTT_LOGIN_DELAY_BASE_MS,
    loginDelayMaxMs: settings.MQTT_LOGIN_DELAY_MAX_MS,
    loginFailureMemoryMs: settings.MQTT_LOGIN_FAILURE_MEMORY_S * 1000,
    refusalLogWindowMs: settings.MQTT_REFUSAL_LOG_WINDOW_S * 1000
  }
}

/** The defaults of the settings, for brokers started without a configuration (tests, benchmarks). */
export const DEFAULT_BROKER_LIMITS: BrokerLimits = brokerLimits(z.object(BROKER_LIMIT_SETTINGS).parse({}))
