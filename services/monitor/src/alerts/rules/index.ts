import type { AlertRule } from './rule.ts'
import { batteryCriticalRule, batteryLowRule } from './battery-level.ts'
import { clockSkewRule } from './clock-skew.ts'
import { doorOpenRule } from './door-open.ts'
import { batteryExpiredRule, batteryExpiringRule, padsExpiredRule, padsExpiringRule } from './expiry.ts'
import { offlineRule } from './offline.ts'
import { selftestFailedRule } from './selftest-failed.ts'
import { selftestOverdueRule } from './selftest-overdue.ts'
import { temperatureOutOfRangeRule } from './temperature.ts'

export type { AlertRule, Finding, RuleContext } from './rule.ts'

/**
 * Every condition rule (docs/alerts.md). post_use_inspection is a task raised by the lifecycle, not a condition.
 * Within a part (battery, pads) the critical rule comes before its warning, so the warning can give way to it.
 */
export function allRules (options: { offlineAfterHeartbeats: number }): AlertRule[] {
  return [
    doorOpenRule,
    selftestFailedRule,
    selftestOverdueRule(options.offlineAfterHeartbeats),
    batteryCriticalRule,
    batteryLowRule,
    batteryExpiredRule,
    batteryExpiringRule,
    padsExpiredRule,
    padsExpiringRule,
    offlineRule(options.offlineAfterHeartbeats),
    temperatureOutOfRangeRule,
    clockSkewRule
  ]
}
