import { isOffline } from '../../readiness/readiness.ts'
import type { AlertRule } from './rule.ts'

/**
 * No heartbeat for `offlineAfterHeartbeats` intervals, or the cabinet's last
 * will: nobody would know if its AED were taken or failed. Cleared when it is
 * back. A planned cabinet (not installed yet) never raises it.
 */
export function offlineRule (offlineAfterHeartbeats: number): AlertRule {
  return {
    kind: 'offline',
    evaluate ({ cabinet: { state, definition }, nowMs, monitorStartedMs }) {
      if (definition.status !== 'active') return undefined
      // A cabinet not heard from since the monitor started is judged from the start.
      const judged = state.lastSeenMs === 0 ? { lastSeenMs: monitorStartedMs, online: state.online } : state
      if (!isOffline(judged, nowMs, { heartbeatIntervalS: definition.heartbeatIntervalS, offlineAfterHeartbeats })) return undefined
      const cause = state.lastSeenMs === 0 ? 'not heard from since the monitor started' : state.online === false ? 'last will' : 'no heartbeat'
      return {
        severity: 'critical',
        facts: { lastSeenAt: state.lastSeenMs === 0 ? 'never' : new Date(state.lastSeenMs).toISOString(), cause }
      }
    }
  }
}
