import type { Fleet, FleetCabinet } from '@aed/core/fleet'
import type { UplinkMessage } from '@aed/core/protocol'
import type { Clock } from '../clock.ts'
import type { MonitorBus } from '../events.ts'
import { deriveReadiness, type ReadinessContext, type ReadinessView } from '../readiness/readiness.ts'
import { thresholdsFor, type Thresholds } from '../readiness/thresholds.ts'
import { applyMessage, emptyCabinetState, type CabinetState } from './cabinet-state.ts'

export interface TrackedCabinet {
  definition: FleetCabinet
  state: CabinetState
  readiness: ReadinessView
  thresholds: Thresholds
  /** End of a maintenance window, epoch ms. */
  maintenanceUntilMs: number | undefined
}

export interface FleetStateOptions {
  defaults: Thresholds
  offlineAfterHeartbeats: number
}

/**
 * Live state of every cabinet in the fleet file, and its readiness. Readiness
 * is recomputed after each message and on every tick (time alone turns a
 * silent cabinet offline and a pads date into an expiry), and each change is
 * announced on the bus.
 */
export class FleetState {
  private readonly cabinets = new Map<string, TrackedCabinet>()

  constructor (readonly fleet: Fleet, private readonly bus: MonitorBus, private readonly clock: Clock, private readonly options: FleetStateOptions) {
    const now = clock.now()
    for (const definition of fleet.cabinets.values()) {
      const state = emptyCabinetState()
      const tracked: TrackedCabinet = {
        definition, state, thresholds: thresholdsFor(definition, options.defaults), maintenanceUntilMs: undefined, readiness: { state: 'unknown', reasons: [] }
      }
      tracked.readiness = deriveReadiness(state, now, this.contextOf(tracked))
      this.cabinets.set(definition.id, tracked)
    }
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
    if (tracked === undefined) return false
    applyMessage(tracked.state, message, receivedAtMs)
    this.reevaluate(tracked)
    this.bus.emit('telemetry', message, receivedAtMs)
    return true
  }

  /** Re-derives every cabinet's readiness at the current time. */
  tick (): void {
    for (const tracked of this.cabinets.values()) this.reevaluate(tracked)
  }

  setMaintenance (cabinetId: string, untilMs: number | undefined): void {
    const tracked = this.cabinets.get(cabinetId)
    if (tracked === undefined) return
    tracked.maintenanceUntilMs = untilMs
    this.reevaluate(tracked)
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
