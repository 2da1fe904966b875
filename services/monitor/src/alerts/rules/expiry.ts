import type { AlertKind, Severity } from '../alert.ts'
import type { CabinetState } from '../../state/cabinet-state.ts'
import { daysLeft } from '../../readiness/readiness.ts'
import { NO_DATA, type AlertRule } from './rule.ts'

type ExpiringPart = 'pads' | 'battery'

const expiryOf = (part: ExpiringPart, state: CabinetState): string | undefined => part === 'pads' ? state.padsExpires : state.batteryExpires

/**
 * From the expiry date the cabinet reports: a warning from `expiryWarningDays`
 * before the date, and the expired alert once it has passed (the date itself
 * is the last day of use, in the fleet's time zone). Re-evaluated on every
 * report and by the periodic evaluation, so a date passes even if the
 * cabinet says nothing new.
 */
function expiryRules (part: ExpiringPart, expiredSeverity: Severity): [AlertRule, AlertRule] {
  const expiring: AlertKind = `${part}_expiring`
  const expired: AlertKind = `${part}_expired`
  return [
    {
      kind: expiring,
      evaluate ({ cabinet: { state, thresholds }, nowMs, timeZone }) {
        const expires = expiryOf(part, state)
        const days = daysLeft(expires, nowMs, timeZone)
        if (days === undefined) return NO_DATA
        if (days < 0 || days > thresholds.expiryWarningDays) return undefined
        return { severity: 'warning', facts: { expires: expires!, daysLeft: days } }
      }
    },
    {
      kind: expired,
      evaluate ({ cabinet: { state }, nowMs, timeZone }) {
        const expires = expiryOf(part, state)
        const days = daysLeft(expires, nowMs, timeZone)
        if (days === undefined) return NO_DATA
        if (days >= 0) return undefined
        return { severity: expiredSeverity, facts: { expires: expires!, daysAgo: -days } }
      }
    }
  ]
}

export const [padsExpiringRule, padsExpiredRule] = expiryRules('pads', 'critical')
export const [batteryExpiringRule, batteryExpiredRule] = expiryRules('battery', 'critical')
