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
    evaluate ({ cabinet: { state, definition }, nowMs }) {
      if (definition.status !== 'active') return undefined
      if (!isOffline(state, nowMs, { heartbeatIntervalS: definition.heartbeatIntervalS, offlineAfterHeartbeats })) return undefined
      return {
        severity: 'critical',
        facts: { lastSeenAt: new Date(state.lastSeenMs).toISOString(), cause: state.online === false ? 'last will' : 'no heartbeat' }
      }
    }
  }
}
