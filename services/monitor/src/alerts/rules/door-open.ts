import { NO_DATA, type AlertRule } from './rule.ts'

/**
 * The door is open: the AED may be in use on someone in cardiac arrest, or
 * the cabinet is being vandalised. Critical and immediate. A technician's
 * maintenance window suppresses it.
 */
export const doorOpenRule: AlertRule = {
  kind: 'door_open',
  evaluate ({ cabinet, inMaintenance }) {
    if (cabinet.state.door === undefined) return NO_DATA
    if (inMaintenance || cabinet.state.door !== 'open') return undefined
    return { severity: 'critical', facts: { openedAt: new Date(cabinet.state.doorAt.atMs).toISOString() } }
  }
}
