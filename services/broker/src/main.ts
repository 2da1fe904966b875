import { createLogger } from '@aed/core/logger'
import { runService } from '@aed/core/run-service'
import { startBroker } from './broker.ts'
import { brokerLimits } from './broker-limits.ts'
import { loadBrokerConfig } from './config.ts'
import { mqttTlsFromConfig } from './listeners.ts'
import { persistenceFromConfig, redisPassword } from './persistence.ts'

/** Entry point of the cabinet MQTT broker. */
runService('aed-broker', async () => {
  const config = loadBrokerConfig()
  const logger = createLogger('aed-broker', config.LOG_LEVEL, { secrets: [config.MQTT_TLS_KEY_PASSPHRASE, redisPassword(config.REDIS_URL), config.CREDENTIALS_HASH_KEY] })
  const tls = await mqttTlsFromConfig(config)
  const broker = await startBroker({
    host: config.MQTT_HOST,
    port: config.MQTT_PLAIN_ENABLED ? config.MQTT_PORT : undefined,
    tls,
    credentialsFile: config.CREDENTIALS_FILE,
    credentialsHashKey: config.CREDENTIALS_HASH_KEY,
    credentialsPollMs: config.CREDENTIALS_POLL_MS,
    limits: brokerLimits(config),
  trustedProxies: config.MQTT_TRUSTED_PROXIES,
    persistence: persistenceFromConfig(config),
    logger
  })
  logger.info({
    port: config.MQTT_PLAIN_ENABLED ? broker.port : 'off',
    tlsPort: broker.tlsPort ?? 'off',
    clientCertificates: tls?.ca !== undefined,
    credentialsFile: config.CREDENTIALS_FILE,
    persistence: config.BROKER_PERSISTENCE
  }, 'MQTT broker listening')
  return { logger, close: () => broker.close() }
})
