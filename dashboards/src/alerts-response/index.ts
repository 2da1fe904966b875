import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import { aedDashboard, cabinetVariable, UID } from '../common.ts'
import { acknowledgementsByPersonTable, acknowledgementsTable } from './acknowledgements.ts'
import { alertsAcknowledgedStat, alertsByKindTimeseries, alertsOpenedStat, medianTimeToAcknowledgeStat, timeToAcknowledgeByKind } from './alerts.ts'
import { failedNotificationsStat, failedNotificationsTable, notificationsTimeseries, notificationTotals } from './notifications.ts'

/** "What needs doing this month, and are we responding?" */
export function alertsResponse (): dashboard.Dashboard {
  return aedDashboard('AED alerts and response', UID.alertsResponse)
    .description('Alerts over time, how fast people acknowledge them, and whether notifications get through.')
    .time({ from: 'now-30d', to: 'now' })
    .withVariable(cabinetVariable({ multi: true }))
    .withRow(new dashboard.RowBuilder('Alerts'))
    .withPanel(alertsOpenedStat())
    .withPanel(alertsAcknowledgedStat())
    .withPanel(medianTimeToAcknowledgeStat())
    .withPanel(failedNotificationsStat())
    .withPanel(alertsByKindTimeseries())
    .withPanel(timeToAcknowledgeByKind())
    .withRow(new dashboard.RowBuilder('Response'))
    .withPanel(acknowledgementsTable())
    .withPanel(acknowledgementsByPersonTable())
    .withRow(new dashboard.RowBuilder('Notifications'))
    .withPanel(notificationsTimeseries())
    .withPanel(notificationTotals())
    .withPanel(failedNotificationsTable())
    .build()
}
