import { MEASUREMENT } from '@aed/core/influx'
import * as common from '@grafana/grafana-foundation-sdk/common'
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge'
import * as stat from '@grafana/grafana-foundation-sdk/stat'
import * as table from '@grafana/grafana-foundation-sdk/table'
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries'
import { cabinetDetailLink, influxql, mergeSeries, organizeColumns, property, SELECTED_CABINETS, stackedBarsTimeseries, thresholds, totalStat } from '../common.ts'

const NOTIFICATION = MEASUREMENT.notification

export const FAILED_NOTIFICATIONS_TOTAL = `SELECT count("alert_id") AS "failed" FROM "${NOTIFICATION}" WHERE "outcome" = 'failed' AND ${SELECTED_CABINETS} AND $timeFilter`

export function failedNotificationsStat (): stat.PanelBuilder {
  return totalStat('Failed notifications',
    'SMS and e-mails the provider refused or that timed out. Each failure is retried; check recipients and provider credentials if this grows.',
    FAILED_NOTIFICATIONS_TOTAL, [[null, 'green'], [1, 'red']])
}

export const NOTIFICATIONS_OVER_TIME = `SELECT count("alert_id") AS "notifications" FROM "${NOTIFICATION}" WHERE ${SELECTED_CABINETS} AND $timeFilter GROUP BY time($__interval), "channel", "outcome" fill(none)`

export function notificationsTimeseries (): timeseries.PanelBuilder {
  return stackedBarsTimeseries('Notifications, by channel and outcome', influxql(NOTIFICATIONS_OVER_TIME).alias('$tag_channel $tag_outcome').refId('A'))
    .overrideByRegexp('/failed/', [property.fixedColor('red')])
}

export const NOTIFICATION_TOTALS = `SELECT count("alert_id") AS "notifications" FROM "${NOTIFICATION}" WHERE ${SELECTED_CABINETS} AND $timeFilter GROUP BY "channel", "outcome"`

export function notificationTotals (): bargauge.PanelBuilder {
  return new bargauge.PanelBuilder()
    .title('Sent and failed, by channel')
    .withTarget(influxql(NOTIFICATION_TOTALS).alias('$tag_channel $tag_outcome').refId('A'))
    .height(9)
    .span(10)
    .decimals(0)
    .min(0)
    .orientation(common.VizOrientation.Horizontal)
    .displayMode(common.BarGaugeDisplayMode.Basic)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .thresholds(thresholds([[null, 'green']]))
    .overrideByRegexp('/failed/', [property.fixedColor('red')])
}

export const FAILED_NOTIFICATIONS = `SELECT "kind", "recipient", "attempt", "error", "alert_id" FROM "${NOTIFICATION}" WHERE "outcome" = 'failed' AND ${SELECTED_CABINETS} AND $timeFilter GROUP BY "cabinet", "channel"`

export function failedNotificationsTable (): table.PanelBuilder {
  return new table.PanelBuilder()
    .title('Failed attempts')
    .description('Each failed attempt with the provider\'s error.')
    .withTarget(influxql(FAILED_NOTIFICATIONS).asTable().refId('A'))
    .withTransformation(mergeSeries())
    .withTransformation(organizeColumns([
      ['Time', 'When'], ['channel', 'Channel'], ['recipient', 'Recipient'], ['cabinet', 'Cabinet'], ['kind', 'Alert'],
      ['attempt', 'Attempt'], ['error', 'Error'], ['alert_id', 'Alert id']
    ], []))
    .height(8)
    .span(24)
    .cellHeight(common.TableCellHeight.Sm)
    .noValue('No failed notifications in this range')
    .sortBy([new common.TableSortByFieldStateBuilder().displayName('When').desc(true)])
    .overrideByName('cabinet', [cabinetDetailLink()])
}
