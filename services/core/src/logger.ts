import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino'

export type { Logger }

const CENSOR = '[redacted]'

/** Paths never written to a log: secrets, tokens, passwords, authorisation headers, at the top level or one down. */
const REDACT = [
  'password', 'secret', 'token', 'pass', 'passphrase', 'authToken', 'authorization',
  '*.password', '*.secret', '*.token', '*.pass', '*.passphrase', '*.authToken', '*.authorization',
  'headers.authorization', '*.headers.authorization', 'headers.cookie', '*.headers.cookie'
]

export interface LoggerOptions {
  /**
   * The process's secret settings. Whatever the log line, a value of one of
   * them (as is, JSON-escaped or URL-encoded) is replaced before it is
   * written: an error message quoting a URL with a password in it, or a
   * library's error that carries a header, cannot leak it.
   */
  secrets?: ReadonlyArray<string | undefined>
  /** Where the JSON lines go; standard output by default. */
  destination?: DestinationStream
}

/** The root logger of a process; modules take `logger.child({ module })`. */
export function createLogger (name: string, level: LevelWithSilent = 'info', options: LoggerOptions = {}): Logger {
  const scrub = secretScrubber(options.secrets ?? [])
  return pino({
    name,
    level,
    redact: { paths: REDACT, censor: CENSOR },
    ...(scrub !== undefined ? { hooks: { streamWrite: scrub } } : {})
  }, options.destination)
}

/** Replaces every form of the given secrets in a serialised log line; undefined when there is nothing to hide. */
export function secretScrubber (secrets: ReadonlyArray<string | undefined>): ((line: string) => string) | undefined {
  const forms = new Set<string>()
  for (const secret of secrets) {
    // The settings are checked to be long; a short value would replace ordinary words.
    if (secret === undefined || secret.length < 8) continue
    forms.add(secret)
    forms.add(JSON.stringify(secret).slice(1, -1))
    forms.add(encodeURIComponent(secret))
    forms.add(JSON.stringify(encodeURIComponent(secret)).slice(1, -1))
  }
  if (forms.size === 0) return undefined
  const ordered = [...forms].sort((a, b) => b.length - a.length)
  return line => {
    let scrubbed = line
    for (const form of ordered) if (scrubbed.includes(form)) scrubbed = scrubbed.split(form).join(CENSOR)
    return scrubbed
  }
}

/** A URL as it may be logged: without the user and password some URLs carry (mqtts://user:secret@host). */
export function urlForLog (url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.username === '' && parsed.password === '') return url
    parsed.username = ''
    parsed.password = ''
    return parsed.toString()
  } catch {
    return '(not a URL)'
  }
}
