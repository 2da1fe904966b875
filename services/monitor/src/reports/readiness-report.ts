import { z } from 'zod'
import { AlertKindSchema, type AlertKind } from '../alerts/alert.ts'
import { daysBetween } from '../readiness/calendar.ts'
import { READINESS_STATES, type Readiness } from '../readiness/readiness.ts'
import { dateInZone } from '../time-zone.ts'
import type { MonthPeriod } from './report-month.ts'

/*
 * The monthly readiness report: what a municipality keeps on record for its
 * AED programme (docs/reports.md). Pure: it is computed from the readiness
 * history, the alerts and the last known expiry dates handed to it, so the
 * same inputs always give the same figures. Where the inputs come from is
 * report-history.ts; how the report looks, the renderers beside this file.
 */

/** Where a cabinet's time went when it was not ready: its readiness state. */
export const DOWNTIME_KINDS = ['offline', 'not_ready', 'in_use', 'maintenance', 'unknown', 'no_data'] as const
export type DowntimeKind = typeof DOWNTIME_KINDS[number]

/** Why a `not_ready` cabinet was not ready, from the reasons readiness.ts gives. */
export const NOT_READY_CAUSES = ['selftest_failed', 'pads_expired', 'battery_expired', 'battery_critical', 'temperature', 'other'] as const
export type NotReadyCause = typeof NOT_READY_CAUSES[number]

/** Consumables listed when they expire within this many days of the report's end. */
export const EXPIRY_HORIZON_DAYS = 90

const seconds = z.number().int().nonnegative()
const count = z.number().int().nonnegative()

const FiguresSchema = z.object({
  /** The length of the reported period: the month, or up to now for the current month. */
  periodS: seconds,
  readyS: seconds,
  /** readyS / periodS, 0–1, four decimals. */
  readyShare: z.number().min(0).max(1),
  downtimeS: z.object(Object.fromEntries(DOWNTIME_KINDS.map(k => [k, seconds])) as Record<DowntimeKind, typeof seconds>),
  /** Each cause of `not_ready` time; a span with two causes counts under both. */
  notReadyS: z.object(Object.fromEntries(NOT_READY_CAUSES.map(c => [c, seconds])) as Record<NotReadyCause, typeof seconds>),
  /** Alerts opened in the period, by kind. */
  alerts: z.record(AlertKindSchema, count),
  acknowledgement: z.object({
    /** Alerts opened in the period and acknowledged (by the time the report was made). */
    acknowledged: count,
    /** Alerts opened in the period that nobody acknowledged: they cleared first, or are still open. */
    unacknowledged: count,
    medianS: z.number().nonnegative().nullable(),
    worstS: z.number().nonnegative().nullable()
  }),
  inspections: z.object({
    /** Post-use inspection tasks opened in the period. */
    opened: count,
    /** Of those, resolved by a person before the period ended. */
    done: count,
    outstanding: count
  })
})
export type ReportFigures = z.infer<typeof FiguresSchema>

export const CabinetReportSchema = FiguresSchema.extend({ cabinetId: z.string(), location: z.string() })
export const SiteReportSchema = FiguresSchema.extend({
  siteId: z.string(),
  siteName: z.string(),
  address: z.string(),
  cabinets: z.array(CabinetReportSchema)
})

export const ExpiringConsumableSchema = z.object({
  cabinetId: z.string(),
  siteId: z.string(),
  part: z.enum(['battery', 'pads']),
  /** YYYY-MM-DD, as the cabinet reported it. */
  expires: z.string(),
  /** Days from `consumablesAsOf` to the expiry date; negative once expired. */
  daysLeft: z.number().int()
})
export type ExpiringConsumable = z.infer<typeof ExpiringConsumableSchema>

export const ReadinessReportSchema = z.object({
  month: z.string(),
  timeZone: z.string(),
  /** First instant of the month in the fleet's zone (RFC 3339). */
  from: z.string(),
  /** End of the reported period: the month's end, or when the report was made for the current month. */
  to: z.string(),
  /** False for the current month: the figures cover the month so far. */
  complete: z.boolean(),
  generatedAt: z.string(),
  /** The local date the consumables' days are counted from: the report's end. */
  consumablesAsOf: z.string(),
  expiryHorizonDays: z.number().int(),
  fleet: FiguresSchema,
  sites: z.array(SiteReportSchema),
  consumables: z.array(ExpiringConsumableSchema)
})
export type ReadinessReport = z.infer<typeof ReadinessReportSchema>

/** A cabinet the report covers (the fleet file's active cabinets), in fleet-file order. */
export interface ReportCabinet {
  id: string
  location: string
  site: { id: string, name: string, address: string }
}

/** One `readiness` point of the history: the state from then on. */
export interface ReadinessSample {
  atMs: number
  state: Readiness
  /** The reasons as stored: `; `-separated, empty when ready. */
  reasons: string
}

/** A stretch of time in one state with the same reasons: [fromMs, toMs). */
export interface ReadinessSpan {
  fromMs: number
  toMs: number
  state: Readiness
  reasons: string
}

/** An alert as the report needs it: when it opened, was acknowledged and resolved. */
export interface AlertRecord {
  id: string
  cabinetId: string
  kind: AlertKind
  openedAtMs: number
  acknowledgedAtMs?: number | undefined
  resolvedAtMs?: number | undefined
}

/** The last expiry date a cabinet reported for a part, as of the report's end. */
export interface ConsumableReading {
  cabinetId: string
  part: 'battery' | 'pads'
  expires: string
}

export interface ReadinessReportInput {
  period: MonthPeriod
  /** When the report is made; the period ends here for the current month. */
  nowMs: number
  timeZone: string
  cabinets: readonly ReportCabinet[]
  /** Each cabinet's readiness history as spans (spansFromSamples), any order. */
  spans: ReadonlyMap<string, readonly ReadinessSpan[]>
  alerts: readonly AlertRecord[]
  consumables: readonly ConsumableReading[]
}

/**
 * Turns readiness points into spans. A point's state lasts until the next
 * point, but no longer than `holdMs`: the monitor writes a point at every
 * change and every snapshot interval, so a longer silence means the monitor
 * was not recording, and that time is reported as `no_data` rather than
 * guessed. Consecutive points with the same state and reasons make one span.
 */
export function spansFromSamples (samples: readonly ReadinessSample[], holdMs: number): ReadinessSpan[] {
  const sorted = [...samples].sort((a, b) => a.atMs - b.atMs)
  const spans: ReadinessSpan[] = []
  sorted.forEach((sample, i) => {
    const next = sorted[i + 1]
    const toMs = Math.min(sample.atMs + holdMs, next?.atMs ?? Infinity)
    if (toMs <= sample.atMs) return
    const last = spans.at(-1)
    if (last !== undefined && last.toMs === sample.atMs && last.state === sample.state && last.reasons === sample.reasons) last.toMs = toMs
    else spans.push({ fromMs: sample.atMs, toMs, state: sample.state, reasons: sample.reasons })
  })
  return spans
}

/** The causes in one `reasons` string; the texts are readiness.ts's `unreadyReasons`. */
export function notReadyCauses (reasons: string): NotReadyCause[] {
  const causes = new Set<NotReadyCause>()
  for (const reason of reasons.split('; ').filter(r => r !== '')) {
    if (reason.startsWith('self-test failed')) causes.add('selftest_failed')
    else if (reason.startsWith('pads expired')) causes.add('pads_expired')
    else if (reason.startsWith('battery expired')) causes.add('battery_expired')
    else if (reason.startsWith('battery at')) causes.add('battery_critical')
    else if (reason.startsWith('too cold') || reason.startsWith('too hot')) causes.add('temperature')
    else causes.add('other')
  }
  if (causes.size === 0) causes.add('other')
  return [...causes]
}

/** Time in ms per state and cause, and the alert facts: what figures are made of, summed over cabinets. */
interface Tally {
  periodMs: number
  byState: Record<Readiness | 'no_data', number>
  notReady: Record<NotReadyCause, number>
  alerts: Record<AlertKind, number>
  ackDelaysMs: number[]
  unacknowledged: number
  inspectionsOpened: number
  inspectionsDone: number
}

function emptyTally (): Tally {
  return {
    periodMs: 0,
    byState: Object.fromEntries([...READINESS_STATES, 'no_data'].map(s => [s, 0])) as Tally['byState'],
    notReady: Object.fromEntries(NOT_READY_CAUSES.map(c => [c, 0])) as Tally['notReady'],
    alerts: Object.fromEntries(AlertKindSchema.options.map(k => [k, 0])) as Tally['alerts'],
    ackDelaysMs: [],
    unacknowledged: 0,
    inspectionsOpened: 0,
    inspectionsDone: 0
  }
}

function addTally (into: Tally, from: Tally): void {
  into.periodMs += from.periodMs
  for (const key of Object.keys(into.byState) as Array<keyof Tally['byState']>) into.byState[key] += from.byState[key]
  for (const key of NOT_READY_CAUSES) into.notReady[key] += from.notReady[key]
  for (const key of AlertKindSchema.options) into.alerts[key] += from.alerts[key]
  into.ackDelaysMs.push(...from.ackDelaysMs)
  into.unacknowledged += from.unacknowledged
  into.inspectionsOpened += from.inspectionsOpened
  into.inspectionsDone += from.inspectionsDone
}

function cabinetTally (spans: readonly ReadinessSpan[], alerts: readonly AlertRecord[], fromMs: number, endMs: number): Tally {
  const tally = emptyTally()
  tally.periodMs = endMs - fromMs
  let covered = 0
  for (const span of spans) {
    const ms = Math.min(span.toMs, endMs) - Math.max(span.fromMs, fromMs)
    if (ms <= 0) continue
    covered += ms
    tally.byState[span.state] += ms
    if (span.state === 'not_ready') for (const cause of notReadyCauses(span.reasons)) tally.notReady[cause] += ms
  }
  tally.byState.no_data = Math.max(0, tally.periodMs - covered)
  for (const alert of alerts) {
    tally.alerts[alert.kind]++
    if (alert.acknowledgedAtMs !== undefined) tally.ackDelaysMs.push(alert.acknowledgedAtMs - alert.openedAtMs)
    else tally.unacknowledged++
    if (alert.kind === 'post_use_inspection') {
      tally.inspectionsOpened++
      if (alert.resolvedAtMs !== undefined && alert.resolvedAtMs < endMs) tally.inspectionsDone++
    }
  }
  return tally
}

const toS = (ms: number): number => Math.round(ms / 1000)

function median (sorted: readonly number[]): number | null {
  if (sorted.length === 0) return null
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

function figures (tally: Tally): ReportFigures {
  const delays = [...tally.ackDelaysMs].sort((a, b) => a - b)
  const med = median(delays)
  return {
    periodS: toS(tally.periodMs),
    readyS: toS(tally.byState.ready),
    readyShare: tally.periodMs === 0 ? 0 : Math.round(tally.byState.ready / tally.periodMs * 10_000) / 10_000,
    downtimeS: {
      offline: toS(tally.byState.offline),
      not_ready: toS(tally.byState.not_ready),
      in_use: toS(tally.byState.in_use),
      maintenance: toS(tally.byState.maintenance),
      unknown: toS(tally.byState.unknown),
      no_data: toS(tally.byState.no_data)
    },
    notReadyS: Object.fromEntries(NOT_READY_CAUSES.map(c => [c, toS(tally.notReady[c])])) as ReportFigures['notReadyS'],
    alerts: { ...tally.alerts },
    acknowledgement: {
      acknowledged: delays.length,
      unacknowledged: tally.unacknowledged,
      medianS: med === null ? null : toS(med),
      worstS: delays.length === 0 ? null : toS(delays.at(-1)!)
    },
    inspections: {
      opened: tally.inspectionsOpened,
      done: tally.inspectionsDone,
      outstanding: tally.inspectionsOpened - tally.inspectionsDone
    }
  }
}

/**
 * The report for one month: per cabinet, per site (the sum of its cabinets)
 * and for the fleet. The period is the month, or the month so far when it is
 * the current one; a month that has not begun is refused (MonthNotBegunError).
 */
export function computeReadinessReport (input: ReadinessReportInput): ReadinessReport {
  const { period, nowMs, timeZone } = input
  if (nowMs <= period.fromMs) throw new MonthNotBegunError(period.month)
  const endMs = Math.min(period.toMs, nowMs)
  const alertsOf = new Map<string, AlertRecord[]>()
  for (const alert of input.alerts) {
    if (alert.openedAtMs < period.fromMs || alert.openedAtMs >= endMs) continue
    alertsOf.set(alert.cabinetId, [...alertsOf.get(alert.cabinetId) ?? [], alert])
  }

  const fleet = emptyTally()
  const sites = new Map<string, { site: ReportCabinet['site'], tally: Tally, cabinets: ReadinessReport['sites'][number]['cabinets'] }>()
  for (const cabinet of input.cabinets) {
    const tally = cabinetTally(input.spans.get(cabinet.id) ?? [], alertsOf.get(cabinet.id) ?? [], period.fromMs, endMs)
    const site = sites.get(cabinet.site.id) ?? { site: cabinet.site, tally: emptyTally(), cabinets: [] }
    addTally(site.tally, tally)
    addTally(fleet, tally)
    site.cabinets.push({ cabinetId: cabinet.id, location: cabinet.location, ...figures(tally) })
    sites.set(cabinet.site.id, site)
  }

  const asOf = dateInZone(endMs, timeZone)
  const siteOf = new Map(input.cabinets.map(c => [c.id, c.site.id]))
  const consumables = input.consumables
    .flatMap(c => {
      const siteId = siteOf.get(c.cabinetId)
      const daysLeft = daysBetween(asOf, c.expires)
      return siteId === undefined || daysLeft > EXPIRY_HORIZON_DAYS ? [] : [{ cabinetId: c.cabinetId, siteId, part: c.part, expires: c.expires, daysLeft }]
    })
    .sort((a, b) => a.daysLeft - b.daysLeft || a.cabinetId.localeCompare(b.cabinetId) || a.part.localeCompare(b.part))

  return {
    month: period.month,
    timeZone,
    from: new Date(period.fromMs).toISOString(),
    to: new Date(endMs).toISOString(),
    complete: endMs === period.toMs,
    generatedAt: new Date(nowMs).toISOString(),
    consumablesAsOf: asOf,
    expiryHorizonDays: EXPIRY_HORIZON_DAYS,
    fleet: figures(fleet),
    sites: [...sites.values()].map(({ site, tally, cabinets }) => ({ siteId: site.id, siteName: site.name, address: site.address, ...figures(tally), cabinets })),
    consumables
  }
}

/** A report was asked for a month that has not begun yet. */
export class MonthNotBegunError extends Error {
  constructor (readonly month: string) {
    super(`month ${month} has not begun yet`)
    this.name = 'MonthNotBegunError'
  }
}
