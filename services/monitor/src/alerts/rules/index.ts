import type { AlertRule } from './rule.ts'
import { batteryCriticalRule, batteryLowRule } from './battery-level.ts'
import { doorOpenRule } from './door-open.ts'
import { batteryExpiredRule, batteryExpiringRule, padsExpiredRule, padsExpiringRule } from './expiry.ts'
import { offlineRule } from './offline.ts'
import { selftestFailedRule } from './selftest-failed.ts'
import { selftestOverdueRule } from './selftest-overdue.ts'
import { temperatureOutOfRangeRule } from './temperature.ts'

export type { AlertRule, Finding, RuleContext } from './rule.ts'

/** Every condition rule (docs/alerts.md). post_use_inspection is a task raised by the lifecycle, not a condition. */
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
    temperatureOutOfRangeRule
  ]
}
