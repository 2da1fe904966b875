import { createLogger } from '@aed/core/logger'
import { runService } from '@aed/core/run-service'
import { startBroker } from './broker.ts'
import { loadBrokerConfig } from './config.ts'
import { persistenceFromConfig } from './persistence.ts'

/** Entry point of the cabinet MQTT broker. */
runService(async () => {
  const config = loadBrokerConfig()
  const logger = createLogger('aed-broker', config.LOG_LEVEL)
  const broker = await startBroker({
    host: config.MQTT_HOST,
    port: config.MQTT_PORT,
    credentialsFile: config.CREDENTIALS_FILE,
    credentialsPollMs: config.CREDENTIALS_POLL_MS,
    persistence: persistenceFromConfig(config),
    logger
  })
  logger.info({ port: broker.port, credentialsFile: config.CREDENTIALS_FILE, persistence: config.BROKER_PERSISTENCE }, 'MQTT broker listening')
  return { logger, close: () => broker.close() }
})
