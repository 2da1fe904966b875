import { MEASUREMENT } from '@aed/core/influx'
import * as common from '@grafana/grafana-foundation-sdk/common'
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import * as table from '@grafana/grafana-foundation-sdk/table'
import {
  ALERT_STATUS_COLORS, INFLUXDB, influxql, mergeSeries, organizeColumns, property, SELECTED_CABINETS, SELFTEST_COLORS, SEVERITY_COLORS, valueMappings
} from '../common.ts'
import type { Language } from '../languages.ts'

export const SELFTEST_HISTORY = `SELECT "result", "kind", "faults", "fault_count" FROM "${MEASUREMENT.selftest}" WHERE ${SELECTED_CABINETS} AND $timeFilter ORDER BY time DESC`

export function selftestTable (language: Language): table.PanelBuilder {
  const { text } = language
  const column = text.columns
  return new table.PanelBuilder()
    .title(text.cabinetDetail.selftests.title)
    .description(text.cabinetDetail.selftests.description)
    .withTarget(influxql(SELFTEST_HISTORY).asTable().refId('A'))
    .withTransformation(organizeColumns([
      ['Time', column.when], ['result', column.result], ['kind', column.kind], ['faults', column.faultCodes], ['fault_count', column.faults]
    ], []))
    .height(9)
    .span(12)
    .cellHeight(common.TableCellHeight.Sm)
    .noValue(text.cabinetDetail.selftests.empty)
    .overrideByName('result', [property.mappings(valueMappings(text.values.selftestResult, SELFTEST_COLORS)), property.colorBackground(), property.width(100)])
    .overrideByName('kind', [property.mappings(valueMappings(text.values.selftestKind))])
}

export const ALERT_HISTORY = `SELECT "status", "message", "by", "ack_after_s" FROM "${MEASUREMENT.alertEvent}" WHERE ${SELECTED_CABINETS} AND $timeFilter GROUP BY "kind", "severity" ORDER BY time DESC`

export function alertHistoryTable (language: Language): table.PanelBuilder {
  const { text } = language
  const column = text.columns
  return new table.PanelBuilder()
    .title(text.cabinetDetail.alertHistory.title)
    .description(text.cabinetDetail.alertHistory.description)
    .withTarget(influxql(ALERT_HISTORY).asTable().refId('A'))
    .withTransformation(mergeSeries())
    .withTransformation(organizeColumns([
      ['Time', column.when], ['kind', column.alert], ['severity', column.severity], ['status', column.event], ['by', column.by],
      ['ack_after_s', column.acknowledgedAfter], ['message', column.message]
    ], []))
    .height(9)
    .span(12)
    .cellHeight(common.TableCellHeight.Sm)
    .noValue(text.cabinetDetail.alertHistory.empty)
    .sortBy([new common.TableSortByFieldStateBuilder().displayName(column.when).desc(true)])
    .overrideByName('kind', [property.mappings(valueMappings(text.values.alertKind))])
    .overrideByName('severity', [property.mappings(valueMappings(text.values.severity, SEVERITY_COLORS)), property.colorText()])
    .overrideByName('status', [property.mappings(valueMappings(text.values.alertStatus, ALERT_STATUS_COLORS)), property.colorText()])
    .overrideByName('ack_after_s', [property.unit(text.units.duration)])
}

/**
 * Alert events as annotations on every time panel of the cabinet. The tags
 * are the values as stored (`battery_low`, `open`): Grafana maps no values
 * on annotations.
 */
export const ALERT_ANNOTATIONS = `SELECT "message", "status", "kind", "severity" FROM "${MEASUREMENT.alertEvent}" WHERE ${SELECTED_CABINETS} AND $timeFilter`

export function alertAnnotations (language: Language): dashboard.AnnotationQueryBuilder {
  return new dashboard.AnnotationQueryBuilder()
    .name(language.text.cabinetDetail.alertAnnotations)
    .datasource(INFLUXDB)
    .enable(true)
    .iconColor('red')
    .target(influxql(ALERT_ANNOTATIONS).fromAnnotations(true).textColumn('message').tagsColumn('kind,status,severity').refId('A'))
}
