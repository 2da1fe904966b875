import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import { alertsResponse } from './alerts-response/index.ts'
import { cabinetDetail } from './cabinet-detail/index.ts'
import { fleetOverview } from './fleet-overview/index.ts'

/** Every dashboard, by the file name it is provisioned from. */
export function buildDashboards (): Record<string, dashboard.Dashboard> {
  return {
    'fleet-overview.json': fleetOverview(),
    'cabinet-detail.json': cabinetDetail(),
    'alerts-response.json': alertsResponse()
  }
}

/** A dashboard as Grafana's provisioning reads it: stable key order is the SDK's, two-space indent, final newline. */
export function toJson (dashboard: dashboard.Dashboard): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`
}
