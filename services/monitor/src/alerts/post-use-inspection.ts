import type { FleetView } from '../state/fleet-state.ts'
import { inMaintenance } from '../state/maintenance-window.ts'
import type { AlertBook, AlertTransition } from './alert-book.ts'

/**
 * After a real use the pads must be replaced and the AED checked. When a
 * door_open alert clears because the door closed, a post_use_inspection task
 * opens for the cabinet; it stays open until a technician resolves it. A door
 * opened during maintenance raised no door_open, so it leaves no task.
 * The AlertBook delivers the task's opening after the door's resolution has
 * reached every listener.
 */
export function raiseInspectionAfterUse (book: AlertBook, fleet: FleetView): (transition: AlertTransition) => void {
  return ({ alert, change, by, atMs }) => {
    if (alert.kind !== 'door_open' || change !== 'resolved' || by !== 'system') return
    const cabinet = fleet.get(alert.cabinetId)
    if (cabinet === undefined || cabinet.state.door !== 'closed') return
    if (inMaintenance(cabinet, atMs)) return
    book.raise({
      cabinetId: alert.cabinetId,
      kind: 'post_use_inspection',
      severity: 'warning',
      task: true,
      facts: { doorOpenedAt: alert.openedAt, doorClosedAt: new Date(atMs).toISOString(), doorAlertId: alert.id }
    }, atMs)
  }
}
