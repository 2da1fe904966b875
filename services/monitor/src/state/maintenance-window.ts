/**
 * Whether a technician's maintenance window is open at `atMs`. The one place
 * this is decided: readiness, the rules and the post-use task all ask here.
 * `maintenanceUntilMs` is the window's end (Infinity: until ended).
 */
export function inMaintenance (cabinet: { maintenanceUntilMs?: number | undefined }, atMs: number): boolean {
  return cabinet.maintenanceUntilMs !== undefined && atMs < cabinet.maintenanceUntilMs
}
