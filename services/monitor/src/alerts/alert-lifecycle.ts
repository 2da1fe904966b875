import type { Logger } from 'pino'
import type { Clock } from '@aed/core/time'
import type { MonitorBus } from '../events.ts'
import { SOLE_OWNER, type Ownership } from '../replicas/ownership.ts'
import type { FleetView, TrackedCabinet } from '../state/fleet-state.ts'
import { SlicedSweep } from '../state/sliced-sweep.ts'
import type { Unit } from '../unit.ts'
import type { Alert } from './alert.ts'
import type { AlertBook, AlertFilter, AlertTransition } from './alert-book.ts'
import type { JournalState } from './alert-journal.ts'
import { raiseInspectionAfterUse } from './post-use-inspection.ts'
import { RuleEvaluator } from './rule-evaluator.ts'
import type { AlertRule } from './rules/index.ts'

/** What people (the API, the acknowledgement pages) may do with alerts. */
export interface AlertActions {
  list (filter?: AlertFilter): Alert[]
  get (alertId: string): Alert | undefined
  /** Resolves once the acknowledgement is on disk in the journal. */
  acknowledge (alertId: string, by: string): Promise<Alert>
  /** Resolves once the resolution is on disk in the journal. */
  resolve (alertId: string, by: string): Promise<Alert>
}

export interface AlertLifecycleOptions {
  book: AlertBook
  rules: readonly AlertRule[]
  fleet: FleetView
  bus: MonitorBus
  clock: Clock
  /** The journal's replay: open alerts survive a restart. Read at start(). */
  journalled: () => JournalState
  /** Resolves once every journal record appended so far is on disk. */
  journalSettled: () => Promise<void>
  logger: Logger
  /** With replicas: the rules run here only for the cabinets this process speaks for; all of them when undefined. */
  ownership?: Ownership
  /** Cabinets judged in one go on a tick before other work gets a turn (tests make it small). */
  sweepSlice?: number
}

/**
 * Raises and clears alerts from the rules: for a cabinet after each of its
 * messages (`telemetry`), for the whole fleet on every `tick`, since time
 * alone makes some conditions true (offline, expiry, overdue self-test).
 * The tick's pass is sliced: a door message arriving while a large fleet is
 * judged waits for one slice, not for the whole fleet.
 * Opens the post-use inspection task when a door closes after use.
 */
export class AlertLifecycle implements Unit, AlertActions {
  readonly name = 'alert-lifecycle'
  private evaluator: RuleEvaluator | undefined
  private readonly inspection: (transition: AlertTransition) => void
  private readonly ownership: Ownership
  private readonly sweep: SlicedSweep<TrackedCabinet>

  constructor (private readonly options: AlertLifecycleOptions) {
    this.sweep = new SlicedSweep({
      each: cabinet => { if (this.ownership.owns(cabinet.definition.id)) this.evaluator?.evaluateCabinet(cabinet) },
      onError: (err, cabinet) => options.logger.error({ err, cabinetId: cabinet.definition.id }, 'judging a cabinet by the rules failed'),
      ...(options.sweepSlice !== undefined ? { sliceSize: options.sweepSlice } : {})
    })
    const raiseInspection = raiseInspectionAfterUse(options.book, options.fleet)
    this.ownership = options.ownership ?? SOLE_OWNER
    // The owner opens the task; the others receive it from the owner.
    this.inspection = transition => { if (this.ownership.owns(transition.alert.cabinetId)) raiseInspection(transition) }
  }

  start (): void {
    const { book, bus, journalled, logger } = this.options
    for (const alert of journalled().alerts.values()) book.restore(alert)
    logger.info({ liveAlerts: book.list({ status: 'live' }).length }, 'alerts restored from the journal')
    // Rules judge a cabinet silent since start-up from this moment.
    this.evaluator = new RuleEvaluator(this.options.rules, this.options.fleet, book, this.options.clock)
    book.on('transition', this.inspection)
    bus.on('telemetry', this.onTelemetry)
    bus.on('tick', this.onTick)
    bus.on('ownershipChanged', this.onOwnershipChanged)
  }

  stop (): void {
    this.sweep.stop()
    this.options.book.off('transition', this.inspection)
    this.options.bus.off('telemetry', this.onTelemetry)
    this.options.bus.off('tick', this.onTick)
    this.options.bus.off('ownershipChanged', this.onOwnershipChanged)
  }

  list (filter?: AlertFilter): Alert[] {
    return this.options.book.list(filter)
  }

  get (alertId: string): Alert | undefined {
    return this.options.book.get(alertId)
  }

  async acknowledge (alertId: string, by: string): Promise<Alert> {
    const alert = this.options.book.acknowledge(alertId, by, this.options.clock.now())
    await this.options.journalSettled()
    return alert
  }

  async resolve (alertId: string, by: string): Promise<Alert> {
    const alert = this.options.book.resolve(alertId, by, this.options.clock.now())
    await this.options.journalSettled()
    return alert
  }

  private readonly onTelemetry = (message: { cabinetId: string }): void => {
    this.evaluate(message.cabinetId)
  }

  private readonly onTick = (): void => {
    void this.sweep.run(this.options.fleet.all())
  }

  /** Cabinets taken over are judged at once: what changed while nobody spoke for them is raised or cleared now. */
  private readonly onOwnershipChanged = (gained: readonly string[]): void => {
    for (const cabinetId of gained) this.evaluate(cabinetId)
  }

  private evaluate (cabinetId: string): void {
    if (!this.ownership.owns(cabinetId)) return
    const cabinet = this.options.fleet.get(cabinetId)
    if (cabinet !== undefined) this.evaluator?.evaluateCabinet(cabinet)
  }
}
