/**
 * Reading instants in the fleet's time zone. The people, the rota, expiry
 * dates and message times all live in Europe/Sofia wherever the server runs,
 * so every local date or time of day is computed here, daylight saving
 * included (UTC+2 in winter, UTC+3 in summer).
 */

/** The time zone the fleet lives in; its people read times in it wherever the server runs. */
export const DEFAULT_TIME_ZONE = 'Europe/Sofia'

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const
export type Weekday = typeof WEEKDAYS[number]

export interface LocalTime {
  weekday: Weekday
  /** Minutes since local midnight. */
  minutes: number
}

/** A time of day written HH:MM, 00:00 to 23:59. */
export const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/

const SHORT_TO_WEEKDAY: Record<string, Weekday> = { Sun: 'sun', Mon: 'mon', Tue: 'tue', Wed: 'wed', Thu: 'thu', Fri: 'fri', Sat: 'sat' }

// Building an Intl.DateTimeFormat costs far more than using one: keep one per locale, zone and style.
const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter (locale: string, timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}|${JSON.stringify(options)}`
  let found = formatters.get(key)
  if (found === undefined) {
    found = new Intl.DateTimeFormat(locale, { ...options, timeZone })
    formatters.set(key, found)
  }
  return found
}

function partsAt (ms: number, locale: string, timeZone: string, options: Intl.DateTimeFormatOptions): Partial<Record<Intl.DateTimeFormatPartTypes, string>> {
  return Object.fromEntries(formatter(locale, timeZone, options).formatToParts(ms).map(part => [part.type, part.value]))
}

/** "24.11.2026 г., 12:10" / "24 Nov 2026, 12:10", or the input when it is not a time. */
export function formatTime (iso: string, locale: string, timeZone: string = DEFAULT_TIME_ZONE): string {
  const ms = Date.parse(iso)
  if (Number.isNaN(ms)) return iso
  return formatter(locale, timeZone, { dateStyle: 'medium', timeStyle: 'short' }).format(ms)
}

/** The local time of day as HH:MM, 24-hour, the same in every language: "14:02". */
export function formatHhMm (ms: number, timeZone: string = DEFAULT_TIME_ZONE): string {
  const parts = partsAt(ms, 'en-GB', timeZone, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
  return `${parts.hour ?? '00'}:${parts.minute ?? '00'}`
}

/** Weekday and time of day at `ms` in a time zone. */
export function localTime (ms: number, timeZone: string): LocalTime {
  const parts = partsAt(ms, 'en-US', timeZone, { weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
  return { weekday: SHORT_TO_WEEKDAY[parts.weekday ?? 'Sun'] ?? 'sun', minutes: Number(parts.hour) * 60 + Number(parts.minute) }
}

/** The calendar date (YYYY-MM-DD) at `ms` in a time zone. */
export function dateInZone (ms: number, timeZone: string): string {
  // Asked for every cabinet on every tick with nearly the same instant: a local date can only change at a whole minute (the offsets of today's zones are whole minutes), so the last answer per zone holds for its minute.
  const minute = Math.floor(ms / 60_000)
  const cached = lastDates.get(timeZone)
  if (cached?.minute === minute) return cached.date
  // en-CA formats as YYYY-MM-DD.
  const date = formatter('en-CA', timeZone, { year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms)
  lastDates.set(timeZone, { minute, date })
  return date
}

const lastDates = new Map<string, { minute: number, date: string }>()

/** Minutes since midnight of a time of day written HH:MM ("08:30" → 510); throws on anything else. */
export function parseHhMm (text: string): number {
  const match = HH_MM.exec(text)
  if (match === null) throw new Error(`not a time of day as HH:MM: ${JSON.stringify(text)}`)
  return Number(match[1]) * 60 + Number(match[2])
}

/** Whether `timeZone` is an IANA time zone this runtime knows. */
export function isTimeZone (timeZone: string): boolean {
  try {
    formatter('en', timeZone, {})
    return true
  } catch {
    return false
  }
}

/** How far the zone's wall clock is ahead of UTC at `ms`, in ms (Sofia: 2 h in winter, 3 h in summer). */
export function zoneOffsetMs (ms: number, timeZone: string): number {
  const p = partsAt(ms, 'en-US', timeZone, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
  const wallClockAsUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second))
  return wallClockAsUtc - Math.floor(ms / 1000) * 1000
}

/**
 * The instant local midnight begins on a calendar date (YYYY-MM-DD) in a
 * time zone. The offset is read twice: at UTC midnight, then at the first
 * guess, so a date on which the offset changed still lands on its own
 * midnight (Sofia changes at 03:00 and 04:00, never at midnight).
 */
export function startOfDayInZone (date: string, timeZone: string): number {
  const utcMidnight = Date.parse(`${date}T00:00:00.000Z`)
  if (Number.isNaN(utcMidnight)) throw new Error(`not a calendar date as YYYY-MM-DD: ${JSON.stringify(date)}`)
  const guess = utcMidnight - zoneOffsetMs(utcMidnight, timeZone)
  return utcMidnight - zoneOffsetMs(guess, timeZone)
}
