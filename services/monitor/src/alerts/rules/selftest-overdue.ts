import { NO_DATA, type AlertRule } from './rule.ts'
import { isOffline } from '../../readiness/readiness.ts'

/**
 * No self-test result within the expected period (a daily self-test plus a
 * margin; per-cabinet overridable). A cabinet that is offline is covered
 * by the offline alert instead.
 */
export function selftestOverdueRule (offlineAfterHeartbeats: number): AlertRule {
  return {
    kind: 'selftest_overdue',
    evaluate ({ cabinet, nowMs }) {
      const { state, thresholds, definition } = cabinet
      if (state.lastSeenMs === 0) return NO_DATA
      if (isOffline(state, nowMs, { heartbeatIntervalS: definition.heartbeatIntervalS, offlineAfterHeartbeats })) return undefined
      const since = Math.max(state.selftestAt.atMs, state.firstSeenMs)
      const maxAgeMs = thresholds.selftestMaxAgeH * 3_600_000
      if (nowMs - since <= maxAgeMs) return undefined
      return {
        severity: 'warning',
        facts: { lastSelftestAt: state.selftestAt.atMs > 0 ? new Date(state.selftestAt.atMs).toISOString() : 'never', expectedEveryH: thresholds.selftestMaxAgeH }
      }
    }
  }
}
