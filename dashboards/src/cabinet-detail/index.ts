import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import { aedDashboard, cabinetVariable } from '../common.ts'
import type { Language } from '../languages.ts'
import { batteryTimeseries, doorTimeline, readinessTimeline, temperatureTimeseries } from './history.ts'
import { consumablesStat, readinessStat } from './now.ts'
import { alertAnnotations, alertHistoryTable, selftestTable } from './records.ts'

/** One cabinet: what state it is in, and what happened to it. */
export function cabinetDetail (language: Language): dashboard.Dashboard {
  const rows = language.text.cabinetDetail.rows
  return aedDashboard(language, 'cabinetDetail')
    .time({ from: 'now-7d', to: 'now' })
    .withVariable(cabinetVariable(language, { multi: false }))
    .annotation(alertAnnotations(language))
    .withRow(new dashboard.RowBuilder(rows.now))
    .withPanel(readinessStat(language))
    .withPanel(consumablesStat(language))
    .withRow(new dashboard.RowBuilder(rows.overTime))
    .withPanel(readinessTimeline(language))
    .withPanel(doorTimeline(language))
    .withPanel(batteryTimeseries(language))
    .withPanel(temperatureTimeseries(language))
    .withRow(new dashboard.RowBuilder(rows.records))
    .withPanel(selftestTable(language))
    .withPanel(alertHistoryTable(language))
    .build()
}
