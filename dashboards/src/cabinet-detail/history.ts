import { MEASUREMENT } from '@aed/core/influx'
import * as common from '@grafana/grafana-foundation-sdk/common'
import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline'
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries'
import {
  batteryThresholds, influxql, READINESS, readinessMappings, SELECTED_CABINETS, TEMPERATURE_BAND_C, temperatureThresholds, textMappings
} from '../common.ts'

/** Readiness per interval; snapshots come at least every minute, so a gap is carried over. */
export const READINESS_OVER_TIME = `SELECT last("state") AS "readiness" FROM "${READINESS}" WHERE ${SELECTED_CABINETS} AND $timeFilter GROUP BY time($__interval) fill(previous)`

export function readinessTimeline (): statetimeline.PanelBuilder {
  return new statetimeline.PanelBuilder()
    .title('Readiness over time')
    .withTarget(influxql(READINESS_OVER_TIME).alias('Readiness').refId('A'))
    .height(4)
    .span(24)
    .mappings(readinessMappings())
    .showValue(common.VisibilityMode.Never)
    .mergeValues(true)
    .legend(new common.VizLegendOptionsBuilder().showLegend(false))
}

/**
 * Every door event as the cabinet reported it, unbucketed: a door opened for
 * ten seconds to check the pads shows up as such.
 */
export const DOOR_EVENTS = `SELECT "state" AS "door" FROM "${MEASUREMENT.door}" WHERE ${SELECTED_CABINETS} AND $timeFilter`

export function doorTimeline (): statetimeline.PanelBuilder {
  return new statetimeline.PanelBuilder()
    .title('Door')
    .description('Open and closed as the cabinet reported them. A door that did not move in the range shows no bar; its current state is on the fleet overview.')
    .withTarget(influxql(DOOR_EVENTS).alias('Door').refId('A'))
    .height(4)
    .span(24)
    .mappings(textMappings({ open: ['Open', 'blue'], closed: ['Closed', 'green'] }))
    .showValue(common.VisibilityMode.Auto)
    .mergeValues(true)
    .legend(new common.VizLegendOptionsBuilder().showLegend(false))
}

export const BATTERY_OVER_TIME = `SELECT mean("percent") AS "battery" FROM "${MEASUREMENT.battery}" WHERE ${SELECTED_CABINETS} AND $timeFilter GROUP BY time($__interval) fill(none)`

export function batteryTimeseries (): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title('Battery')
    .withTarget(influxql(BATTERY_OVER_TIME).alias('Battery').refId('A'))
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

export function temperatureTimeseries (): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title('Temperature')
    .description(`Inside the cabinet, from its heartbeats. The green band is the allowed range (${TEMPERATURE_BAND_C.min} to ${TEMPERATURE_BAND_C.max} °C); outside it the AED's battery and pads suffer.`)
    .withTarget(influxql(TEMPERATURE_OVER_TIME).alias('Temperature').refId('A'))
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
