import * as common from '@grafana/grafana-foundation-sdk/common'
import * as stat from '@grafana/grafana-foundation-sdk/stat'
import {
  batteryThresholds, daysLeftThresholds, influxql, property, READINESS, readinessMappings, SELECTED_CABINETS, thresholds
} from '../common.ts'
import type { Language } from '../languages.ts'

export const CABINET_READINESS = `SELECT last("state") AS "readiness", "reasons" FROM "${READINESS}" WHERE ${SELECTED_CABINETS} AND $timeFilter`

export function readinessStat (language: Language): stat.PanelBuilder {
  const { text } = language
  return new stat.PanelBuilder()
    .title(text.cabinetDetail.readiness.title)
    .description(text.cabinetDetail.readiness.description)
    .withTarget(influxql(CABINET_READINESS).refId('A'))
    .height(5)
    .span(10)
    .colorMode(common.BigValueColorMode.Background)
    .graphMode(common.BigValueGraphMode.None)
    .textMode(common.BigValueTextMode.Value)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false).fields('/.*/'))
    .mappings(readinessMappings(language))
    .overrideByName('reasons', [property.displayName(text.columns.why), property.fixedColor('text')])
}

export const CABINET_CONSUMABLES = `SELECT last("battery_percent") AS "battery_percent", last("pads_days_left") AS "pads_days_left", last("battery_days_left") AS "battery_days_left", last("selftest_age_h") AS "selftest_age_h", last("last_seen_ms") AS "last_seen_ms" FROM "${READINESS}" WHERE ${SELECTED_CABINETS} AND $timeFilter`

export function consumablesStat (language: Language): stat.PanelBuilder {
  const { text } = language
  const column = text.columns
  return new stat.PanelBuilder()
    .title(text.cabinetDetail.consumables.title)
    .description(text.cabinetDetail.consumables.description)
    .withTarget(influxql(CABINET_CONSUMABLES).refId('A'))
    .height(5)
    .span(14)
    .colorMode(common.BigValueColorMode.Value)
    .graphMode(common.BigValueGraphMode.None)
    .textMode(common.BigValueTextMode.ValueAndName)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .overrideByName('battery_percent', [property.displayName(column.battery), property.unit('percent'), property.decimals(0), property.thresholds(batteryThresholds())])
    .overrideByName('pads_days_left', [property.displayName(column.padsExpireIn), property.unit(text.units.days), property.thresholds(daysLeftThresholds())])
    .overrideByName('battery_days_left', [property.displayName(column.batteryExpiresIn), property.unit(text.units.days), property.thresholds(daysLeftThresholds())])
    .overrideByName('selftest_age_h', [property.displayName(column.lastSelftest), property.unit(text.units.hours), property.decimals(0),
      // Daily self-tests: a day and a half without one is overdue.
      property.thresholds(thresholds([[null, 'green'], [36, 'red']]))])
    .overrideByName('last_seen_ms', [property.displayName(column.lastSeen), property.unit('dateTimeFromNow'), property.fixedColor('text')])
}
