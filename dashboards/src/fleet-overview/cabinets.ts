import * as common from '@grafana/grafana-foundation-sdk/common'
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import * as geomap from '@grafana/grafana-foundation-sdk/geomap'
import * as table from '@grafana/grafana-foundation-sdk/table'
import {
  batteryThresholds, cabinetDetailLink, daysLeftThresholds, DOOR_COLORS, influxql, mergeSeries, organizeColumns, property,
  READINESS, readinessCodeThresholds, readinessMappings, SELFTEST_COLORS, temperatureThresholds, valueMappings
} from '../common.ts'
import type { Language } from '../languages.ts'

/**
 * The last readiness snapshot of every cabinet. One selector (last) with
 * plain fields returns the whole point the selector picked, so every column
 * comes from the same snapshot and keeps its time.
 */
export const LATEST_SNAPSHOT_PER_CABINET = `SELECT last("state") AS "state", "state_code", "reasons", "last_seen_ms", "battery_percent", "pads_days_left", "battery_days_left", "selftest_result", "selftest_age_h", "temperature_c", "door", "site_name", "location", "status" FROM "${READINESS}" WHERE $timeFilter GROUP BY "cabinet"`

export function cabinetsTable (language: Language): table.PanelBuilder {
  const { text } = language
  const column = text.columns
  return new table.PanelBuilder()
    .title(text.fleetOverview.cabinets.title)
    .description(text.fleetOverview.cabinets.description)
    .withTarget(influxql(LATEST_SNAPSHOT_PER_CABINET).asTable().refId('A'))
    .withTransformation(mergeSeries())
    .withTransformation(organizeColumns([
      ['cabinet', column.cabinet], ['state', column.readiness], ['reasons', column.why], ['last_seen_ms', column.lastSeen],
      ['battery_percent', column.battery], ['pads_days_left', column.padsExpireIn], ['battery_days_left', column.batteryExpiresIn],
      ['selftest_result', column.selftest], ['selftest_age_h', column.selftestAge], ['temperature_c', column.temperature],
      ['door', column.door], ['site_name', column.site], ['location', column.location], ['status', column.status]
    ], ['Time', 'state_code']))
    .height(10)
    .span(24)
    .cellHeight(common.TableCellHeight.Sm)
    .sortBy([new common.TableSortByFieldStateBuilder().displayName(column.readiness).desc(true)])
    .overrideByName('cabinet', [cabinetDetailLink(language), property.width(150)])
    .overrideByName('state', [property.mappings(readinessMappings(language)), property.colorBackground(), property.width(110)])
    .overrideByName('last_seen_ms', [property.unit('dateTimeFromNow'), property.width(120)])
    .overrideByName('battery_percent', [property.unit('percent'), property.decimals(0), property.thresholds(batteryThresholds()), property.thresholdColor(), property.colorText()])
    .overrideByName('pads_days_left', [property.unit(text.units.days), property.thresholds(daysLeftThresholds()), property.thresholdColor(), property.colorText()])
    .overrideByName('battery_days_left', [property.unit(text.units.days), property.thresholds(daysLeftThresholds()), property.thresholdColor(), property.colorText()])
    .overrideByName('selftest_result', [property.mappings(valueMappings(text.values.selftestResult, SELFTEST_COLORS)), property.colorText()])
    .overrideByName('selftest_age_h', [property.unit(text.units.hours), property.decimals(0)])
    .overrideByName('temperature_c', [property.unit('celsius'), property.decimals(1), property.thresholds(temperatureThresholds()), property.thresholdColor(), property.colorText()])
    .overrideByName('door', [property.mappings(valueMappings(text.values.door, DOOR_COLORS)), property.colorText()])
    .overrideByName('status', [property.mappings(valueMappings(text.values.cabinetStatus))])
}

/** Coordinates and readiness of every cabinet, for the map. */
export const CABINET_POSITIONS = `SELECT last("state_code") AS "state_code", "state", "lat", "lon", "site_name", "location" FROM "${READINESS}" WHERE $timeFilter GROUP BY "cabinet"`

export function cabinetsMap (language: Language): geomap.PanelBuilder {
  const text = language.text.fleetOverview.map
  return new geomap.PanelBuilder()
    .title(text.title)
    .description(text.description)
    .withTarget(influxql(CABINET_POSITIONS).asTable().refId('A'))
    .withTransformation(mergeSeries())
    .height(12)
    .span(14)
    .mappings(readinessMappings(language))
    .thresholds(readinessCodeThresholds())
    .colorScheme(new dashboard.FieldColorBuilder().mode(dashboard.FieldColorModeId.Thresholds))
    .view(new geomap.MapViewConfigBuilder().id('coords').lat(42.602).lon(23.048).zoom(13))
    .controls(new geomap.ControlsOptionsBuilder().showZoom(true).mouseWheelZoom(false).showAttribution(true))
    .basemap(new common.MapLayerOptionsBuilder().type('osm-standard').name('OpenStreetMap'))
    .layers([new common.MapLayerOptionsBuilder()
      .type('markers')
      .name(text.layer)
      .tooltip(true)
      .location(new common.FrameGeometrySourceBuilder().mode(common.FrameGeometrySourceMode.Coords).latitude('lat').longitude('lon'))
      .config({
        showLegend: true,
        style: {
          size: { fixed: 10 },
          color: { field: 'state_code', fixed: 'text' },
          opacity: 0.9,
          symbol: { mode: 'fixed', fixed: 'img/icons/marker/circle.svg' },
          text: { mode: 'field', field: 'cabinet', fixed: '' },
          textConfig: { fontSize: 11, offsetY: -16, textAlign: 'center', textBaseline: 'bottom' }
        }
      })])
    .tooltip(new geomap.TooltipOptionsBuilder().mode(geomap.TooltipMode.Details))
}
