import { LATE_AFTER_MS } from '../../state/reading-time.ts'
import { NO_DATA, type AlertRule } from './rule.ts'

/**
 * The door is open: the AED may be in use on someone in cardiac arrest, or
 * the cabinet is being vandalised. Critical and immediate. A technician's
 * maintenance window suppresses it. An opening that reaches the monitor late
 * (queued while the cabinet was offline) says when it was reported.
 */
export const doorOpenRule: AlertRule = {
  kind: 'door_open',
  evaluate ({ cabinet, inMaintenance }) {
    if (cabinet.state.door === undefined) return NO_DATA
    if (inMaintenance || cabinet.state.door !== 'open') return undefined
    const { atMs, receivedMs } = cabinet.state.doorAt
    const facts: Record<string, string> = { openedAt: new Date(atMs).toISOString() }
    if (receivedMs - atMs >= LATE_AFTER_MS) facts.reportedAt = new Date(receivedMs).toISOString()
    return { severity: 'critical', facts }
  }
}
