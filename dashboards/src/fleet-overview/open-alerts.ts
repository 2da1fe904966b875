import { MEASUREMENT } from '@aed/core/influx'
import * as common from '@grafana/grafana-foundation-sdk/common'
import * as table from '@grafana/grafana-foundation-sdk/table'
import {
  ALERT_STATUS_COLORS, cabinetDetailLink, influxql, mergeSeries, organizeColumns, property, SEVERITY_COLORS, valueMappings
} from '../common.ts'
import type { Language } from '../languages.ts'

/** How far back an alert may have been opened and still be listed as open. */
export const OPEN_ALERT_LOOKBACK = '90d'

/**
 * Alerts whose latest event is not "resolved". A cabinet has at most one
 * alert of a kind at a time, so (cabinet, kind) identifies it; the latest
 * event of each pair is picked by last(), with its other fields. Independent
 * of the time picker: an alert opened last week is still open today.
 */
export const OPEN_ALERTS = `SELECT "status", "message", "by", "alert_id" FROM (SELECT last("status") AS "status", "message", "by", "alert_id" FROM "${MEASUREMENT.alertEvent}" WHERE time > now() - ${OPEN_ALERT_LOOKBACK} GROUP BY "cabinet", "kind", "severity") WHERE "status" <> 'resolved' GROUP BY "cabinet", "kind", "severity"`

export function openAlertsTable (language: Language): table.PanelBuilder {
  const { text } = language
  const column = text.columns
  return new table.PanelBuilder()
    .title(text.fleetOverview.openAlerts.title)
    .description(text.fleetOverview.openAlerts.description)
    .withTarget(influxql(OPEN_ALERTS).asTable().refId('A'))
    .withTransformation(mergeSeries())
    .withTransformation(organizeColumns([
      ['Time', column.lastChange], ['severity', column.severity], ['cabinet', column.cabinet], ['kind', column.alert],
      ['status', column.status], ['by', column.acknowledgedBy], ['message', column.message], ['alert_id', column.alertId]
    ], []))
    .height(12)
    .span(10)
    .cellHeight(common.TableCellHeight.Sm)
    .noValue(text.fleetOverview.openAlerts.empty)
    .sortBy([new common.TableSortByFieldStateBuilder().displayName(column.lastChange).desc(true)])
    .overrideByName('cabinet', [cabinetDetailLink(language)])
    .overrideByName('kind', [property.mappings(valueMappings(text.values.alertKind))])
    .overrideByName('severity', [property.mappings(valueMappings(text.values.severity, SEVERITY_COLORS)), property.colorBackground(), property.width(90)])
    .overrideByName('status', [property.mappings(valueMappings(text.values.alertStatus, ALERT_STATUS_COLORS)), property.colorText(), property.width(110)])
    .overrideByName('Time', [property.unit('dateTimeFromNow'), property.width(110)])
}
