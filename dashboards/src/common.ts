import { MEASUREMENT } from '@aed/core/influx'
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import * as common from '@grafana/grafana-foundation-sdk/common'
import * as stat from '@grafana/grafana-foundation-sdk/stat'
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries'
import { InfluxQLQueryBuilder } from './influxql.ts'
import { LANGUAGES, type Language } from './languages.ts'
import type { PanelText } from './text/dashboard-text.ts'
import type { Readiness } from '../../services/monitor/src/readiness/readiness.ts'

/** The InfluxDB datasource; the same uid is provisioned in infra/grafana/provisioning/datasources. */
export const INFLUXDB: common.DataSourceRef = { type: 'influxdb', uid: 'aed-influxdb' }

/**
 * Fixed dashboard uids of the default language, so links and bookmarks
 * survive a rebuild. Each other language appends its suffix (`-en`).
 */
export const UID = {
  fleetOverview: 'aed-fleet-overview',
  cabinetDetail: 'aed-cabinet-detail',
  alertsResponse: 'aed-alerts-response'
} as const

/** A dashboard of the set, by the key of its uid (and of its texts in the catalogue). */
export type DashboardName = keyof typeof UID

/** The uid of a dashboard in a language. */
export function dashboardUid (language: Language, name: DashboardName): string {
  return `${UID[name]}${language.uidSuffix}`
}

/** Every AED dashboard is tagged `aed`; the language's code tag keeps each set's dashboard list to itself. */
export function dashboardTags (language: Language): string[] {
  return ['aed', 'generated', language.code]
}

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

/** One readiness state: its value in `state`, its `state_code` and its colour (its words are in the catalogue). */
export interface ReadinessState {
  state: Readiness
  code: number
  color: string
}

/** Order and codes as the monitor writes them (docs/data-model.md, state_code). */
export const READINESS_STATES: ReadinessState[] = [
  { state: 'ready', code: 0, color: 'green' },
  { state: 'in_use', code: 1, color: 'blue' },
  { state: 'maintenance', code: 2, color: 'purple' },
  { state: 'unknown', code: 3, color: 'text' },
  { state: 'offline', code: 4, color: 'orange' },
  { state: 'not_ready', code: 5, color: 'red' }
]

/** Colours and words for both `state` (text) and `state_code` (number). */
export function readinessMappings (language: Language): dashboard.ValueMapping[] {
  const options: Record<string, dashboard.ValueMappingResult> = {}
  READINESS_STATES.forEach((s, index) => {
    const text = language.text.values.readiness[s.state]
    options[s.state] = { text, color: s.color, index }
    options[String(s.code)] = { text, color: s.color, index: index + READINESS_STATES.length }
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

/** Colours of the values the monitor writes, where a colour says something. */
export const DOOR_COLORS = { open: 'blue', closed: 'green', unknown: 'text' }
export const SELFTEST_COLORS = { pass: 'green', fail: 'red', none: 'text' }
export const SEVERITY_COLORS = { critical: 'red', warning: 'orange', info: 'blue' }
export const ALERT_STATUS_COLORS = { open: 'red', acknowledged: 'orange', resolved: 'green' }

/**
 * A value mapping from the catalogue's words for one vocabulary (values the
 * monitor writes → what people read), coloured where `colors` says so.
 */
export function valueMappings (words: Record<string, string>, colors: Record<string, string> = {}): dashboard.ValueMapping[] {
  const options: Record<string, dashboard.ValueMappingResult> = {}
  Object.entries(words).forEach(([value, text], index) => {
    const color = colors[value]
    options[value] = color === undefined ? { text, index } : { text, color, index }
  })
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

/** A link from a cell holding a cabinet id to that cabinet's detail dashboard, in the same language. */
export function cabinetDetailLink (language: Language): dashboard.DynamicConfigValue {
  return property.links([{
    title: language.text.openCabinet,
    url: `/d/${dashboardUid(language, 'cabinetDetail')}?var-cabinet=\${__value.raw}&\${__url_time_range}`
  }])
}

/** Something with field overrides by name: the panel builders of every visualisation. */
interface OverridesByName {
  overrideByName (name: string, properties: dashboard.DynamicConfigValue[]): this
}

/**
 * Series named after a tag's value (an alias such as `$tag_kind`) get their
 * words from the catalogue here, as display names, so the query and its
 * alias stay the same in every language.
 */
export function withSeriesNames<P extends OverridesByName> (panel: P, names: Array<[series: string, properties: dashboard.DynamicConfigValue[]]>): P {
  for (const [series, properties] of names) panel.overrideByName(series, properties)
  return panel
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

/**
 * The dashboard defaults every AED dashboard shares: its title, description
 * and uid in the language, the list of the language's dashboards, and a link
 * to the same dashboard in each other language (keeping the time range and
 * the chosen cabinet).
 */
export function aedDashboard (language: Language, name: DashboardName): dashboard.DashboardBuilder {
  const text = language.text[name]
  const builder = new dashboard.DashboardBuilder(text.title)
    .uid(dashboardUid(language, name))
    .description(text.description)
    .tags(dashboardTags(language))
    .timezone('browser')
    .refresh('1m')
    .time({ from: 'now-24h', to: 'now' })
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .readonly()
    .link(new dashboard.DashboardLinkBuilder(language.text.dashboardsLink)
      .type(dashboard.DashboardLinkType.Dashboards)
      .tags(['aed', language.code])
      .asDropdown(false)
      .includeVars(false)
      .keepTime(true))
  for (const other of LANGUAGES.filter(l => l.code !== language.code)) {
    builder.link(new dashboard.DashboardLinkBuilder(other.text.languageName)
      .type(dashboard.DashboardLinkType.Link)
      .url(`/d/${dashboardUid(other, name)}`)
      .icon('doc')
      .asDropdown(false)
      .targetBlank(false)
      .includeVars(true)
      .keepTime(true))
  }
  return builder
}

/** The `cabinet` template variable, fed by the cabinets that have readiness snapshots. */
export function cabinetVariable (language: Language, options: { multi: boolean }): dashboard.QueryVariableBuilder {
  const query = `SHOW TAG VALUES FROM "${READINESS}" WITH KEY = "cabinet"`
  const variable = new dashboard.QueryVariableBuilder('cabinet')
    .label(language.text.columns.cabinet)
    .datasource(INFLUXDB)
    .query(query)
    .definition(query)
    .refresh(dashboard.VariableRefresh.OnDashboardLoad)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(options.multi)
    .includeAll(options.multi)
  if (options.multi) variable.current({ text: language.text.allCabinets, value: '$__all', selected: true })
  return variable
}

/** Counts per interval as stacked bars, an hour per bar at least so a month stays readable. */
export function stackedBarsTimeseries (text: PanelText, target: InfluxQLQueryBuilder): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title(text.title)
    .description(text.description)
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
export function totalStat (text: PanelText, query: string, steps: Array<[number | null, string]>): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(text.title)
    .description(text.description)
    .withTarget(influxql(query).refId('A'))
    .height(4)
    .span(6)
    .noValue('0')
    .graphMode(common.BigValueGraphMode.None)
    .colorMode(common.BigValueColorMode.Value)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .thresholds(thresholds(steps))
}
