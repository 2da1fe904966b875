import type { FleetState } from '../state/fleet-state.ts'
import type { AlertBook, AlertTransition } from './alert-book.ts'

/**
 * After a real use the pads must be replaced and the AED checked. When a
 * door_open alert clears because the door closed, a post_use_inspection task
 * opens for the cabinet; it stays open until a technician resolves it. A door
 * opened during maintenance raised no door_open, so it leaves no task.
 */
export function raiseInspectionAfterUse (book: AlertBook, fleet: FleetState): (transition: AlertTransition) => void {
  return ({ alert, previous, by, atMs, updated }) => {
    if (alert.kind !== 'door_open' || alert.status !== 'resolved' || previous === 'resolved' || updated === true || by !== 'system') return
    const cabinet = fleet.get(alert.cabinetId)
    if (cabinet === undefined || cabinet.state.door !== 'closed') return
    if (cabinet.maintenanceUntilMs !== undefined && atMs < cabinet.maintenanceUntilMs) return
    book.raise({
      cabinetId: alert.cabinetId,
      kind: 'post_use_inspection',
      severity: 'warning',
      task: true,
      facts: { doorOpenedAt: alert.openedAt, doorClosedAt: new Date(atMs).toISOString(), doorAlertId: alert.id }
    }, atMs)
  }
}
