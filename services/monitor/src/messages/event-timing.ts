import type { Alert } from '../alerts/alert.ts'
import { formatHhMm } from '../time-zone.ts'
import type { LanguageTemplates } from './message-templates.ts'
import { fillPlaceholders } from './placeholders.ts'

/** A report this much later than the event is called late. */
export const LATE_AFTER_MS = 60_000

export interface EventTimes {
  /** When it happened, cabinet time. */
  occurredAtMs?: number | undefined
  /** When the monitor received the report. */
  reportedAtMs?: number | undefined
  /** When it was over, if it already is. */
  endedAtMs?: number | undefined
}

/** The clauses of the sentence about when it happened, for the SMS and the email. */
export interface EventTiming {
  /** "отворен в 14:02, съобщено с 3 мин закъснение", or just "отворен в 14:02" for an event that is over but was not late. */
  when?: string | undefined
  /** "вече затворен в 14:03". */
  over?: string | undefined
}

/**
 * What to say about when the event happened. Nothing for an event reported
 * in time and still going on: the message itself is the news. Late means
 * reported LATE_AFTER_MS or more after it happened.
 */
export function eventTiming (texts: LanguageTemplates, alert: Alert, times: EventTimes, timeZone: string): EventTiming {
  const kind = texts.kinds[alert.kind]
  const { occurredAtMs, reportedAtMs, endedAtMs } = times
  const delayMs = occurredAtMs === undefined || reportedAtMs === undefined ? 0 : reportedAtMs - occurredAtMs
  const late = delayMs >= LATE_AFTER_MS
  const over = endedAtMs === undefined ? undefined : fillPlaceholders(kind.over ?? texts.timing.over, { time: formatHhMm(endedAtMs, timeZone) })
  if (!late && over === undefined) return {}
  if (occurredAtMs === undefined) return { over }
  const happened = fillPlaceholders(kind.happened ?? texts.timing.happened, { time: formatHhMm(occurredAtMs, timeZone) })
  const when = late ? `${happened}, ${fillPlaceholders(texts.timing.late, { delay: formatDuration(texts, delayMs) })}` : happened
  return { when, over }
}

/** The clauses as one sentence: "Отворен в 14:02, съобщено с 3 мин закъснение, вече затворен в 14:03." */
export function timingSentence (locale: string, when: string | undefined, over: string | undefined): string | undefined {
  const clauses = [when, over].filter((clause): clause is string => clause !== undefined)
  return clauses.length === 0 ? undefined : sentence(clauses.join(', '), locale)
}

/** "по-малко от минута", "12 мин", "2 ч 5 мин", rounded to the minute. */
export function formatDuration (texts: LanguageTemplates, ms: number): string {
  if (ms < 60_000) return texts.durations.underAMinute
  const minutes = Math.round(ms / 60_000)
  if (minutes < 60) return fillPlaceholders(texts.durations.minutes, { minutes: String(minutes) })
  return fillPlaceholders(texts.durations.hours, { hours: String(Math.floor(minutes / 60)), minutes: String(minutes % 60) })
}

/**
 * How long the alert's condition lasted, for the all-clear: from when it
 * happened (the given time, else the door-open time among the facts, else the
 * alert's opening) to when it ended (the given time, else the alert's
 * resolution).
 */
export function alertDurationMs (alert: Alert, times: EventTimes): number {
  const factOpenedAt = typeof alert.facts.openedAt === 'string' ? Date.parse(alert.facts.openedAt) : Number.NaN
  const start = times.occurredAtMs ?? (Number.isNaN(factOpenedAt) ? Date.parse(alert.openedAt) : factOpenedAt)
  const end = times.endedAtMs ?? Date.parse(alert.resolvedAt ?? alert.updatedAt)
  return end - start
}

/** A text as a sentence: capital first letter, a full stop unless it already ends in one. */
export function sentence (text: string, locale: string): string {
  const trimmed = text.trim()
  if (trimmed === '') return trimmed
  const first = trimmed[0]!.toLocaleUpperCase(locale) + trimmed.slice(1)
  return /[.!?…]$/.test(first) ? first : `${first}.`
}
