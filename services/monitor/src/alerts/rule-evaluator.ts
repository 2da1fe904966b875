import type { Clock } from '@aed/core/time'
import type { FleetView, TrackedCabinet } from '../state/fleet-state.ts'
import { inMaintenance } from '../state/maintenance-window.ts'
import { PART_KINDS, SUPERSEDED, moreSevere, partOf, type Alert, type AlertKind } from './alert.ts'
import type { AlertBook } from './alert-book.ts'
import { NO_DATA, type AlertRule, type Finding, type RuleContext } from './rules/rule.ts'

/**
 * Applies the rules to a cabinet: raises an alert while a rule's condition
 * holds and clears it when the condition stops. Called after each message
 * for that cabinet, and for the whole fleet on a timer, because time alone
 * makes some conditions true (offline, expiry, overdue self-test).
 *
 * An alert is closed as superseded, with no all-clear, when what replaces
 * it is not "all clear": a finding that starts a new incident (more severe,
 * or another direction of temperature), or a warning on a part (battery,
 * pads) that has a critical alert open. Only active cabinets are judged:
 * planned and retired ones raise nothing.
 */
export class RuleEvaluator {
  constructor (
    private readonly rules: readonly AlertRule[],
    private readonly fleet: FleetView,
    private readonly book: AlertBook,
    private readonly clock: Clock,
    private readonly monitorStartedMs = clock.now()
  ) {}

  evaluateCabinet (cabinet: TrackedCabinet): void {
    if (cabinet.definition.status !== 'active') return
    const nowMs = this.clock.now()
    const cabinetId = cabinet.definition.id
    // One context for every rule, its `live` changed per rule: rules are pure and keep nothing of it, and this runs for every cabinet on every tick.
    const context: RuleContext = {
      cabinet,
      nowMs,
      timeZone: this.fleet.fleet.timezone,
      inMaintenance: inMaintenance(cabinet, nowMs),
      monitorStartedMs: this.monitorStartedMs,
      live: undefined
    }
    for (const rule of this.rules) {
      const live = context.live = this.book.liveFor(cabinetId, rule.kind)
      const finding = rule.evaluate(context)
      if (finding === NO_DATA) continue
      if (finding === undefined) {
        if (live !== undefined) this.book.clear(cabinetId, rule.kind, nowMs, this.criticalOnPart(cabinetId, rule.kind) ? SUPERSEDED : 'system')
        continue
      }
      if (live !== undefined && !live.task && !continues(rule, live, finding)) this.book.resolve(live.id, SUPERSEDED, nowMs)
      this.book.raise({ cabinetId, kind: rule.kind, severity: finding.severity, facts: finding.facts }, nowMs)
    }
    // A warning on a part that now has a critical alert gives way to it.
    for (const kind of PART_KINDS) {
      const alert = this.book.liveFor(cabinetId, kind)
      if (alert !== undefined && alert.severity !== 'critical' && this.criticalOnPart(cabinetId, kind)) this.book.resolve(alert.id, SUPERSEDED, nowMs)
    }
  }

  evaluateAll (): void {
    for (const cabinet of this.fleet.all()) this.evaluateCabinet(cabinet)
  }

  /** Whether another kind on the same part of this cabinet has a critical alert open. */
  private criticalOnPart (cabinetId: string, kind: AlertKind): boolean {
    const part = partOf(kind)
    if (part === undefined) return false
    return PART_KINDS.some(other => other !== kind && partOf(other) === part && this.book.liveFor(cabinetId, other)?.severity === 'critical')
  }
}

function continues (rule: AlertRule, live: Alert, finding: Finding): boolean {
  return rule.continues?.(live, finding) ?? !moreSevere(finding.severity, live.severity)
}
