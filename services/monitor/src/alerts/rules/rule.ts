import type { Alert, AlertFacts, AlertKind, Severity } from '../alert.ts'
import type { TrackedCabinet } from '../../state/fleet-state.ts'

/** What a rule sees: one cabinet, now. */
export interface RuleContext {
  cabinet: TrackedCabinet
  nowMs: number
  timeZone: string
  /** True while a technician's maintenance window is open for the cabinet. */
  inMaintenance: boolean
  /** When the monitor started: a cabinet silent since then is judged from this time. */
  monitorStartedMs: number
  /** The rule's own live alert on this cabinet, if any (a condition that lasts may change with time). */
  live: Alert | undefined
}

/**
 * The rule cannot judge: the reading it needs has not arrived since the
 * monitor started. A live alert is then left as it is, so a restart does not
 * resolve what it cannot see yet.
 */
export const NO_DATA = Symbol('no data')

/** A condition is active when the rule returns a finding, clear when it returns undefined, unknown with NO_DATA. */
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
  evaluate (context: RuleContext): Finding | undefined | typeof NO_DATA
  /**
   * Whether a finding continues the live alert (updated in place) or is a new
   * incident: the live alert is closed as superseded, without an all-clear,
   * and a new one opens and is notified. By default a finding more severe
   * than the live alert is a new incident.
   */
  continues? (live: Alert, finding: Finding): boolean
}
