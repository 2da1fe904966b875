import type { AlertFacts, AlertKind, Severity } from '../alert.ts'
import type { TrackedCabinet } from '../../state/fleet-state.ts'

/** What a rule sees: one cabinet, now. */
export interface RuleContext {
  cabinet: TrackedCabinet
  nowMs: number
  timeZone: string
  /** True while a technician's maintenance window is open for the cabinet. */
  inMaintenance: boolean
}

/** A condition is active when the rule returns a finding, and clear when it returns undefined. */
export interface Finding {
  severity: Severity
  facts: AlertFacts
}

/**
 * A condition on one cabinet's state. Rules are pure: the evaluator raises
 * an alert while the condition holds and resolves it when it stops.
 */
export interface AlertRule {
  kind: AlertKind
  evaluate (context: RuleContext): Finding | undefined
}
