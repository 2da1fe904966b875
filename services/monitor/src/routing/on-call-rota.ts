import { localTime, parseHhMm, type LocalTime, type Weekday } from '../time-zone.ts'
import type { Shift } from './alerting-config.ts'

const PREVIOUS_DAY: Record<Weekday, Weekday> = { mon: 'sun', tue: 'mon', wed: 'tue', thu: 'wed', fri: 'thu', sat: 'fri', sun: 'sat' }

/** Whether a shift covers a local time, including the part of an overnight shift after midnight. */
export function shiftCovers (shift: Shift, at: LocalTime): boolean {
  const from = parseHhMm(shift.from)
  const to = parseHhMm(shift.to)
  if (from < to) return shift.days.includes(at.weekday) && at.minutes >= from && at.minutes < to
  // Overnight (or 24 h when from === to): evening part on its own day, morning part on the next.
  return (shift.days.includes(at.weekday) && at.minutes >= from) || (shift.days.includes(PREVIOUS_DAY[at.weekday]) && at.minutes < to)
}

/** The shift on call at `ms`: the first in the rota that covers it. */
export function shiftAt (rota: readonly Shift[], ms: number, timeZone: string): Shift | undefined {
  const at = localTime(ms, timeZone)
  return rota.find(shift => shiftCovers(shift, at))
}
