import type { Shift, Weekday } from './alerting-config.ts'

const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']
const SHORT_TO_WEEKDAY: Record<string, Weekday> = { Sun: 'sun', Mon: 'mon', Tue: 'tue', Wed: 'wed', Thu: 'thu', Fri: 'fri', Sat: 'sat' }

export interface LocalTime {
  weekday: Weekday
  /** Minutes since local midnight. */
  minutes: number
}

const formatters = new Map<string, Intl.DateTimeFormat>()

/** Weekday and time of day at `ms` in a time zone (daylight saving included). */
export function localTime (ms: number, timeZone: string): LocalTime {
  let formatter = formatters.get(timeZone)
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    formatters.set(timeZone, formatter)
  }
  const parts = Object.fromEntries(formatter.formatToParts(ms).map(p => [p.type, p.value]))
  return { weekday: SHORT_TO_WEEKDAY[parts.weekday ?? 'Sun'] ?? 'sun', minutes: Number(parts.hour) * 60 + Number(parts.minute) }
}

function toMinutes (hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number)
  return (h ?? 0) * 60 + (m ?? 0)
}

function previousDay (day: Weekday): Weekday {
  return WEEKDAYS[(WEEKDAYS.indexOf(day) + 6) % 7]!
}

/** Whether a shift covers a local time, including the part of an overnight shift after midnight. */
export function shiftCovers (shift: Shift, at: LocalTime): boolean {
  const from = toMinutes(shift.from)
  const to = toMinutes(shift.to)
  if (from < to) return shift.days.includes(at.weekday) && at.minutes >= from && at.minutes < to
  // Overnight (or 24 h when from === to): evening part on its own day, morning part on the next.
  return (shift.days.includes(at.weekday) && at.minutes >= from) || (shift.days.includes(previousDay(at.weekday)) && at.minutes < to)
}

/** The shift on call at `ms`: the first in the rota that covers it. */
export function shiftAt (rota: readonly Shift[], ms: number, timeZone: string): Shift | undefined {
  const at = localTime(ms, timeZone)
  return rota.find(shift => shiftCovers(shift, at))
}
