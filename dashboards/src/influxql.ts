import type * as cog from '@grafana/grafana-foundation-sdk/cog'
import type * as common from '@grafana/grafana-foundation-sdk/common'

/**
 * The query model of Grafana's InfluxDB datasource in InfluxQL mode, limited
 * to what a raw (text-editor) query uses. The SDK ships no InfluxDB types, so
 * this is the custom Dataquery variant its README describes. Field names are
 * Grafana's (public/app/plugins/datasource/influxdb/types.ts: InfluxQuery).
 */
export interface InfluxQLQuery {
  refId?: string
  hide?: boolean
  datasource?: common.DataSourceRef
  /** The InfluxQL text; Grafana expands $timeFilter, $__interval and template variables in it. */
  query: string
  /** Always true here: the query is the text above, not the visual editor's parts. */
  rawQuery: boolean
  resultFormat: InfluxResultFormat
  /** Series name pattern: $m (measurement), $col, $tag_<key>. */
  alias?: string
  tz?: string
  /** Annotation queries only: the columns that become the event's text, tags, title and end. */
  textColumn?: string
  tagsColumn?: string
  titleColumn?: string
  timeEndColumn?: string
  fromAnnotations?: boolean
  _implementsDataqueryVariant(): void
}

export type InfluxResultFormat = 'time_series' | 'table' | 'logs'

export const defaultInfluxQLQuery = (): InfluxQLQuery => ({
  query: '',
  rawQuery: true,
  resultFormat: 'time_series',
  _implementsDataqueryVariant () {}
})

/** Builds one InfluxQL target; every panel, variable-free annotation and alias goes through it. */
export class InfluxQLQueryBuilder implements cog.Builder<cog.Dataquery> {
  protected readonly internal: InfluxQLQuery

  constructor (query: string) {
    this.internal = defaultInfluxQLQuery()
    this.internal.query = query
  }

  build (): InfluxQLQuery {
    return this.internal
  }

  refId (refId: string): this {
    this.internal.refId = refId
    return this
  }

  hide (hide: boolean): this {
    this.internal.hide = hide
    return this
  }

  datasource (datasource: common.DataSourceRef): this {
    this.internal.datasource = datasource
    return this
  }

  resultFormat (resultFormat: InfluxResultFormat): this {
    this.internal.resultFormat = resultFormat
    return this
  }

  /** Shorthand for resultFormat('table'): one row per point, tags as columns. */
  asTable (): this {
    return this.resultFormat('table')
  }

  alias (alias: string): this {
    this.internal.alias = alias
    return this
  }

  tz (tz: string): this {
    this.internal.tz = tz
    return this
  }

  textColumn (column: string): this {
    this.internal.textColumn = column
    return this
  }

  /** Comma-separated column names whose values become the annotation's tags. */
  tagsColumn (columns: string): this {
    this.internal.tagsColumn = columns
    return this
  }

  titleColumn (column: string): this {
    this.internal.titleColumn = column
    return this
  }

  timeEndColumn (column: string): this {
    this.internal.timeEndColumn = column
    return this
  }

  fromAnnotations (fromAnnotations: boolean): this {
    this.internal.fromAnnotations = fromAnnotations
    return this
  }
}

/** True for a Dataquery built by InfluxQLQueryBuilder (or read back from generated JSON). */
export function isInfluxQLQuery (value: unknown): value is InfluxQLQuery {
  return typeof value === 'object' && value !== null && typeof (value as { query?: unknown }).query === 'string' &&
    (value as { rawQuery?: unknown }).rawQuery === true
}
