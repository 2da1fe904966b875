import type { Logger } from 'pino'
import { MEASUREMENT, Point, TAG, toLine } from '@aed/core/influx'
import type { Clock } from '../clock.ts'
import type { FleetState } from '../state/fleet-state.ts'
import type { AlertJournal, MaintenanceRecord } from './alert-journal.ts'

export class MaintenanceError extends Error {
  constructor (readonly cabinetId: string, reason: string) {
    super(`maintenance of ${cabinetId}: ${reason}`)
    this.name = 'MaintenanceError'
  }
}

/**
 * A technician's maintenance window on a cabinet: opening the door on
 * purpose raises no door_open and leaves no inspection task, and readiness
 * shows `maintenance`. Readings received meanwhile are still recorded. A
 * window ends at its end time or when ended; every start and end is
 * journalled (it survives a restart), logged and written to InfluxDB.
 */
export class MaintenanceDesk {
  constructor (
    private readonly fleet: FleetState,
    private readonly journal: AlertJournal,
    private readonly record: (line: string) => void,
    private readonly clock: Clock,
    private readonly logger: Logger
  ) {}

  /** Starts (or extends) a window; `untilMs` null means until ended. */
  async begin (cabinetId: string, untilMs: number | null, by: string, reason = ''): Promise<void> {
    const now = this.clock.now()
    if (this.fleet.get(cabinetId) === undefined) throw new MaintenanceError(cabinetId, 'no such cabinet')
    if (untilMs !== null && untilMs <= now) throw new MaintenanceError(cabinetId, 'the end time is in the past')
    await this.journal.append({ t: 'maintenance', cabinetId, untilMs, by, atMs: now })
    this.fleet.setMaintenance(cabinetId, untilMs ?? Number.POSITIVE_INFINITY)
    this.logger.info({ cabinetId, until: untilMs === null ? 'until ended' : new Date(untilMs).toISOString(), by, reason }, 'maintenance started')
    this.write(cabinetId, 'started', by, reason, now)
  }

  async end (cabinetId: string, by: string): Promise<boolean> {
    const cabinet = this.fleet.get(cabinetId)
    if (cabinet?.maintenanceUntilMs === undefined) return false
    const now = this.clock.now()
    await this.journal.append({ t: 'maintenance', cabinetId, untilMs: null, endedMs: now, by, atMs: now })
    this.fleet.setMaintenance(cabinetId, undefined)
    this.logger.info({ cabinetId, by }, 'maintenance ended')
    this.write(cabinetId, 'ended', by, '', now)
    return true
  }

  /** Ends the windows whose time is up; called periodically. */
  expire (): void {
    const now = this.clock.now()
    for (const cabinet of this.fleet.all()) {
      const until = cabinet.maintenanceUntilMs
      if (until !== undefined && until <= now) {
        this.end(cabinet.definition.id, 'schedule').catch(err => this.logger.error({ err, cabinetId: cabinet.definition.id }, 'ending maintenance failed'))
      }
    }
  }

  /** Puts back the windows from the journal after a restart. */
  restore (records: Iterable<MaintenanceRecord>): void {
    for (const record of records) {
      if (record.endedMs !== undefined) continue
      this.fleet.setMaintenance(record.cabinetId, record.untilMs ?? Number.POSITIVE_INFINITY)
    }
  }

  private write (cabinetId: string, event: 'started' | 'ended', by: string, reason: string, atMs: number): void {
    const line = toLine(new Point(MEASUREMENT.maintenance).tag(TAG.cabinet, cabinetId).stringField('event', event).stringField('by', by).stringField('reason', reason).timestamp(atMs))
    if (line !== undefined) this.record(line)
  }
}
