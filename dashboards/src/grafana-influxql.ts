/**
 * What Grafana does to an InfluxQL query before InfluxDB sees it, so tests can
 * run a dashboard's queries without Grafana:
 *
 * 1. the frontend's template service replaces dashboard variables ($var,
 *    ${var}, ${var:format}, [[var]]) and the global $__from/$__to, formatting
 *    values the way the InfluxDB datasource asks (interpolateQueryExpr);
 * 2. the backend (pkg/tsdb/influxdb/models/query.go, Build) replaces
 *    $timeFilter, $interval, $__interval_ms and $__interval, in that order.
 *
 * The interval is Grafana's: (to - from) / maxDataPoints rounded to a "nice"
 * step (roundInterval in grafana-plugin-sdk-go's gtime), never below the
 * panel's or datasource's minimum interval.
 */

export interface TimeRange {
  /** Epoch milliseconds. */
  from: number
  to: number
}

/** The current value of a dashboard variable, as Grafana's variable model holds it. */
export interface VariableState {
  /** One value, or several for a multi-value variable. `$__all` selects every option. */
  value: string | string[]
  multi?: boolean
  includeAll?: boolean
  /** Custom "All" value; without one, All means every option. */
  allValue?: string
  /** Every option of the variable (what its query returned). */
  options?: string[]
}

export interface InterpolationContext {
  range: TimeRange
  /** Target number of points: the panel's maxDataPoints, or its width in pixels. */
  maxDataPoints?: number
  /** The panel's or datasource's minimum interval, e.g. "1m". */
  minInterval?: string
  variables?: Record<string, VariableState>
}

export interface Interval {
  ms: number
  text: string
}

const ALL = '$__all'
const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const YEAR = 365 * DAY

/** Grafana's roundInterval: the "nice" step for a raw interval (same table as grafana-plugin-sdk-go gtime). */
export function roundInterval (ms: number): number {
  const steps: Array<[number, number]> = [
    [10, 1], [15, 10], [35, 20], [75, 50], [150, 100], [350, 200], [750, 500],
    [1500, 1000], [3500, 2000], [7500, 5000], [12500, 10000], [17500, 15000], [25000, 20000], [45000, 30000],
    [90000, 60000], [210000, 120000], [450000, 300000], [750000, 600000], [1050000, 900000], [1500000, 1200000],
    [2700000, 1800000], [5400000, 3600000], [9000000, 7200000], [16200000, 10800000], [32400000, 21600000],
    [86400000, 43200000], [172800000, 86400000], [604800000, 86400000], [1814400000, 604800000]
  ]
  for (const [limit, step] of steps) if (ms <= limit) return step
  return ms < 3628800000 ? 2592000000 : 31536000000
}

/** gtime.FormatInterval: the largest whole unit, e.g. 90 s → "1m". */
export function formatInterval (ms: number): string {
  if (ms >= YEAR) return `${Math.floor(ms / YEAR)}y`
  if (ms >= DAY) return `${Math.floor(ms / DAY)}d`
  if (ms >= HOUR) return `${Math.floor(ms / HOUR)}h`
  if (ms >= MINUTE) return `${Math.floor(ms / MINUTE)}m`
  if (ms >= SECOND) return `${Math.floor(ms / SECOND)}s`
  if (ms >= 1) return `${Math.floor(ms)}ms`
  return '1ms'
}

/** Parses Grafana interval strings such as "30s", "1m", "1h", "7d", "500ms". */
export function parseInterval (text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)$/.exec(text.trim())
  if (match === null) throw new Error(`not a Grafana interval: ${text}`)
  const unit = { ms: 1, s: SECOND, m: MINUTE, h: HOUR, d: DAY, w: 7 * DAY, y: YEAR }[match[2] as 'ms']
  return Number(match[1]) * unit
}

/** The interval Grafana computes for a query ($__interval). */
export function calculateInterval (range: TimeRange, maxDataPoints = 1000, minInterval?: string): Interval {
  let ms = roundInterval((range.to - range.from) / maxDataPoints)
  if (minInterval !== undefined && minInterval !== '') ms = Math.max(ms, parseInterval(minInterval))
  return { ms, text: formatInterval(ms) }
}

/** @grafana/data escapeRegex. */
export function escapeRegex (value: string): string {
  return value.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&')
}

/**
 * The template service's variable syntax: $var, [[var]] and [[var:format]],
 * ${var}, ${var.field} and ${var:format}.
 */
const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g

/**
 * Replaces dashboard variables as Grafana's template service does for the
 * InfluxDB datasource. Unknown names ($timeFilter, $interval…) are left for
 * the backend. Without an explicit format, values are regex-escaped when the
 * variable sits inside a regex literal (`=~ /^$cabinet$/`) and a multi-value
 * selection becomes `(a|b)`; elsewhere a single value is inserted as it is.
 */
export function interpolateVariables (query: string, context: Pick<InterpolationContext, 'range' | 'variables'>): string {
  const builtins: Record<string, VariableState> = {
    __from: { value: String(context.range.from) },
    __to: { value: String(context.range.to) }
  }
  return query.replace(VARIABLE, (match, plain?: string, bracket?: string, bracketFormat?: string, braced?: string, _field?: string, bracedFormat?: string, offset?: number) => {
    const name = plain ?? bracket ?? braced
    if (name === undefined) return match
    const variable = context.variables?.[name] ?? builtins[name]
    if (variable === undefined) return match
    const values = currentValues(variable)
    const format = bracketFormat ?? bracedFormat
    if (format !== undefined) return formatValues(values, format, name)
    const inRegex = isInsideRegexLiteral(query, offset ?? 0)
    if (typeof values === 'string') {
      if (!Number.isNaN(Number.parseFloat(values))) return values
      return inRegex ? escapeRegex(values) : values
    }
    return formatValues(values, inRegex ? 'regex' : 'pipe', name)
  })
}

function currentValues (variable: VariableState): string | string[] {
  const selected = Array.isArray(variable.value) ? variable.value : [variable.value]
  if (selected.includes(ALL)) {
    if (variable.allValue !== undefined) return variable.allValue
    return variable.options ?? []
  }
  return Array.isArray(variable.value) && (variable.multi === true || variable.value.length > 1) ? variable.value : selected[0] ?? ''
}

/** Grafana's named formats (docs: variable syntax, advanced formatting options). */
function formatValues (values: string | string[], format: string, name: string): string {
  const list = typeof values === 'string' ? [values] : values
  switch (format) {
    case 'regex':
      return list.length === 1 ? escapeRegex(list[0]!) : `(${list.map(escapeRegex).join('|')})`
    case 'pipe':
      return list.join('|')
    case 'csv':
      return list.join(',')
    case 'raw':
      return typeof values === 'string' ? values : `{${values.join(',')}}`
    case 'singlequote':
      return list.map(v => `'${v.replace(/'/g, "\\'")}'`).join(',')
    case 'doublequote':
      return list.map(v => `"${v.replace(/"/g, '\\"')}"`).join(',')
    default:
      throw new Error(`variable format ${format} of ${name} is not supported here`)
  }
}

/** True when position lies between an opening and closing `/` of an InfluxQL regex literal. */
function isInsideRegexLiteral (query: string, position: number): boolean {
  let inString: string | undefined
  let inRegex = false
  for (let i = 0; i < position; i++) {
    const c = query[i]
    if (c === '\\') { i++; continue }
    if (inString !== undefined) {
      if (c === inString) inString = undefined
    } else if (inRegex) {
      if (c === '/') inRegex = false
    } else if (c === '\'' || c === '"') {
      inString = c
    } else if (c === '/' && /[=!]~\s*$/.test(query.slice(0, i))) {
      inRegex = true
    }
  }
  return inRegex
}

/** The backend's macro replacement (Query.Build), after variables were interpolated. */
export function expandMacros (query: string, range: TimeRange, interval: Interval): string {
  return query
    .replaceAll('$timeFilter', `time >= ${Math.trunc(range.from)}ms and time <= ${Math.trunc(range.to)}ms`)
    .replaceAll('$interval', interval.text)
    .replaceAll('$__interval_ms', String(interval.ms))
    .replaceAll('$__interval', interval.text)
}

/** The InfluxQL Grafana sends to InfluxDB for this query text in this context. */
export function expandInfluxQL (query: string, context: InterpolationContext): string {
  const interval = calculateInterval(context.range, context.maxDataPoints, context.minInterval)
  return expandMacros(interpolateVariables(query, context), context.range, interval)
}
