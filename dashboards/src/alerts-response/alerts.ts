import { MEASUREMENT } from '@aed/core/influx'
import * as common from '@grafana/grafana-foundation-sdk/common'
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge'
import * as stat from '@grafana/grafana-foundation-sdk/stat'
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries'
import { influxql, property, SELECTED_CABINETS, stackedBarsTimeseries, thresholds, totalStat, withSeriesNames } from '../common.ts'
import type { Language } from '../languages.ts'

const ALERT_EVENT = MEASUREMENT.alertEvent

/**
 * An alert writes an `open` event when raised and again when its facts are
 * updated, so alerts are counted by distinct id.
 */
export const ALERTS_OPENED = `SELECT count(distinct("alert_id")) AS "opened" FROM "${ALERT_EVENT}" WHERE "status" = 'open' AND ${SELECTED_CABINETS} AND $timeFilter`

export function alertsOpenedStat (language: Language): stat.PanelBuilder {
  return totalStat(language.text.alertsResponse.alertsOpened, ALERTS_OPENED, [[null, 'text']])
}

export const ALERTS_ACKNOWLEDGED = `SELECT count(distinct("alert_id")) AS "acknowledged" FROM "${ALERT_EVENT}" WHERE "status" = 'acknowledged' AND ${SELECTED_CABINETS} AND $timeFilter`

export function alertsAcknowledgedStat (language: Language): stat.PanelBuilder {
  return totalStat(language.text.alertsResponse.acknowledged, ALERTS_ACKNOWLEDGED, [[null, 'text']])
}

export const MEDIAN_TIME_TO_ACKNOWLEDGE = `SELECT median("ack_after_s") AS "median" FROM "${ALERT_EVENT}" WHERE "status" = 'acknowledged' AND ${SELECTED_CABINETS} AND $timeFilter`

export function medianTimeToAcknowledgeStat (language: Language): stat.PanelBuilder {
  return totalStat(language.text.alertsResponse.medianTimeToAcknowledge, MEDIAN_TIME_TO_ACKNOWLEDGE, [[null, 'text']])
    .unit(language.text.units.duration)
    .decimals(0)
    .noValue('–')
    .thresholds(thresholds([[null, 'green'], [600, 'orange'], [1800, 'red']]))
}

/** Alerts opened per interval and kind; at least an hour per bar so a month stays readable. */
export const ALERTS_BY_KIND = `SELECT count(distinct("alert_id")) AS "alerts" FROM "${ALERT_EVENT}" WHERE "status" = 'open' AND ${SELECTED_CABINETS} AND $timeFilter GROUP BY time($__interval), "kind" fill(none)`

export function alertsByKindTimeseries (language: Language): timeseries.PanelBuilder {
  const panel = stackedBarsTimeseries(language.text.alertsResponse.alertsByKind, influxql(ALERTS_BY_KIND).alias('$tag_kind').refId('A'))
    .legend(new common.VizLegendOptionsBuilder().displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Right).showLegend(true))
  return withSeriesNames(panel, alertKindNames(language))
}

/** A series per alert kind (alias `$tag_kind`), named in the language. */
export function alertKindNames (language: Language): Array<[string, dashboard.DynamicConfigValue[]]> {
  return Object.entries(language.text.values.alertKind).map(([kind, name]) => [kind, [property.displayName(name)]])
}

export const TIME_TO_ACKNOWLEDGE_BY_KIND = `SELECT mean("ack_after_s") AS "mean" FROM "${ALERT_EVENT}" WHERE "status" = 'acknowledged' AND ${SELECTED_CABINETS} AND $timeFilter GROUP BY "kind"`

export function timeToAcknowledgeByKind (language: Language): bargauge.PanelBuilder {
  const { text } = language
  const panel = new bargauge.PanelBuilder()
    .title(text.alertsResponse.timeToAcknowledgeByKind.title)
    .description(text.alertsResponse.timeToAcknowledgeByKind.description)
    .withTarget(influxql(TIME_TO_ACKNOWLEDGE_BY_KIND).alias('$tag_kind').refId('A'))
    .height(9)
    .span(10)
    .unit(text.units.duration)
    .decimals(0)
    .min(0)
    .orientation(common.VizOrientation.Horizontal)
    .displayMode(common.BarGaugeDisplayMode.Basic)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .thresholds(thresholds([[null, 'green'], [600, 'orange'], [1800, 'red']]))
  return withSeriesNames(panel, alertKindNames(language))
}
