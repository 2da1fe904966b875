import { createLogger } from '@aed/core/logger'
import { runService } from '@aed/core/run-service'
import { loadMonitorConfig } from './config.ts'
import { startMonitorService } from './service.ts'

/** Entry point of the monitor service. */
runService(async () => {
  const config = loadMonitorConfig()
  const logger = createLogger('aed-monitor', config.LOG_LEVEL)
  const service = await startMonitorService(config, logger)
  return { logger, close: () => service.close() }
})
