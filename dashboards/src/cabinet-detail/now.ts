import * as common from '@grafana/grafana-foundation-sdk/common'
import * as stat from '@grafana/grafana-foundation-sdk/stat'
import {
  batteryThresholds, daysLeftThresholds, influxql, property, READINESS, readinessMappings, SELECTED_CABINETS, thresholds
} from '../common.ts'

export const CABINET_READINESS = `SELECT last("state") AS "readiness", "reasons" FROM "${READINESS}" WHERE ${SELECTED_CABINETS} AND $timeFilter`

export function readinessStat (): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title('Readiness')
    .description('The monitor\'s verdict from the latest snapshot, and why it is not ready.')
    .withTarget(influxql(CABINET_READINESS).refId('A'))
    .height(5)
    .span(10)
    .colorMode(common.BigValueColorMode.Background)
    .graphMode(common.BigValueGraphMode.None)
    .textMode(common.BigValueTextMode.Value)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false).fields('/.*/'))
    .mappings(readinessMappings())
    .overrideByName('reasons', [property.displayName('Why'), property.fixedColor('text')])
}

export const CABINET_CONSUMABLES = `SELECT last("battery_percent") AS "battery_percent", last("pads_days_left") AS "pads_days_left", last("battery_days_left") AS "battery_days_left", last("selftest_age_h") AS "selftest_age_h", last("last_seen_ms") AS "last_seen_ms" FROM "${READINESS}" WHERE ${SELECTED_CABINETS} AND $timeFilter`

export function consumablesStat (): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title('Consumables and checks')
    .description('Battery charge, days until pads and battery expire, time since the last self-test and since the cabinet was last heard from.')
    .withTarget(influxql(CABINET_CONSUMABLES).refId('A'))
    .height(5)
    .span(14)
    .colorMode(common.BigValueColorMode.Value)
    .graphMode(common.BigValueGraphMode.None)
    .textMode(common.BigValueTextMode.ValueAndName)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .overrideByName('battery_percent', [property.displayName('Battery'), property.unit('percent'), property.decimals(0), property.thresholds(batteryThresholds())])
    .overrideByName('pads_days_left', [property.displayName('Pads expire in'), property.unit('d'), property.thresholds(daysLeftThresholds())])
    .overrideByName('battery_days_left', [property.displayName('Battery expires in'), property.unit('d'), property.thresholds(daysLeftThresholds())])
    .overrideByName('selftest_age_h', [property.displayName('Last self-test'), property.unit('h'), property.decimals(0),
      // Daily self-tests: a day and a half without one is overdue.
      property.thresholds(thresholds([[null, 'green'], [36, 'red']]))])
    .overrideByName('last_seen_ms', [property.displayName('Last seen'), property.unit('dateTimeFromNow'), property.fixedColor('text')])
}
