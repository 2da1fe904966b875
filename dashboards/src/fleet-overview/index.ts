import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import { aedDashboard, UID } from '../common.ts'
import { cabinetsMap, cabinetsTable } from './cabinets.ts'
import { openAlertsTable } from './open-alerts.ts'
import { inUseCount, notReadyCount, offlineCount, plannedCount, readyCount } from './readiness-counts.ts'

/** "Is every AED rescue-ready right now?" */
export function fleetOverview (): dashboard.Dashboard {
  return aedDashboard('AED fleet overview', UID.fleetOverview)
    .description('Readiness of every AED cabinet now, what needs doing, and open alerts.')
    .withRow(new dashboard.RowBuilder('Right now'))
    .withPanel(readyCount())
    .withPanel(notReadyCount())
    .withPanel(inUseCount())
    .withPanel(offlineCount())
    .withPanel(plannedCount())
    .withPanel(cabinetsTable())
    .withRow(new dashboard.RowBuilder('Where, and what is open'))
    .withPanel(cabinetsMap())
    .withPanel(openAlertsTable())
    .build()
}
