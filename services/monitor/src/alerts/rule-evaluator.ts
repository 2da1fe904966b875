import type { Clock } from '@aed/core/time'
import type { FleetView, TrackedCabinet } from '../state/fleet-state.ts'
import { inMaintenance } from '../state/maintenance-window.ts'
import type { AlertBook } from './alert-book.ts'
import { NO_DATA, type AlertRule } from './rules/rule.ts'

/**
 * Applies the rules to a cabinet: raises an alert while a rule's condition
 * holds and clears it when the condition stops. Called after each message
 * for that cabinet, and for the whole fleet on a timer, because time alone
 * makes some conditions true (offline, expiry, overdue self-test).
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
    const nowMs = this.clock.now()
    const context = {
      cabinet,
      nowMs,
      timeZone: this.fleet.fleet.timezone,
      inMaintenance: inMaintenance(cabinet, nowMs),
      monitorStartedMs: this.monitorStartedMs
    }
    for (const rule of this.rules) {
      const finding = rule.evaluate(context)
      if (finding === NO_DATA) continue
      if (finding === undefined) this.book.clear(cabinet.definition.id, rule.kind, nowMs)
      else this.book.raise({ cabinetId: cabinet.definition.id, kind: rule.kind, severity: finding.severity, facts: finding.facts }, nowMs)
    }
  }

  evaluateAll (): void {
    for (const cabinet of this.fleet.all()) this.evaluateCabinet(cabinet)
  }
}
