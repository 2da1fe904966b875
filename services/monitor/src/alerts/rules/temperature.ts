import { NO_DATA, type AlertRule } from './rule.ts'

/**
 * Cabinet temperature outside the AED's storage range (0–50 °C by default,
 * per cabinet overridable). Pernik winters reach −20 °C: an outdoor cabinet
 * whose heater fails lets the battery and pads go out of specification; a
 * cabinet in the summer sun cooks them. A warning at first; once out of range
 * for `temperatureCriticalAfterMin` (30 min by default) the AED cannot be
 * trusted and the alert becomes critical and pages. Too cold and too hot are
 * different incidents: a change of direction is a new alert and a new message.
 */
export const temperatureOutOfRangeRule: AlertRule = {
  kind: 'temperature_out_of_range',
  evaluate ({ cabinet: { state, thresholds }, nowMs, live }) {
    const t = state.temperatureC
    if (t === undefined) return NO_DATA
    if (t >= thresholds.temperatureMinC && t <= thresholds.temperatureMaxC) return undefined
    const direction = t < thresholds.temperatureMinC ? 'cold' : 'hot'
    // The excursion started with the live alert of the same direction, or now.
    const since = live !== undefined && live.facts.direction === direction && typeof live.facts.since === 'string'
      ? live.facts.since
      : new Date(nowMs).toISOString()
    const sustained = nowMs - Date.parse(since) >= thresholds.temperatureCriticalAfterMin * 60_000
    return {
      severity: sustained ? 'critical' : 'warning',
      facts: { temperatureC: t, minC: thresholds.temperatureMinC, maxC: thresholds.temperatureMaxC, direction, since, criticalAfterMin: thresholds.temperatureCriticalAfterMin }
    }
  },
  continues (live, finding) {
    return live.facts.direction === finding.facts.direction && live.severity === finding.severity
  }
}
