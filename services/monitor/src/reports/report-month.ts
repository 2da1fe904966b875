import { z } from 'zod'
import { dateInZone, startOfDayInZone } from '../time-zone.ts'

/** A calendar month written YYYY-MM, as the report's `month` parameter takes it. */
export const ReportMonthSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'month must be YYYY-MM, e.g. 2026-11')

/** A calendar month in the fleet's time zone, as instants: [fromMs, toMs). */
export interface MonthPeriod {
  month: string
  fromMs: number
  toMs: number
}

/**
 * The month's first and last instant in the fleet's zone: from local
 * midnight on the 1st to local midnight on the 1st of the next month. A
 * month in which the clocks change is an hour shorter or longer than its
 * days (Sofia's October has 745 hours, its March 743).
 */
export function monthPeriod (month: string, timeZone: string): MonthPeriod {
  const [year, mm] = month.split('-').map(Number) as [number, number]
  return {
    month,
    fromMs: startOfDayInZone(`${month}-01`, timeZone),
    toMs: startOfDayInZone(`${nextMonth(year, mm)}-01`, timeZone)
  }
}

/** The month an instant falls in, in the fleet's zone. */
export function monthOf (ms: number, timeZone: string): string {
  return dateInZone(ms, timeZone).slice(0, 7)
}

/** The month before a YYYY-MM month. */
export function previousMonth (month: string): string {
  const [year, mm] = month.split('-').map(Number) as [number, number]
  return mm === 1 ? `${year - 1}-12` : `${year}-${String(mm - 1).padStart(2, '0')}`
}

function nextMonth (year: number, mm: number): string {
  return mm === 12 ? `${year + 1}-01` : `${year}-${String(mm + 1).padStart(2, '0')}`
}
