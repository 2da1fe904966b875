import type { Alert, AlertStatus } from '../alerts/alert.ts'

const STATUS_RANK: Record<AlertStatus, number> = { open: 0, acknowledged: 1, resolved: 2 }

/** An acknowledgement or a resolution made through any replica's API. */
export interface PersonAction {
  by: string
  atMs: number
}

/**
 * One alert as the replica group knows it: the owner's last state, and the
 * acknowledgement and resolution anyone made, each kept in its own field
 * (first one wins) so that the owner writing its state and another replica
 * acknowledging at the same moment do not overwrite each other.
 */
export interface SharedAlert {
  state: Alert
  ack?: PersonAction | undefined
  resolve?: PersonAction | undefined
}

/** The alert with the actions of people folded into the owner's state. */
export function composeShared ({ state, ack, resolve }: SharedAlert): Alert {
  let alert = { ...state }
  if (ack !== undefined) alert = mergeAlerts(alert, { ...state, status: 'acknowledged', acknowledgedBy: ack.by, acknowledgedAt: iso(ack.atMs), updatedAt: state.updatedAt })
  if (resolve !== undefined) alert = mergeAlerts(alert, { ...state, status: 'resolved', resolvedBy: resolve.by, resolvedAt: iso(resolve.atMs), updatedAt: state.updatedAt })
  return alert
}

/**
 * Two views of the same alert, merged so that the order in which they
 * arrive does not matter: status only moves forward (open → acknowledged →
 * resolved), the escalation level only rises, the first acknowledgement and
 * resolution stand, and facts and severity come from the later update.
 */
export function mergeAlerts (a: Alert, b: Alert): Alert {
  const newer = b.updatedAt > a.updatedAt ? b : a
  const status = STATUS_RANK[a.status] >= STATUS_RANK[b.status] ? a.status : b.status
  const merged: Alert = {
    ...newer,
    status,
    escalationLevel: Math.max(a.escalationLevel, b.escalationLevel)
  }
  const acknowledged = earliest(a.acknowledgedAt, b.acknowledgedAt) === a.acknowledgedAt ? a : b
  if (acknowledged.acknowledgedAt !== undefined) {
    merged.acknowledgedAt = acknowledged.acknowledgedAt
    if (acknowledged.acknowledgedBy !== undefined) merged.acknowledgedBy = acknowledged.acknowledgedBy
  }
  const resolved = earliest(a.resolvedAt, b.resolvedAt) === a.resolvedAt ? a : b
  if (resolved.resolvedAt !== undefined) {
    merged.resolvedAt = resolved.resolvedAt
    if (resolved.resolvedBy !== undefined) merged.resolvedBy = resolved.resolvedBy
  }
  return merged
}

function earliest (a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  return a <= b ? a : b
}

function iso (ms: number): string {
  return new Date(ms).toISOString()
}
