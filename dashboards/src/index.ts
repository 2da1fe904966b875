import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import { alertsResponse } from './alerts-response/index.ts'
import { cabinetDetail } from './cabinet-detail/index.ts'
import type { DashboardName } from './common.ts'
import { fleetOverview } from './fleet-overview/index.ts'
import { LANGUAGES, type Language } from './languages.ts'

/** Every dashboard: what builds it, and the file it is provisioned from. */
const DASHBOARDS: Record<DashboardName, { file: string, build: (language: Language) => dashboard.Dashboard }> = {
  fleetOverview: { file: 'fleet-overview.json', build: fleetOverview },
  cabinetDetail: { file: 'cabinet-detail.json', build: cabinetDetail },
  alertsResponse: { file: 'alerts-response.json', build: alertsResponse }
}

/** Where a dashboard of a language is written, under dashboards/generated: `bg/fleet-overview.json`. */
export function dashboardPath (language: Language, name: DashboardName): string {
  return `${language.code}/${DASHBOARDS[name].file}`
}

/** One language's dashboards, by name. */
export function buildDashboards (language: Language): Record<DashboardName, dashboard.Dashboard> {
  return {
    fleetOverview: DASHBOARDS.fleetOverview.build(language),
    cabinetDetail: DASHBOARDS.cabinetDetail.build(language),
    alertsResponse: DASHBOARDS.alertsResponse.build(language)
  }
}

/** Every dashboard of every language, by its path under dashboards/generated. */
export function buildAllDashboards (): Record<string, dashboard.Dashboard> {
  const all: Record<string, dashboard.Dashboard> = {}
  for (const language of LANGUAGES) {
    for (const [name, board] of Object.entries(buildDashboards(language)) as Array<[DashboardName, dashboard.Dashboard]>) {
      all[dashboardPath(language, name)] = board
    }
  }
  return all
}

/** A dashboard as Grafana's provisioning reads it: stable key order is the SDK's, two-space indent, final newline. */
export function toJson (dashboard: dashboard.Dashboard): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`
}
