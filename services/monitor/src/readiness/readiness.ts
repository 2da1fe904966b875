import { inMaintenance } from '../state/maintenance-window.ts'
import type { CabinetState } from '../state/cabinet-state.ts'
import { dateInZone } from '../time-zone.ts'
import { daysBetween } from './calendar.ts'
import type { Thresholds } from './thresholds.ts'

export const READINESS_STATES = ['ready', 'in_use', 'maintenance', 'unknown', 'offline', 'not_ready'] as const
export type Readiness = typeof READINESS_STATES[number]

/** Numeric code per state for dashboards' colour thresholds (docs/data-model.md). */
export function readinessCode (state: Readiness): number {
  return READINESS_STATES.indexOf(state)
}

export interface ReadinessView {
  state: Readiness
  /** Why the cabinet is not ready (all of them, not just the first). Empty when ready. */
  reasons: string[]
}

export interface ReadinessContext {
  heartbeatIntervalS: number
  offlineAfterHeartbeats: number
  thresholds: Thresholds
  timeZone: string
  /** End of an active maintenance window, epoch ms; undefined when none. */
  maintenanceUntilMs?: number | undefined
}

/** Days until an expiry date, in the fleet's time zone; negative once past. */
export function daysLeft (expires: string | undefined, now: number, timeZone: string): number | undefined {
  return expires === undefined ? undefined : daysBetween(dateInZone(now, timeZone), expires)
}

export function isOffline (state: Pick<CabinetState, 'lastSeenMs' | 'online'>, now: number, context: Pick<ReadinessContext, 'heartbeatIntervalS' | 'offlineAfterHeartbeats'>): boolean {
  if (state.lastSeenMs === 0) return false
  if (state.online === false) return true
  return now - state.lastSeenMs > context.heartbeatIntervalS * 1000 * context.offlineAfterHeartbeats
}

/** The problems that make an AED not rescue-ready, from its last readings. */
export function unreadyReasons (state: CabinetState, now: number, context: ReadinessContext): string[] {
  const { thresholds, timeZone } = context
  const reasons: string[] = []
  if (state.selftestResult === 'fail') {
    const faults = state.selftestFaults?.length ? ` (${state.selftestFaults.join(', ')})` : ''
    reasons.push(`self-test failed${faults}`)
  }
  const pads = daysLeft(state.padsExpires, now, timeZone)
  if (pads !== undefined && pads < 0) reasons.push(`pads expired on ${state.padsExpires}`)
  const battery = daysLeft(state.batteryExpires, now, timeZone)
  if (battery !== undefined && battery < 0) reasons.push(`battery expired on ${state.batteryExpires}`)
  if (state.batteryPercent !== undefined && state.batteryPercent < thresholds.batteryCriticalPercent) {
    reasons.push(`battery at ${state.batteryPercent}% (below ${thresholds.batteryCriticalPercent}%)`)
  }
  if (state.temperatureC !== undefined) {
    if (state.temperatureC < thresholds.temperatureMinC) reasons.push(`too cold: ${state.temperatureC} °C (below ${thresholds.temperatureMinC} °C)`)
    if (state.temperatureC > thresholds.temperatureMaxC) reasons.push(`too hot: ${state.temperatureC} °C (above ${thresholds.temperatureMaxC} °C)`)
  }
  return reasons
}

/**
 * One word for "can this AED be used on someone now?". The order says what
 * matters most to a person looking at the fleet: a technician's planned
 * work, then no data, then no connection, then a door that is open (the AED
 * may be in use on a person), then faults.
 */
export function deriveReadiness (state: CabinetState, now: number, context: ReadinessContext): ReadinessView {
  const reasons = unreadyReasons(state, now, context)
  if (inMaintenance(context, now)) return { state: 'maintenance', reasons }
  if (state.lastSeenMs === 0) return { state: 'unknown', reasons: ['never seen'] }
  if (isOffline(state, now, context)) {
    return { state: 'offline', reasons: [state.online === false ? 'connection lost (last will)' : 'no heartbeat', ...reasons] }
  }
  if (state.door === 'open') return { state: 'in_use', reasons: ['door open', ...reasons] }
  if (reasons.length > 0) return { state: 'not_ready', reasons }
  return { state: 'ready', reasons }
}
