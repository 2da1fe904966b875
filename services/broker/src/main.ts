import { createLogger } from '@aed/core/logger'
import { startBroker } from './broker.ts'
import { ConfigError, loadBrokerConfig } from './config.ts'

/** Entry point of the cabinet MQTT broker. */
async function main (): Promise<void> {
  const config = loadBrokerConfig()
  const logger = createLogger('aed-broker', config.LOG_LEVEL)
  const broker = await startBroker({
    host: config.MQTT_HOST,
    port: config.MQTT_PORT,
    credentialsFile: config.CREDENTIALS_FILE,
    credentialsPollMs: config.CREDENTIALS_POLL_MS,
    logger
  })
  logger.info({ port: broker.port, credentialsFile: config.CREDENTIALS_FILE }, 'MQTT broker listening')
  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'stopping')
    broker.close().then(() => process.exit(0), err => { logger.error({ err }, 'close failed'); process.exit(1) })
  }
  process.once('SIGINT', () => stop('SIGINT'))
  process.once('SIGTERM', () => stop('SIGTERM'))
}

main().catch(err => {
  if (err instanceof ConfigError) console.error(err.message)
  else console.error(err)
  process.exit(1)
})
