import { MEASUREMENT } from '@aed/core/influx'
import * as common from '@grafana/grafana-foundation-sdk/common'
import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline'
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries'
import {
  batteryThresholds, DOOR_COLORS, influxql, READINESS, readinessMappings, SELECTED_CABINETS, TEMPERATURE_BAND_C, temperatureThresholds, valueMappings
} from '../common.ts'
import type { Language } from '../languages.ts'

/** Readiness per interval; snapshots come at least every minute, so a gap is carried over. */
export const READINESS_OVER_TIME = `SELECT last("state") AS "readiness" FROM "${READINESS}" WHERE ${SELECTED_CABINETS} AND $timeFilter GROUP BY time($__interval) fill(previous)`

export function readinessTimeline (language: Language): statetimeline.PanelBuilder {
  const { text } = language
  return new statetimeline.PanelBuilder()
    .title(text.cabinetDetail.readinessOverTime.title)
    .description(text.cabinetDetail.readinessOverTime.description)
    .withTarget(influxql(READINESS_OVER_TIME).refId('A'))
    .displayName(text.columns.readiness)
    .height(4)
    .span(24)
    .mappings(readinessMappings(language))
    .showValue(common.VisibilityMode.Never)
    .mergeValues(true)
    .legend(new common.VizLegendOptionsBuilder().showLegend(false))
}

/**
 * Every door event as the cabinet reported it, unbucketed: a door opened for
 * ten seconds to check the pads shows up as such.
 */
export const DOOR_EVENTS = `SELECT "state" AS "door" FROM "${MEASUREMENT.door}" WHERE ${SELECTED_CABINETS} AND $timeFilter`

export function doorTimeline (language: Language): statetimeline.PanelBuilder {
  const { text } = language
  return new statetimeline.PanelBuilder()
    .title(text.cabinetDetail.door.title)
    .description(text.cabinetDetail.door.description)
    .withTarget(influxql(DOOR_EVENTS).refId('A'))
    .displayName(text.columns.door)
    .height(4)
    .span(24)
    .mappings(valueMappings(text.values.door, DOOR_COLORS))
    .showValue(common.VisibilityMode.Auto)
    .mergeValues(true)
    .legend(new common.VizLegendOptionsBuilder().showLegend(false))
}

export const BATTERY_OVER_TIME = `SELECT mean("percent") AS "battery" FROM "${MEASUREMENT.battery}" WHERE ${SELECTED_CABINETS} AND $timeFilter GROUP BY time($__interval) fill(none)`

export function batteryTimeseries (language: Language): timeseries.PanelBuilder {
  const { text } = language
  return new timeseries.PanelBuilder()
    .title(text.cabinetDetail.battery.title)
    .description(text.cabinetDetail.battery.description)
    .withTarget(influxql(BATTERY_OVER_TIME).refId('A'))
    .displayName(text.columns.battery)
    .height(8)
    .span(12)
    .unit('percent')
    .min(0)
    .max(100)
    .spanNulls(true)
    .showPoints(common.VisibilityMode.Auto)
    .thresholds(batteryThresholds())
    .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed))
}

export const TEMPERATURE_OVER_TIME = `SELECT mean("temperature_c") AS "temperature" FROM "${MEASUREMENT.heartbeat}" WHERE ${SELECTED_CABINETS} AND $timeFilter GROUP BY time($__interval) fill(none)`

export function temperatureTimeseries (language: Language): timeseries.PanelBuilder {
  const { text } = language
  return new timeseries.PanelBuilder()
    .title(text.cabinetDetail.temperature.title)
    .description(text.cabinetDetail.temperature.description(TEMPERATURE_BAND_C.min, TEMPERATURE_BAND_C.max))
    .withTarget(influxql(TEMPERATURE_OVER_TIME).refId('A'))
    .displayName(text.columns.temperature)
    .height(8)
    .span(12)
    .unit('celsius')
    .decimals(1)
    .spanNulls(true)
    .axisSoftMin(TEMPERATURE_BAND_C.min - 5)
    .axisSoftMax(TEMPERATURE_BAND_C.max + 5)
    .thresholds(temperatureThresholds())
    .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.LineAndArea))
}
