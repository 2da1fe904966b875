import type { Logger } from 'pino'
import { ConfigError } from './validated-input.ts'

/**
 * Runs a service's start function; on SIGINT or SIGTERM closes what it
 * returned and exits. A configuration error prints its list of problems and
 * exits 1 without a stack trace.
 */
export function runService (start: () => Promise<{ logger: Logger, close: () => Promise<void> }>): void {
  start().then(({ logger, close }) => {
    let stopping = false
    const stop = (signal: string): void => {
      if (stopping) return
      stopping = true
      logger.info({ signal }, 'stopping')
      close().then(() => process.exit(0), err => { logger.error({ err }, 'close failed'); process.exit(1) })
    }
    process.once('SIGINT', () => stop('SIGINT'))
    process.once('SIGTERM', () => stop('SIGTERM'))
  }, err => {
    console.error(err instanceof ConfigError ? err.message : err)
    process.exit(1)
  })
}
