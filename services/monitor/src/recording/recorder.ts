import type { Logger } from 'pino'
import type { UplinkMessage } from '@aed/core/protocol'
import type { Clock, ScheduledTimer, Scheduler } from '@aed/core/time'
import type { AlertBook, AlertTransition } from '../alerts/alert-book.ts'
import type { AlertJournal } from '../alerts/alert-journal.ts'
import type { MaintenanceChange, MonitorBus, NotificationRecord } from '../events.ts'
import type { ReadinessView } from '../readiness/readiness.ts'
import type { FleetView, TrackedCabinet } from '../state/fleet-state.ts'
import { SlicedSweep } from '../state/sliced-sweep.ts'
import type { Unit } from '../unit.ts'
import { alertEventLine, alertEventPoint, maintenanceLine, notificationLine, readinessLine, telemetryLine } from './influx-points.ts'

/** Where the recorder puts what it records. */
export interface RecorderSinks {
  /** Queues one line of line protocol for InfluxDB. */
  write (line: string): void
  journal: Pick<AlertJournal, 'append'>
}

export interface RecorderOptions {
  bus: MonitorBus
  book: AlertBook
  fleet: FleetView
  sinks: RecorderSinks
  clock: Clock
  scheduler: Scheduler
  /** How often every cabinet's readiness is written, ms. */
  snapshotIntervalMs: number
  /** A message's `ts` further ahead of its arrival than this is stored at its arrival, ms. */
  clockSkewToleranceMs: number
  logger: Logger
  /** Snapshot lines written in one go before other work gets a turn (tests make it small). */
  sweepSlice?: number
}

/**
 * Keeps the record of what happened, and is the only unit that does:
 * every accepted message, readiness change and periodic snapshot,
 * maintenance window and notification outcome becomes an InfluxDB point;
 * every alert transition (escalations included) is journalled to disk and
 * becomes an `alert_event` point; every notification sent is journalled so
 * a restart does not send it again.
 */
export class Recorder implements Unit {
  readonly name = 'recorder'
  private snapshotTimer: ScheduledTimer | undefined
  /** Keeps records made in the same millisecond apart (their microseconds), so none overwrites another. */
  private sequence = 0
  /** The periodic snapshot of a large fleet is written a slice at a time: messages go on being taken in meanwhile. */
  private readonly snapshots: SlicedSweep<TrackedCabinet>

  constructor (private readonly options: RecorderOptions) {
    this.snapshots = new SlicedSweep({
      each: cabinet => options.sinks.write(readinessLine(cabinet, options.clock.now(), options.fleet.fleet.timezone)),
      onError: (err, cabinet) => options.logger.error({ err, cabinetId: cabinet.definition.id }, 'writing a readiness snapshot failed'),
      ...(options.sweepSlice !== undefined ? { sliceSize: options.sweepSlice } : {})
    })
  }

  start (): void {
    const { bus, book, scheduler, snapshotIntervalMs } = this.options
    bus.on('message', this.onMessage)
    bus.on('readinessChanged', this.onReadinessChanged)
    bus.on('maintenanceChanged', this.onMaintenanceChanged)
    bus.on('notification', this.onNotification)
    book.on('transition', this.onTransition)
    this.snapshotTimer = scheduler.setInterval(() => this.writeSnapshots(), snapshotIntervalMs)
    this.writeSnapshots()
  }

  stop (): void {
    const { bus, book, scheduler } = this.options
    scheduler.clear(this.snapshotTimer)
    this.snapshots.stop()
    bus.off('message', this.onMessage)
    bus.off('readinessChanged', this.onReadinessChanged)
    bus.off('maintenanceChanged', this.onMaintenanceChanged)
    bus.off('notification', this.onNotification)
    book.off('transition', this.onTransition)
  }

  private readonly onMessage = (message: UplinkMessage, receivedAtMs: number): void => {
    const line = telemetryLine(message, receivedAtMs, this.options.clockSkewToleranceMs)
    if (line !== undefined) this.options.sinks.write(line)
  }

  private readonly onReadinessChanged = (cabinetId: string, previous: ReadinessView, current: ReadinessView): void => {
    const cabinet = this.options.fleet.get(cabinetId)
    if (cabinet === undefined) return
    this.options.logger.info({ cabinetId, from: previous.state, to: current.state, reasons: current.reasons }, 'readiness changed')
    this.options.sinks.write(readinessLine(cabinet, this.options.clock.now(), this.options.fleet.fleet.timezone))
  }

  private readonly onMaintenanceChanged = (change: MaintenanceChange): void => {
    this.options.sinks.write(maintenanceLine(change))
  }

  private readonly onTransition = (transition: AlertTransition): void => {
    const { alert, change, previous, by } = transition
    this.options.sinks.journal.append({ t: 'alert', alert })
      .catch(err => this.options.logger.error({ err, alertId: alert.id }, 'alert journal write failed'))
    this.options.logger.info({ alertId: alert.id, cabinetId: alert.cabinetId, kind: alert.kind, change, from: previous ?? null, to: alert.status, escalationLevel: alert.escalationLevel, by }, 'alert transition')
    this.options.sinks.write(alertEventLine(alertEventPoint(transition), this.sequence++))
  }

  private readonly onNotification = ({ alertId, alert, step, outcome, atMs }: NotificationRecord): void => {
    if (outcome.outcome === 'skipped') return
    if (outcome.outcome === 'sent') {
      this.options.sinks.journal.append({ t: 'sent', alertId, step, channel: outcome.channel, recipientId: outcome.recipientId, atMs })
        .catch(err => this.options.logger.error({ err, alertId }, 'journalling a sent notification failed'))
    }
    if (alert === undefined) return
    this.options.sinks.write(notificationLine({
      cabinetId: alert.cabinetId,
      alertId,
      kind: alert.kind,
      step,
      channel: outcome.channel,
      outcome: outcome.outcome,
      recipient: outcome.recipientId,
      attempt: outcome.attempts,
      latencyMs: outcome.latencyMs,
      error: outcome.error,
      atMs
    }, this.sequence++))
  }

  private writeSnapshots (): void {
    void this.snapshots.run(this.options.fleet.all())
  }
}
