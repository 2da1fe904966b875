import type { Logger } from 'pino'
import type { Fleet, FleetCabinet } from '@aed/core/fleet'
import type { UplinkMessage } from '@aed/core/protocol'
import type { Clock } from '@aed/core/time'
import type { MonitorBus } from '../events.ts'
import { deriveReadiness, type ReadinessContext, type ReadinessView } from '../readiness/readiness.ts'
import { thresholdsFor, type Thresholds } from '../readiness/thresholds.ts'
import type { Unit } from '../unit.ts'
import { applyMessage, emptyCabinetState, type CabinetState } from './cabinet-state.ts'
import { SlicedSweep } from './sliced-sweep.ts'

export interface TrackedCabinet {
  definition: FleetCabinet
  /** The readings last received. */
  state: CabinetState
  readiness: ReadinessView
  thresholds: Thresholds
  /** End of a maintenance window, epoch ms; Infinity = until ended. */
  maintenanceUntilMs: number | undefined
}

/** What readers of the fleet (HTTP routes, the digest) may see. */
export interface FleetView {
  readonly fleet: Fleet
  get (cabinetId: string): TrackedCabinet | undefined
  all (): IterableIterator<TrackedCabinet>
}

export interface FleetStateOptions {
  defaults: Thresholds
  offlineAfterHeartbeats: number
  /** How far ahead of the arrival a cabinet's `ts` may lie before its clock counts as wrong, ms. */
  clockSkewToleranceMs: number
  logger: Logger
  /** Cabinets re-derived in one go on a tick before other work gets a turn (tests make it small). */
  sweepSlice?: number
}

/**
 * Live state of every cabinet in the fleet file, and its readiness. It takes
 * in each `message` from the bus, announces `telemetry` for a fleet cabinet
 * (`unregistered` for any other), and re-derives readiness after each
 * message and on every `tick` (time alone turns a silent cabinet offline and
 * a pads date into an expiry), announcing each change as `readinessChanged`.
 * The tick's pass over the fleet is sliced, so messages are taken in while
 * a large fleet is being swept.
 */
export class FleetState implements Unit, FleetView {
  readonly name = 'fleet-state'
  private readonly cabinets = new Map<string, TrackedCabinet>()
  private readonly sweep: SlicedSweep<TrackedCabinet>

  constructor (readonly fleet: Fleet, private readonly bus: MonitorBus, private readonly clock: Clock, private readonly options: FleetStateOptions) {
    this.sweep = new SlicedSweep({
      each: tracked => this.reevaluate(tracked),
      onError: (err, tracked) => options.logger.error({ err, cabinetId: tracked.definition.id }, 're-deriving readiness failed'),
      ...(options.sweepSlice !== undefined ? { sliceSize: options.sweepSlice } : {})
    })
    const now = clock.now()
    for (const definition of fleet.cabinets.values()) {
      const tracked: TrackedCabinet = {
        definition, state: emptyCabinetState(), thresholds: thresholdsFor(definition, options.defaults), maintenanceUntilMs: undefined, readiness: { state: 'unknown', reasons: [] }
      }
      tracked.readiness = deriveReadiness(tracked.state, now, this.contextOf(tracked))
      this.cabinets.set(definition.id, tracked)
    }
  }

  start (): void {
    this.bus.on('message', this.onMessage)
    this.bus.on('tick', this.onTick)
  }

  stop (): void {
    this.sweep.stop()
    this.bus.off('message', this.onMessage)
    this.bus.off('tick', this.onTick)
  }

  get (cabinetId: string): TrackedCabinet | undefined {
    return this.cabinets.get(cabinetId)
  }

  all (): IterableIterator<TrackedCabinet> {
    return this.cabinets.values()
  }

  /** Applies a message from a fleet cabinet; false for a cabinet the fleet file does not declare. */
  apply (message: UplinkMessage, receivedAtMs: number): boolean {
    const tracked = this.cabinets.get(message.cabinetId)
    if (tracked === undefined) {
      this.bus.emit('unregistered', message)
      return false
    }
    applyMessage(tracked.state, message, receivedAtMs, this.options.clockSkewToleranceMs)
    if (tracked.state.clockAheadMs > 0) this.bus.emit('clockSkew', message, tracked.state.clockAheadMs)
    this.reevaluate(tracked)
    this.bus.emit('telemetry', message, receivedAtMs)
    return true
  }

  /**
   * Re-derives every cabinet's readiness at the current time: at once for a
   * fleet of one slice, else slice by slice; resolves when all are done.
   */
  tick (): Promise<void> {
    return this.sweep.run(this.cabinets.values())
  }

  setMaintenance (cabinetId: string, untilMs: number | undefined): void {
    const tracked = this.cabinets.get(cabinetId)
    if (tracked === undefined) return
    tracked.maintenanceUntilMs = untilMs
    this.reevaluate(tracked)
  }

  private readonly onMessage = (message: UplinkMessage, receivedAtMs: number): void => {
    this.apply(message, receivedAtMs)
  }

  private readonly onTick = (): void => {
    void this.tick()
  }

  private contextOf (tracked: TrackedCabinet): ReadinessContext {
    return {
      heartbeatIntervalS: tracked.definition.heartbeatIntervalS,
      offlineAfterHeartbeats: this.options.offlineAfterHeartbeats,
      thresholds: tracked.thresholds,
      timeZone: this.fleet.timezone,
      maintenanceUntilMs: tracked.maintenanceUntilMs
    }
  }

  private reevaluate (tracked: TrackedCabinet): void {
    const previous = tracked.readiness
    const current = deriveReadiness(tracked.state, this.clock.now(), this.contextOf(tracked))
    if (current.state === previous.state && sameReasons(current.reasons, previous.reasons)) return
    tracked.readiness = current
    this.bus.emit('readinessChanged', tracked.definition.id, previous, current)
  }
}

function sameReasons (a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((reason, i) => reason === b[i])
}
