import type { Logger } from 'pino'
import { z } from 'zod'
import type { Fleet } from '@aed/core/fleet'
import { MEASUREMENT, type InfluxV1Client } from '@aed/core/influx'
import type { Clock } from '@aed/core/time'
import { AlertKindSchema, type Alert } from '../alerts/alert.ts'
import { READINESS_STATES } from '../readiness/readiness.ts'
import type { FleetView } from '../state/fleet-state.ts'
import { computeReadinessReport, spansFromSamples, type AlertRecord, type ConsumableReading, type ReadinessReport, type ReportCabinet } from './readiness-report.ts'
import { monthPeriod } from './report-month.ts'

/** What the API asks of the reports. */
export interface ReadinessReportSource {
  /** The report of a YYYY-MM month; rejects with MonthNotBegunError for a month to come, ReportHistoryError when InfluxDB cannot be read. */
  report (month: string): Promise<ReadinessReport>
}

export interface ReadinessReportsOptions {
  influx: Pick<InfluxV1Client, 'rows'>
  fleet: Pick<FleetView, 'fleet' | 'get'>
  /** Every alert the monitor holds in memory: live ones and the recently resolved (the journal's). */
  alerts: () => readonly Alert[]
  clock: Clock
  /** How long a readiness point stands without a next one: beyond it, the monitor was not recording. */
  holdMs: number
  logger: Logger
}

/** InfluxDB could not answer a question the report asks. */
export class ReportHistoryError extends Error {
  constructor (readonly month: string, reason: string, options?: ErrorOptions) {
    super(`the history for the ${month} report cannot be read: ${reason}`, options)
    this.name = 'ReportHistoryError'
  }
}

const ReadinessRow = z.object({ time: z.number(), state: z.enum(READINESS_STATES), reasons: z.string().nullish() })
const AlertEventRow = z.object({
  time: z.number(),
  cabinet: z.string(),
  kind: AlertKindSchema,
  alert_id: z.string(),
  status: z.string(),
  message: z.string(),
  ack_after_s: z.number().nullish()
})
const ExpiryRow = z.object({ cabinet: z.string(), expires: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) })

/**
 * Gathers a month's inputs and computes its report. Readiness and the
 * expiry dates come from InfluxDB (what the recorder wrote). Alerts come from
 * the `alert_event` points, which keep the whole history, merged with the
 * alerts in the monitor's memory, which are exact and include changes
 * InfluxDB has not received yet; where both know an alert, memory wins.
 * For the current month the expiry dates are the live readings.
 */
export class ReadinessReports implements ReadinessReportSource {
  constructor (private readonly options: ReadinessReportsOptions) {}

  async report (month: string): Promise<ReadinessReport> {
    const { fleet, clock } = this.options
    const timeZone = fleet.fleet.timezone
    const period = monthPeriod(month, timeZone)
    const nowMs = clock.now()
    const endMs = Math.min(period.toMs, nowMs)
    const cabinets: ReportCabinet[] = [...fleet.fleet.cabinets.values()]
      .filter(cabinet => cabinet.status === 'active')
      .map(cabinet => ({ id: cabinet.id, location: cabinet.location, site: { id: cabinet.site.id, name: cabinet.site.name, address: cabinet.site.address } }))
    if (nowMs <= period.fromMs) return computeReadinessReport({ period, nowMs, timeZone, cabinets, spans: new Map(), alerts: [], consumables: [] })

    const query = async (q: string): Promise<Array<Record<string, unknown>>> => {
      try {
        return await this.options.influx.rows(q)
      } catch (err) {
        throw new ReportHistoryError(month, (err as Error).message, { cause: err })
      }
    }
    let unreadable = 0
    const parse = <T>(schema: z.ZodType<T>, rows: Array<Record<string, unknown>>): T[] => rows.flatMap(row => {
      const parsed = schema.safeParse(row)
      if (parsed.success) return [parsed.data]
      unreadable++
      return []
    })

    const spans = new Map<string, ReturnType<typeof spansFromSamples>>()
    for (const cabinet of cabinets) {
      // One cabinet at a time: a month of snapshots is tens of thousands of rows per cabinet.
      const rows = parse(ReadinessRow, await query(
        `SELECT "state", "reasons" FROM "${MEASUREMENT.readiness}" WHERE "cabinet" = ${quote(cabinet.id)} AND time >= ${period.fromMs - this.options.holdMs}ms AND time < ${endMs}ms`))
      spans.set(cabinet.id, spansFromSamples(rows.map(r => ({ atMs: r.time, state: r.state, reasons: r.reasons ?? '' })), this.options.holdMs))
    }

    // Up to now, not to the month's end: an alert opened on the 31st may be acknowledged on the 1st.
    const events = parse(AlertEventRow, await query(
      `SELECT "alert_id", "status", "message", "ack_after_s" FROM "${MEASUREMENT.alertEvent}" WHERE time >= ${period.fromMs}ms AND time <= ${nowMs}ms GROUP BY "cabinet", "kind"`))
    const alerts = new Map<string, AlertRecord>()
    for (const e of [...events].sort((x, y) => x.time - y.time)) {
      const known = alerts.get(e.alert_id)
      if (e.message === 'opened') {
        if (known === undefined) alerts.set(e.alert_id, { id: e.alert_id, cabinetId: e.cabinet, kind: e.kind, openedAtMs: e.time })
      } else if (known !== undefined) {
        if (e.ack_after_s != null && known.acknowledgedAtMs === undefined) known.acknowledgedAtMs = e.time
        if (e.status === 'resolved' && known.resolvedAtMs === undefined) known.resolvedAtMs = e.time
      }
    }
    for (const alert of this.options.alerts()) {
      alerts.set(alert.id, {
        id: alert.id,
        cabinetId: alert.cabinetId,
        kind: alert.kind,
        openedAtMs: Date.parse(alert.openedAt),
        acknowledgedAtMs: alert.acknowledgedAt === undefined ? undefined : Date.parse(alert.acknowledgedAt),
        resolvedAtMs: alert.resolvedAt === undefined ? undefined : Date.parse(alert.resolvedAt)
      })
    }

    const consumables = new Map<string, ConsumableReading>()
    for (const part of ['pads', 'battery'] as const) {
      const rows = parse(ExpiryRow, await query(
        `SELECT LAST("expires") AS "expires" FROM "${MEASUREMENT[part]}" WHERE time < ${endMs}ms GROUP BY "cabinet"`))
      for (const row of rows) consumables.set(`${row.cabinet}|${part}`, { cabinetId: row.cabinet, part, expires: row.expires })
      if (endMs === nowMs) {
        for (const cabinet of cabinets) {
          const state = fleet.get(cabinet.id)?.state
          const expires = part === 'pads' ? state?.padsExpires : state?.batteryExpires
          if (expires !== undefined) consumables.set(`${cabinet.id}|${part}`, { cabinetId: cabinet.id, part, expires })
        }
      }
    }
    if (unreadable > 0) this.options.logger.warn({ month, rows: unreadable }, 'rows the readiness report cannot read were left out')

    return computeReadinessReport({ period, nowMs, timeZone, cabinets, spans, alerts: [...alerts.values()], consumables: [...consumables.values()] })
  }
}

/** An InfluxQL string literal. */
function quote (value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}
