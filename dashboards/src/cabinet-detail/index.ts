import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import { aedDashboard, cabinetVariable, UID } from '../common.ts'
import { batteryTimeseries, doorTimeline, readinessTimeline, temperatureTimeseries } from './history.ts'
import { consumablesStat, readinessStat } from './now.ts'
import { alertAnnotations, alertHistoryTable, selftestTable } from './records.ts'

/** One cabinet: what state it is in, and what happened to it. */
export function cabinetDetail (): dashboard.Dashboard {
  return aedDashboard('AED cabinet', UID.cabinetDetail)
    .description('One cabinet in detail: readiness, door, battery, temperature, self-tests and alerts.')
    .time({ from: 'now-7d', to: 'now' })
    .withVariable(cabinetVariable({ multi: false }))
    .annotation(alertAnnotations())
    .withRow(new dashboard.RowBuilder('Now'))
    .withPanel(readinessStat())
    .withPanel(consumablesStat())
    .withRow(new dashboard.RowBuilder('Over time'))
    .withPanel(readinessTimeline())
    .withPanel(doorTimeline())
    .withPanel(batteryTimeseries())
    .withPanel(temperatureTimeseries())
    .withRow(new dashboard.RowBuilder('Records'))
    .withPanel(selftestTable())
    .withPanel(alertHistoryTable())
    .build()
}
