import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import { aedDashboard, cabinetVariable } from '../common.ts'
import type { Language } from '../languages.ts'
import { acknowledgementsByPersonTable, acknowledgementsTable } from './acknowledgements.ts'
import { alertsAcknowledgedStat, alertsByKindTimeseries, alertsOpenedStat, medianTimeToAcknowledgeStat, timeToAcknowledgeByKind } from './alerts.ts'
import { failedNotificationsStat, failedNotificationsTable, notificationsTimeseries, notificationTotals } from './notifications.ts'

/** "What needs doing this month, and are we responding?" */
export function alertsResponse (language: Language): dashboard.Dashboard {
  const rows = language.text.alertsResponse.rows
  return aedDashboard(language, 'alertsResponse')
    .time({ from: 'now-30d', to: 'now' })
    .withVariable(cabinetVariable(language, { multi: true }))
    .withRow(new dashboard.RowBuilder(rows.alerts))
    .withPanel(alertsOpenedStat(language))
    .withPanel(alertsAcknowledgedStat(language))
    .withPanel(medianTimeToAcknowledgeStat(language))
    .withPanel(failedNotificationsStat(language))
    .withPanel(alertsByKindTimeseries(language))
    .withPanel(timeToAcknowledgeByKind(language))
    .withRow(new dashboard.RowBuilder(rows.response))
    .withPanel(acknowledgementsTable(language))
    .withPanel(acknowledgementsByPersonTable(language))
    .withRow(new dashboard.RowBuilder(rows.notifications))
    .withPanel(notificationsTimeseries(language))
    .withPanel(notificationTotals(language))
    .withPanel(failedNotificationsTable(language))
    .build()
}
