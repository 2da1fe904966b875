import { NO_DATA, type AlertRule } from './rule.ts'

/**
 * Cabinet temperature outside the AED's storage range (0–50 °C by default,
 * per cabinet overridable). Pernik winters reach −20 °C: an outdoor cabinet
 * whose heater fails lets the battery and pads go out of specification.
 */
export const temperatureOutOfRangeRule: AlertRule = {
  kind: 'temperature_out_of_range',
  evaluate ({ cabinet: { state, thresholds } }) {
    const t = state.temperatureC
    if (t === undefined) return NO_DATA
    if (t >= thresholds.temperatureMinC && t <= thresholds.temperatureMaxC) return undefined
    return {
      severity: 'warning',
      facts: { temperatureC: t, minC: thresholds.temperatureMinC, maxC: thresholds.temperatureMaxC, direction: t < thresholds.temperatureMinC ? 'cold' : 'hot' }
    }
  }
}
