import { NO_DATA, type AlertRule } from './rule.ts'

/** Battery below the critical threshold: the AED may not deliver a shock. */
export const batteryCriticalRule: AlertRule = {
  kind: 'battery_critical',
  evaluate ({ cabinet: { state, thresholds } }) {
    if (state.batteryPercent === undefined) return NO_DATA
    if (state.batteryPercent >= thresholds.batteryCriticalPercent) return undefined
    return { severity: 'critical', facts: { percent: state.batteryPercent, thresholdPercent: thresholds.batteryCriticalPercent } }
  }
}

/** Battery low but not yet critical: plan a replacement. Gives way to battery_critical. */
export const batteryLowRule: AlertRule = {
  kind: 'battery_low',
  evaluate ({ cabinet: { state, thresholds } }) {
    const percent = state.batteryPercent
    if (percent === undefined) return NO_DATA
    if (percent >= thresholds.batteryLowPercent || percent < thresholds.batteryCriticalPercent) return undefined
    return { severity: 'warning', facts: { percent, thresholdPercent: thresholds.batteryLowPercent } }
  }
}
