import { createLogger } from '@aed/core/logger'
import { startBroker } from '@aed/broker'
import { loadBrokerConfig } from '@aed/broker/config'
import { brokerLimits } from '@aed/broker/broker-limits'
import { persistenceFromConfig } from '@aed/broker/persistence'
import type { BrokerProcessMessage } from './broker-process.ts'

/**
 * The broker as main.ts starts it, from the same environment variables, in a
 * child process that a test can kill. It tells its parent when it listens,
 * and stops cleanly on SIGTERM. argv[2] may shorten Aedes' heartbeat.
 */
const heartbeatIntervalMs = process.argv[2] !== undefined ? Number(process.argv[2]) : undefined
const config = loadBrokerConfig()
const logger = createLogger('aed-broker', config.LOG_LEVEL)
const broker = await startBroker({
  host: config.MQTT_HOST,
  port: config.MQTT_PORT,
  credentialsFile: config.CREDENTIALS_FILE,
  credentialsHashKey: config.CREDENTIALS_HASH_KEY,
  limits: brokerLimits(config),
  trustedProxies: config.MQTT_TRUSTED_PROXIES,
  credentialsPollMs: config.CREDENTIALS_POLL_MS,
  persistence: persistenceFromConfig(config),
  logger,
  ...(heartbeatIntervalMs !== undefined ? { heartbeatIntervalMs } : {})
})
// The test that started it is gone (killed at its timeout): go too, rather than hold a port and a store.
process.once('disconnect', () => process.exit(1))
process.once('SIGTERM', () => {
  broker.close().then(() => process.exit(0), err => { logger.error({ err }, 'close failed'); process.exit(1) })
})
process.send?.({ type: 'ready', port: broker.port } satisfies BrokerProcessMessage)
