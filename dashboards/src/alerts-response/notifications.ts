import { MEASUREMENT } from '@aed/core/influx'
import * as common from '@grafana/grafana-foundation-sdk/common'
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge'
import * as stat from '@grafana/grafana-foundation-sdk/stat'
import * as table from '@grafana/grafana-foundation-sdk/table'
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries'
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import {
  cabinetDetailLink, influxql, mergeSeries, organizeColumns, property, SELECTED_CABINETS, stackedBarsTimeseries, thresholds, totalStat,
  valueMappings, withSeriesNames
} from '../common.ts'
import type { Language } from '../languages.ts'

const NOTIFICATION = MEASUREMENT.notification

export const FAILED_NOTIFICATIONS_TOTAL = `SELECT count("alert_id") AS "failed" FROM "${NOTIFICATION}" WHERE "outcome" = 'failed' AND ${SELECTED_CABINETS} AND $timeFilter`

export function failedNotificationsStat (language: Language): stat.PanelBuilder {
  return totalStat(language.text.alertsResponse.failedNotifications, FAILED_NOTIFICATIONS_TOTAL, [[null, 'green'], [1, 'red']])
}

/**
 * A series per channel and outcome (alias `$tag_channel $tag_outcome`, e.g.
 * `sms failed`), named in the language; failures in red.
 */
export function channelOutcomeNames (language: Language): Array<[string, dashboard.DynamicConfigValue[]]> {
  const { channel, outcome } = language.text.values
  return Object.entries(channel).flatMap(([c, channelName]) => Object.entries(outcome).map(([o, outcomeName]): [string, dashboard.DynamicConfigValue[]] => [
    `${c} ${o}`,
    [property.displayName(`${channelName} ${outcomeName}`), ...(o === 'failed' ? [property.fixedColor('red')] : [])]
  ]))
}

export const NOTIFICATIONS_OVER_TIME = `SELECT count("alert_id") AS "notifications" FROM "${NOTIFICATION}" WHERE ${SELECTED_CABINETS} AND $timeFilter GROUP BY time($__interval), "channel", "outcome" fill(none)`

export function notificationsTimeseries (language: Language): timeseries.PanelBuilder {
  const panel = stackedBarsTimeseries(language.text.alertsResponse.notificationsOverTime, influxql(NOTIFICATIONS_OVER_TIME).alias('$tag_channel $tag_outcome').refId('A'))
  return withSeriesNames(panel, channelOutcomeNames(language))
}

export const NOTIFICATION_TOTALS = `SELECT count("alert_id") AS "notifications" FROM "${NOTIFICATION}" WHERE ${SELECTED_CABINETS} AND $timeFilter GROUP BY "channel", "outcome"`

export function notificationTotals (language: Language): bargauge.PanelBuilder {
  const text = language.text.alertsResponse.notificationTotals
  const panel = new bargauge.PanelBuilder()
    .title(text.title)
    .description(text.description)
    .withTarget(influxql(NOTIFICATION_TOTALS).alias('$tag_channel $tag_outcome').refId('A'))
    .height(9)
    .span(10)
    .decimals(0)
    .min(0)
    .orientation(common.VizOrientation.Horizontal)
    .displayMode(common.BarGaugeDisplayMode.Basic)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .thresholds(thresholds([[null, 'green']]))
  return withSeriesNames(panel, channelOutcomeNames(language))
}

export const FAILED_NOTIFICATIONS = `SELECT "kind", "recipient", "attempt", "error", "alert_id" FROM "${NOTIFICATION}" WHERE "outcome" = 'failed' AND ${SELECTED_CABINETS} AND $timeFilter GROUP BY "cabinet", "channel"`

export function failedNotificationsTable (language: Language): table.PanelBuilder {
  const { text } = language
  const column = text.columns
  return new table.PanelBuilder()
    .title(text.alertsResponse.failedAttempts.title)
    .description(text.alertsResponse.failedAttempts.description)
    .withTarget(influxql(FAILED_NOTIFICATIONS).asTable().refId('A'))
    .withTransformation(mergeSeries())
    .withTransformation(organizeColumns([
      ['Time', column.when], ['channel', column.channel], ['recipient', column.recipient], ['cabinet', column.cabinet], ['kind', column.alert],
      ['attempt', column.attempt], ['error', column.error], ['alert_id', column.alertId]
    ], []))
    .height(8)
    .span(24)
    .cellHeight(common.TableCellHeight.Sm)
    .noValue(text.alertsResponse.failedAttempts.empty)
    .sortBy([new common.TableSortByFieldStateBuilder().displayName(column.when).desc(true)])
    .overrideByName('cabinet', [cabinetDetailLink(language)])
    .overrideByName('channel', [property.mappings(valueMappings(text.values.channel))])
    .overrideByName('kind', [property.mappings(valueMappings(text.values.alertKind))])
}
