import { MEASUREMENT } from '@aed/core/influx'
import * as common from '@grafana/grafana-foundation-sdk/common'
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge'
import * as stat from '@grafana/grafana-foundation-sdk/stat'
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries'
import { influxql, SELECTED_CABINETS, stackedBarsTimeseries, thresholds, totalStat } from '../common.ts'

const ALERT_EVENT = MEASUREMENT.alertEvent

/**
 * An alert writes an `open` event when raised and again when its facts are
 * updated, so alerts are counted by distinct id.
 */
export const ALERTS_OPENED = `SELECT count(distinct("alert_id")) AS "opened" FROM "${ALERT_EVENT}" WHERE "status" = 'open' AND ${SELECTED_CABINETS} AND $timeFilter`

export function alertsOpenedStat (): stat.PanelBuilder {
  return totalStat('Alerts opened', 'Alerts raised in the time range.', ALERTS_OPENED, [[null, 'text']])
}

export const ALERTS_ACKNOWLEDGED = `SELECT count(distinct("alert_id")) AS "acknowledged" FROM "${ALERT_EVENT}" WHERE "status" = 'acknowledged' AND ${SELECTED_CABINETS} AND $timeFilter`

export function alertsAcknowledgedStat (): stat.PanelBuilder {
  return totalStat('Acknowledged', 'Alerts someone took on in the time range.', ALERTS_ACKNOWLEDGED, [[null, 'text']])
}

export const MEDIAN_TIME_TO_ACKNOWLEDGE = `SELECT median("ack_after_s") AS "median" FROM "${ALERT_EVENT}" WHERE "status" = 'acknowledged' AND ${SELECTED_CABINETS} AND $timeFilter`

export function medianTimeToAcknowledgeStat (): stat.PanelBuilder {
  return totalStat('Median time to acknowledge', 'From an alert being raised to a person acknowledging it.', MEDIAN_TIME_TO_ACKNOWLEDGE, [[null, 'text']])
    .unit('s')
    .decimals(0)
    .noValue('–')
    .thresholds(thresholds([[null, 'green'], [600, 'orange'], [1800, 'red']]))
}

/** Alerts opened per interval and kind; at least an hour per bar so a month stays readable. */
export const ALERTS_BY_KIND = `SELECT count(distinct("alert_id")) AS "alerts" FROM "${ALERT_EVENT}" WHERE "status" = 'open' AND ${SELECTED_CABINETS} AND $timeFilter GROUP BY time($__interval), "kind" fill(none)`

export function alertsByKindTimeseries (): timeseries.PanelBuilder {
  return stackedBarsTimeseries('Alerts opened, by kind', influxql(ALERTS_BY_KIND).alias('$tag_kind').refId('A'))
    .legend(new common.VizLegendOptionsBuilder().displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Right).showLegend(true))
}

export const TIME_TO_ACKNOWLEDGE_BY_KIND = `SELECT mean("ack_after_s") AS "mean" FROM "${ALERT_EVENT}" WHERE "status" = 'acknowledged' AND ${SELECTED_CABINETS} AND $timeFilter GROUP BY "kind"`

export function timeToAcknowledgeByKind (): bargauge.PanelBuilder {
  return new bargauge.PanelBuilder()
    .title('Mean time to acknowledge, by kind')
    .withTarget(influxql(TIME_TO_ACKNOWLEDGE_BY_KIND).alias('$tag_kind').refId('A'))
    .height(9)
    .span(10)
    .unit('s')
    .decimals(0)
    .min(0)
    .orientation(common.VizOrientation.Horizontal)
    .displayMode(common.BarGaugeDisplayMode.Basic)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .thresholds(thresholds([[null, 'green'], [600, 'orange'], [1800, 'red']]))
}
