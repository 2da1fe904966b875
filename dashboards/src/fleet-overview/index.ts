import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import { aedDashboard } from '../common.ts'
import type { Language } from '../languages.ts'
import { cabinetsMap, cabinetsTable } from './cabinets.ts'
import { openAlertsTable } from './open-alerts.ts'
import { inUseCount, notReadyCount, offlineCount, plannedCount, readyCount } from './readiness-counts.ts'

/** "Is every AED rescue-ready right now?" */
export function fleetOverview (language: Language): dashboard.Dashboard {
  const rows = language.text.fleetOverview.rows
  return aedDashboard(language, 'fleetOverview')
    .withRow(new dashboard.RowBuilder(rows.now))
    .withPanel(readyCount(language))
    .withPanel(notReadyCount(language))
    .withPanel(inUseCount(language))
    .withPanel(offlineCount(language))
    .withPanel(plannedCount(language))
    .withPanel(cabinetsTable(language))
    .withRow(new dashboard.RowBuilder(rows.whereAndOpen))
    .withPanel(cabinetsMap(language))
    .withPanel(openAlertsTable(language))
    .build()
}
