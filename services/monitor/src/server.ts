import { createLogger } from '@aed/core/logger'
import { runService } from '@aed/core/run-service'
import { loadMonitorConfig, secretsOf } from './config.ts'
import { startMonitorService } from './service.ts'

/** Entry point of the monitor service. */
runService('aed-monitor', async () => {
  const config = loadMonitorConfig()
  const logger = createLogger('aed-monitor', config.LOG_LEVEL, { secrets: secretsOf(config) })
  const service = await startMonitorService(config, logger)
  return { logger, close: () => service.close() }
})
