import { MEASUREMENT } from '@aed/core/influx'
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import * as common from '@grafana/grafana-foundation-sdk/common'
import * as stat from '@grafana/grafana-foundation-sdk/stat'
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries'
import { InfluxQLQueryBuilder } from './influxql.ts'

/** The InfluxDB datasource; the same uid is provisioned in infra/grafana/provisioning/datasources. */
export const INFLUXDB: common.DataSourceRef = { type: 'influxdb', uid: 'aed-influxdb' }

/** Fixed dashboard uids, so links and bookmarks survive a rebuild. */
export const UID = {
  fleetOverview: 'aed-fleet-overview',
  cabinetDetail: 'aed-cabinet-detail',
  alertsResponse: 'aed-alerts-response'
} as const

export const TAGS = ['aed', 'generated']

/** The monitor's derived readiness snapshots (docs/data-model.md): the source of "right now". */
export const READINESS = MEASUREMENT.readiness

/**
 * The monitor's default limits (services/monitor/src/config.ts), drawn as
 * colours and bands. Per-cabinet overrides in the fleet file are not drawn:
 * the readiness state, which does honour them, is what the colours of the
 * state columns show.
 */
export const TEMPERATURE_BAND_C = { min: 0, max: 50 }
export const BATTERY_PERCENT = { critical: 10, low: 25 }
export const EXPIRY_WARNING_DAYS = 30

/** A raw InfluxQL target on the fleet's InfluxDB. */
export function influxql (query: string): InfluxQLQueryBuilder {
  return new InfluxQLQueryBuilder(query).datasource(INFLUXDB)
}

/** Matches the cabinet(s) chosen in the `cabinet` variable, whatever Grafana version formats it. */
export const SELECTED_CABINETS = '"cabinet" =~ /^${cabinet:regex}$/'

/** One readiness state: its value in `state`, its `state_code` and how the dashboards show it. */
export interface ReadinessState {
  state: string
  code: number
  text: string
  color: string
}

/** Order and codes as the monitor writes them (docs/data-model.md, state_code). */
export const READINESS_STATES: ReadinessState[] = [
  { state: 'ready', code: 0, text: 'Ready', color: 'green' },
  { state: 'in_use', code: 1, text: 'In use', color: 'blue' },
  { state: 'maintenance', code: 2, text: 'Maintenance', color: 'purple' },
  { state: 'unknown', code: 3, text: 'Unknown', color: 'text' },
  { state: 'offline', code: 4, text: 'Offline', color: 'orange' },
  { state: 'not_ready', code: 5, text: 'Not ready', color: 'red' }
]

/** Colours and labels for both `state` (text) and `state_code` (number). */
export function readinessMappings (): dashboard.ValueMapping[] {
  const options: Record<string, dashboard.ValueMappingResult> = {}
  READINESS_STATES.forEach((s, index) => {
    options[s.state] = { text: s.text, color: s.color, index }
    options[String(s.code)] = { text: s.text, color: s.color, index: index + READINESS_STATES.length }
  })
  return [{ type: dashboard.MappingType.ValueToText, options }]
}

/** state_code thresholds with the same colours, for panels that colour by number (the geomap). */
export function readinessCodeThresholds (): dashboard.ThresholdsConfigBuilder {
  return thresholds(READINESS_STATES.map(s => [s.code === 0 ? null : s.code, s.color]))
}

export function thresholds (steps: Array<[number | null, string]>): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps(steps.map(([value, color]) => ({ value, color })))
}

export function textMappings (entries: Record<string, [string, string]>): dashboard.ValueMapping[] {
  const options: Record<string, dashboard.ValueMappingResult> = {}
  Object.entries(entries).forEach(([value, [text, color]], index) => { options[value] = { text, color, index } })
  return [{ type: dashboard.MappingType.ValueToText, options }]
}

/** Days left: red once expired, amber inside the warning window. */
export function daysLeftThresholds (): dashboard.ThresholdsConfigBuilder {
  return thresholds([[null, 'red'], [0, 'orange'], [EXPIRY_WARNING_DAYS, 'green']])
}

export function batteryThresholds (): dashboard.ThresholdsConfigBuilder {
  return thresholds([[null, 'red'], [BATTERY_PERCENT.critical, 'orange'], [BATTERY_PERCENT.low, 'green']])
}

export function temperatureThresholds (): dashboard.ThresholdsConfigBuilder {
  return thresholds([[null, 'blue'], [TEMPERATURE_BAND_C.min, 'green'], [TEMPERATURE_BAND_C.max, 'red']])
}

/** Field-override properties, by what they set. */
export const property = {
  displayName: (value: string): dashboard.DynamicConfigValue => ({ id: 'displayName', value }),
  unit: (value: string): dashboard.DynamicConfigValue => ({ id: 'unit', value }),
  decimals: (value: number): dashboard.DynamicConfigValue => ({ id: 'decimals', value }),
  mappings: (value: dashboard.ValueMapping[]): dashboard.DynamicConfigValue => ({ id: 'mappings', value }),
  thresholds: (value: dashboard.ThresholdsConfigBuilder): dashboard.DynamicConfigValue => ({ id: 'thresholds', value: value.build() }),
  colorBackground: (): dashboard.DynamicConfigValue => ({ id: 'custom.cellOptions', value: { type: 'color-background', mode: 'basic' } }),
  colorText: (): dashboard.DynamicConfigValue => ({ id: 'custom.cellOptions', value: { type: 'color-text' } }),
  thresholdColor: (): dashboard.DynamicConfigValue => ({ id: 'color', value: { mode: 'thresholds' } }),
  fixedColor: (color: string): dashboard.DynamicConfigValue => ({ id: 'color', value: { mode: 'fixed', fixedColor: color } }),
  width: (value: number): dashboard.DynamicConfigValue => ({ id: 'custom.width', value }),
  links: (links: Array<{ title: string, url: string }>): dashboard.DynamicConfigValue => ({ id: 'links', value: links })
}

/** A link from a cell holding a cabinet id to that cabinet's detail dashboard. */
export function cabinetDetailLink (): dashboard.DynamicConfigValue {
  return property.links([{ title: 'Open cabinet ${__value.raw}', url: `/d/${UID.cabinetDetail}?var-cabinet=\${__value.raw}&\${__url_time_range}` }])
}

/** Table transformations: several series into one table, then columns named and ordered. */
export function mergeSeries (): dashboard.DataTransformerConfig {
  return { id: 'merge', options: {} }
}

export function organizeColumns (columns: Array<[string, string]>, hide: string[] = ['Time']): dashboard.DataTransformerConfig {
  const indexByName: Record<string, number> = {}
  const renameByName: Record<string, string> = {}
  columns.forEach(([name, title], index) => {
    indexByName[name] = index
    renameByName[name] = title
  })
  return {
    id: 'organize',
    options: { excludeByName: Object.fromEntries(hide.map(name => [name, true])), indexByName, renameByName }
  }
}

/** The dashboard defaults every AED dashboard shares. */
export function aedDashboard (title: string, uid: string): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .tags(TAGS)
    .timezone('browser')
    .refresh('1m')
    .time({ from: 'now-24h', to: 'now' })
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .readonly()
    .link(new dashboard.DashboardLinkBuilder('AED dashboards')
      .type(dashboard.DashboardLinkType.Dashboards)
      .tags(['aed'])
      .asDropdown(false)
      .includeVars(false)
      .keepTime(true))
}

/** The `cabinet` template variable, fed by the cabinets that have readiness snapshots. */
export function cabinetVariable (options: { multi: boolean }): dashboard.QueryVariableBuilder {
  const query = `SHOW TAG VALUES FROM "${READINESS}" WITH KEY = "cabinet"`
  const variable = new dashboard.QueryVariableBuilder('cabinet')
    .label('Cabinet')
    .datasource(INFLUXDB)
    .query(query)
    .definition(query)
    .refresh(dashboard.VariableRefresh.OnDashboardLoad)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(options.multi)
    .includeAll(options.multi)
  if (options.multi) variable.current({ text: 'All', value: '$__all', selected: true })
  return variable
}

/** Counts per interval as stacked bars, an hour per bar at least so a month stays readable. */
export function stackedBarsTimeseries (title: string, target: InfluxQLQueryBuilder): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title(title)
    .withTarget(target)
    .interval('1h')
    .height(9)
    .span(14)
    .decimals(0)
    .drawStyle(common.GraphDrawStyle.Bars)
    .fillOpacity(80)
    .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
}

/** One number for the time range (a total, a median), small and without a sparkline. */
export function totalStat (title: string, description: string, query: string, steps: Array<[number | null, string]>): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(title)
    .description(description)
    .withTarget(influxql(query).refId('A'))
    .height(4)
    .span(6)
    .noValue('0')
    .graphMode(common.BigValueGraphMode.None)
    .colorMode(common.BigValueColorMode.Value)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .thresholds(thresholds(steps))
}
