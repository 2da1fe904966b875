import { NO_DATA, type AlertRule } from './rule.ts'

/**
 * The cabinet's clock runs ahead: its last message's `ts` lay further ahead
 * of its arrival than CLOCK_SKEW_TOLERANCE_S. Its readings are taken at
 * their arrival time meanwhile, so nothing is hidden, but the times people
 * see from this cabinet are not its own until a technician fixes the clock
 * (NTP, RTC battery). Cleared by the first message with a plausible `ts`.
 */
export const clockSkewRule: AlertRule = {
  kind: 'clock_skew',
  evaluate ({ cabinet: { state } }) {
    if (state.lastSeenMs === 0) return NO_DATA
    if (state.clockAheadMs === 0) return undefined
    return { severity: 'warning', facts: { aheadS: Math.round(state.clockAheadMs / 1000) } }
  },
  continues () {
    return true
  }
}
