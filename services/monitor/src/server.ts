import { createLogger } from '@aed/core/logger'
import { ConfigError, loadMonitorConfig } from './config.ts'
import { startMonitorService } from './service.ts'

/** Entry point of the monitor service. */
async function main (): Promise<void> {
  const config = loadMonitorConfig()
  const logger = createLogger('aed-monitor', config.LOG_LEVEL)
  const service = await startMonitorService(config, logger)
  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'stopping')
    service.close().then(() => process.exit(0), err => { logger.error({ err }, 'close failed'); process.exit(1) })
  }
  process.once('SIGINT', () => stop('SIGINT'))
  process.once('SIGTERM', () => stop('SIGTERM'))
}

main().catch(err => {
  console.error(err instanceof ConfigError ? err.message : err)
  process.exit(1)
})
