import type { Logger } from 'pino'
import { describeStartFailure, wantsStackTraces } from './start-failure.ts'

/**
 * The longest a stop may take before the process exits anyway. Nothing
 * acknowledged is lost by exiting: what was not yet in InfluxDB is in the
 * spool, alert changes are in the journal. docker-compose.yml gives the
 * services a longer stop_grace_period, so SIGKILL never comes first.
 */
export const SHUTDOWN_TIMEOUT_MS = 20_000

/**
 * Runs a service's start function; on SIGINT or SIGTERM closes what it
 * returned and exits, within SHUTDOWN_TIMEOUT_MS. A start-up failure prints
 * what to fix (describeStartFailure) and exits 1; its stack trace only at
 * LOG_LEVEL=debug. LOG_LEVEL is read here, not from the validated settings,
 * because the failure may be that the settings are invalid.
 */
export function runService (program: string, start: () => Promise<{ logger: Logger, close: () => Promise<void> }>): void {
  start().then(({ logger, close }) => {
    let stopping = false
    const stop = (signal: string): void => {
      if (stopping) return
      stopping = true
      logger.info({ signal }, 'stopping')
      setTimeout(() => {
        logger.error({ timeoutMs: SHUTDOWN_TIMEOUT_MS }, 'stopping took too long: exiting anyway')
        process.exit(1)
      }, SHUTDOWN_TIMEOUT_MS).unref()
      close().then(() => process.exit(0), err => { logger.error({ err }, 'close failed'); process.exit(1) })
    }
    process.once('SIGINT', () => stop('SIGINT'))
    process.once('SIGTERM', () => stop('SIGTERM'))
  }, err => {
    console.error(describeStartFailure(err, { heading: `${program} cannot start`, verbose: wantsStackTraces(process.env.LOG_LEVEL) }))
    process.exit(1)
  })
}
