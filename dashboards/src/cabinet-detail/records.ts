import { MEASUREMENT } from '@aed/core/influx'
import * as common from '@grafana/grafana-foundation-sdk/common'
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import * as table from '@grafana/grafana-foundation-sdk/table'
import { INFLUXDB, influxql, mergeSeries, organizeColumns, property, SELECTED_CABINETS, textMappings } from '../common.ts'
import { ALERT_STATUS_MAPPINGS, SEVERITY_MAPPINGS } from '../fleet-overview/open-alerts.ts'

export const SELFTEST_HISTORY = `SELECT "result", "kind", "faults", "fault_count" FROM "${MEASUREMENT.selftest}" WHERE ${SELECTED_CABINETS} AND $timeFilter ORDER BY time DESC`

export function selftestTable (): table.PanelBuilder {
  return new table.PanelBuilder()
    .title('Self-tests')
    .description('Every self-test result the AED reported, newest first, with its fault codes.')
    .withTarget(influxql(SELFTEST_HISTORY).asTable().refId('A'))
    .withTransformation(organizeColumns([['Time', 'When'], ['result', 'Result'], ['kind', 'Kind'], ['faults', 'Fault codes'], ['fault_count', 'Faults']], []))
    .height(9)
    .span(12)
    .cellHeight(common.TableCellHeight.Sm)
    .noValue('No self-test in this range')
    .overrideByName('result', [property.mappings(textMappings({ pass: ['Pass', 'green'], fail: ['Fail', 'red'] })), property.colorBackground(), property.width(80)])
}

export const ALERT_HISTORY = `SELECT "status", "message", "by", "ack_after_s" FROM "${MEASUREMENT.alertEvent}" WHERE ${SELECTED_CABINETS} AND $timeFilter GROUP BY "kind", "severity" ORDER BY time DESC`

export function alertHistoryTable (): table.PanelBuilder {
  return new table.PanelBuilder()
    .title('Alert history')
    .description('Every alert event of this cabinet: opened, acknowledged (by whom, how fast) and resolved.')
    .withTarget(influxql(ALERT_HISTORY).asTable().refId('A'))
    .withTransformation(mergeSeries())
    .withTransformation(organizeColumns([
      ['Time', 'When'], ['kind', 'Alert'], ['severity', 'Severity'], ['status', 'Event'], ['by', 'By'],
      ['ack_after_s', 'Acknowledged after'], ['message', 'Message']
    ], []))
    .height(9)
    .span(12)
    .cellHeight(common.TableCellHeight.Sm)
    .noValue('No alerts in this range')
    .sortBy([new common.TableSortByFieldStateBuilder().displayName('When').desc(true)])
    .overrideByName('severity', [property.mappings(SEVERITY_MAPPINGS), property.colorText()])
    .overrideByName('status', [property.mappings(ALERT_STATUS_MAPPINGS), property.colorText()])
    .overrideByName('ack_after_s', [property.unit('s')])
}

/** Alert events as annotations on every time panel of the cabinet. */
export const ALERT_ANNOTATIONS = `SELECT "message", "status", "kind", "severity" FROM "${MEASUREMENT.alertEvent}" WHERE ${SELECTED_CABINETS} AND $timeFilter`

export function alertAnnotations (): dashboard.AnnotationQueryBuilder {
  return new dashboard.AnnotationQueryBuilder()
    .name('Alerts')
    .datasource(INFLUXDB)
    .enable(true)
    .iconColor('red')
    .target(influxql(ALERT_ANNOTATIONS).fromAnnotations(true).textColumn('message').tagsColumn('kind,status,severity').refId('Alerts'))
}
