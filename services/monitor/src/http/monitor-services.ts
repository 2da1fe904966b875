import type { Clock } from '@aed/core/time'
import type { AlertActions } from '../alerts/alert-lifecycle.ts'
import type { MaintenanceActions } from '../alerts/maintenance-desk.ts'
import type { CabinetCommander } from '../commands/cabinet-commands.ts'
import type { MonitorHealth } from '../health/health-check.ts'
import type { MetricsExposition } from '../health/monitor-metrics.ts'
import type { ReadinessReportSource } from '../reports/readiness-reports.ts'
import type { FleetView } from '../state/fleet-state.ts'

/**
 * What the HTTP API may use of the monitor: each route plugin is given only
 * the services it needs, never the monitor itself.
 */
export interface MonitorServices {
  clock: Clock
  fleet: FleetView
  alerts: AlertActions
  maintenance: MaintenanceActions
  commands: CabinetCommander
  /** The monthly readiness reports. */
  reports: ReadinessReportSource
  health: () => MonitorHealth
  /** What /metrics serves: the Prometheus text and its content type. */
  metrics: () => Promise<MetricsExposition>
}
