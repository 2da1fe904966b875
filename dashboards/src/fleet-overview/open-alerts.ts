import { MEASUREMENT } from '@aed/core/influx'
import * as common from '@grafana/grafana-foundation-sdk/common'
import * as table from '@grafana/grafana-foundation-sdk/table'
import { cabinetDetailLink, influxql, mergeSeries, organizeColumns, property, textMappings } from '../common.ts'

/** How far back an alert may have been opened and still be listed as open. */
export const OPEN_ALERT_LOOKBACK = '90d'

/**
 * Alerts whose latest event is not "resolved". A cabinet has at most one
 * alert of a kind at a time, so (cabinet, kind) identifies it; the latest
 * event of each pair is picked by last(), with its other fields. Independent
 * of the time picker: an alert opened last week is still open today.
 */
export const OPEN_ALERTS = `SELECT "status", "message", "by", "alert_id" FROM (SELECT last("status") AS "status", "message", "by", "alert_id" FROM "${MEASUREMENT.alertEvent}" WHERE time > now() - ${OPEN_ALERT_LOOKBACK} GROUP BY "cabinet", "kind", "severity") WHERE "status" <> 'resolved' GROUP BY "cabinet", "kind", "severity"`

export const SEVERITY_MAPPINGS = textMappings({ critical: ['Critical', 'red'], warning: ['Warning', 'orange'], info: ['Info', 'blue'] })
export const ALERT_STATUS_MAPPINGS = textMappings({ open: ['Open', 'red'], acknowledged: ['Acknowledged', 'orange'], resolved: ['Resolved', 'green'] })

export function openAlertsTable (): table.PanelBuilder {
  return new table.PanelBuilder()
    .title('Open alerts')
    .description('Alerts not resolved yet, newest change first. "Acknowledged" means someone took it on; it stays here until the cabinet is ready again.')
    .withTarget(influxql(OPEN_ALERTS).asTable().refId('A'))
    .withTransformation(mergeSeries())
    .withTransformation(organizeColumns([
      ['Time', 'Last change'], ['severity', 'Severity'], ['cabinet', 'Cabinet'], ['kind', 'Alert'],
      ['status', 'Status'], ['by', 'Acknowledged by'], ['message', 'Message'], ['alert_id', 'Alert id']
    ], []))
    .height(12)
    .span(10)
    .cellHeight(common.TableCellHeight.Sm)
    .noValue('No open alerts')
    .sortBy([new common.TableSortByFieldStateBuilder().displayName('Last change').desc(true)])
    .overrideByName('cabinet', [cabinetDetailLink()])
    .overrideByName('severity', [property.mappings(SEVERITY_MAPPINGS), property.colorBackground(), property.width(90)])
    .overrideByName('status', [property.mappings(ALERT_STATUS_MAPPINGS), property.colorText(), property.width(110)])
    .overrideByName('Time', [property.unit('dateTimeFromNow'), property.width(110)])
}
