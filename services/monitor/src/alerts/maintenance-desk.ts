import type { Logger } from 'pino'
import type { Clock } from '@aed/core/time'
import type { MonitorBus } from '../events.ts'
import type { FleetState } from '../state/fleet-state.ts'
import type { Unit } from '../unit.ts'
import type { AlertJournal, JournalState } from './alert-journal.ts'

export class MaintenanceError extends Error {
  constructor (readonly cabinetId: string, reason: string) {
    super(`maintenance of ${cabinetId}: ${reason}`)
    this.name = 'MaintenanceError'
  }
}

/** What technicians (through the API) may do with maintenance windows. */
export interface MaintenanceActions {
  begin (cabinetId: string, untilMs: number | null, by: string, reason?: string): Promise<void>
  end (cabinetId: string, by: string): Promise<boolean>
}

export interface MaintenanceDeskOptions {
  fleet: FleetState
  journal: Pick<AlertJournal, 'append' | 'restored'>
  bus: MonitorBus
  clock: Clock
  logger: Logger
}

/**
 * A technician's maintenance window on a cabinet: opening the door on
 * purpose raises no door_open and leaves no inspection task, and readiness
 * shows `maintenance`. Readings received meanwhile are still recorded. A
 * window ends at its end time (checked on every `tick`) or when ended.
 * Every start and end is journalled before it takes effect (it survives a
 * restart), then announced as `maintenanceChanged`.
 */
export class MaintenanceDesk implements Unit, MaintenanceActions {
  readonly name = 'maintenance-desk'

  constructor (private readonly options: MaintenanceDeskOptions) {}

  start (): void {
    this.restore(this.options.journal.restored)
    this.options.bus.on('tick', this.expire)
  }

  stop (): void {
    this.options.bus.off('tick', this.expire)
  }

  /** Starts (or extends) a window; `untilMs` null means until ended. */
  async begin (cabinetId: string, untilMs: number | null, by: string, reason = ''): Promise<void> {
    const { fleet, journal, clock, logger, bus } = this.options
    const now = clock.now()
    if (fleet.get(cabinetId) === undefined) throw new MaintenanceError(cabinetId, 'no such cabinet')
    if (untilMs !== null && untilMs <= now) throw new MaintenanceError(cabinetId, 'the end time is in the past')
    await journal.append({ t: 'maintenance', cabinetId, untilMs, by, atMs: now })
    fleet.setMaintenance(cabinetId, untilMs ?? Number.POSITIVE_INFINITY)
    logger.info({ cabinetId, until: untilMs === null ? 'until ended' : new Date(untilMs).toISOString(), by, reason }, 'maintenance started')
    bus.emit('maintenanceChanged', { cabinetId, event: 'started', by, reason, atMs: now })
  }

  async end (cabinetId: string, by: string): Promise<boolean> {
    const { fleet, journal, clock, logger, bus } = this.options
    const cabinet = fleet.get(cabinetId)
    if (cabinet?.maintenanceUntilMs === undefined) return false
    const now = clock.now()
    await journal.append({ t: 'maintenance', cabinetId, untilMs: null, endedMs: now, by, atMs: now })
    fleet.setMaintenance(cabinetId, undefined)
    logger.info({ cabinetId, by }, 'maintenance ended')
    bus.emit('maintenanceChanged', { cabinetId, event: 'ended', by, reason: '', atMs: now })
    return true
  }

  /** Ends the windows whose time is up. */
  private readonly expire = (): void => {
    const now = this.options.clock.now()
    for (const cabinet of this.options.fleet.all()) {
      const until = cabinet.maintenanceUntilMs
      if (until !== undefined && until <= now) {
        this.end(cabinet.definition.id, 'schedule').catch(err => this.options.logger.error({ err, cabinetId: cabinet.definition.id }, 'ending maintenance failed'))
      }
    }
  }

  /** Puts back the windows from the journal after a restart. */
  private restore (journalled: JournalState): void {
    for (const record of journalled.maintenance.values()) {
      if (record.endedMs !== undefined) continue
      this.options.fleet.setMaintenance(record.cabinetId, record.untilMs ?? Number.POSITIVE_INFINITY)
    }
  }
}
