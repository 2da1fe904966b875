import { pino, type Logger, type LevelWithSilent } from 'pino'

export type { Logger }

/** Paths never written to a log: secrets, tokens, authorisation headers. */
const REDACT = [
  'password', 'secret', 'token', '*.password', '*.secret', '*.token',
  'req.headers.authorization', 'headers.authorization'
]

/** The root logger of a process; modules take `logger.child({ module })`. */
export function createLogger (name: string, level: LevelWithSilent = 'info'): Logger {
  return pino({ name, level, redact: { paths: REDACT, censor: '[redacted]' } })
}
