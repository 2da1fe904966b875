import { inspect } from 'node:util'
import { ConfigError } from './validated-input.ts'

/**
 * An error whose message says what to do about it: a start-up failure of
 * this kind is shown alone, without the pointer to the stack trace.
 */
export class ActionableError extends Error {}

/**
 * A listener could not open its port. Carries the setting that chose the
 * port, so the message says what to change instead of Node's bare
 * "listen EADDRINUSE".
 */
export class PortInUseError extends ActionableError {
  constructor (readonly setting: string, readonly port: number, readonly host: string, options?: ErrorOptions) {
    super(`port ${port} on ${host} is already in use (another instance still running?): stop what listens there, or set ${setting} to a free port`, options)
    this.name = 'PortInUseError'
  }
}

/**
 * The error to throw when `listen` failed: a PortInUseError naming the
 * setting for a port in use, the original error (with the setting and port
 * added to its message) otherwise.
 */
export function listenFailure (err: unknown, setting: string, host: string, port: number): Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  if (code === 'EADDRINUSE') return new PortInUseError(setting, port, host, { cause: err })
  if (code === 'EACCES') return new ActionableError(`${setting}: port ${port} on ${host} needs privileges this process lacks: choose a port above 1023`, { cause: err })
  if (code === 'EADDRNOTAVAIL') return new ActionableError(`${setting}: address ${host} is not one of this machine's`, { cause: err })
  return err instanceof Error ? err : new Error(String(err))
}

/**
 * What a program that failed to start prints. A start-up failure is nearly
 * always a setting or a file to fix, and the message says which; a stack
 * trace would bury it, so it is shown only when asked for (`verbose`, from
 * LOG_LEVEL=debug). A configuration or file error with one problem is one
 * line; with several, one line each. `heading` starts the first line
 * ("aed-monitor cannot start").
 */
export function describeStartFailure (err: unknown, options: { heading: string, verbose: boolean }): string {
  if (options.verbose) return `${options.heading}: ${inspect(err)}`
  // A setting's problem names the setting, so "invalid configuration:" adds nothing to it.
  if (err instanceof ConfigError && err.problems.length === 1) return `${options.heading}: ${err.problems[0]}`
  const message = err instanceof Error ? err.message : String(err)
  const hint = err instanceof Error && !hasProblemList(err) && !(err instanceof ActionableError) ? '\n(LOG_LEVEL=debug shows where it failed)' : ''
  return `${options.heading}: ${message}${hint}`
}

/** Whether LOG_LEVEL asks for the details a start-up failure leaves out. */
export function wantsStackTraces (logLevel: string | undefined): boolean {
  return logLevel === 'debug' || logLevel === 'trace'
}

// The configuration and file errors list every problem in their message
// already: the stack adds nothing a user can act on.
function hasProblemList (err: Error): boolean {
  return Array.isArray((err as { problems?: unknown }).problems)
}
