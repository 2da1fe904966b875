import { HttpError, InfluxDB, Point, type Transport } from '@influxdata/influxdb-client'

export { HttpError, Point }

export interface InfluxV1Options {
  /** Base URL of the server, e.g. http://127.0.0.1:8086 */
  url: string
  database: string
  /** Sent as "Authorization: Token …" (InfluxDB 2.x/3.x, or 1.8+ "user:password"). */
  token?: string | undefined
  timeoutMs?: number
}

/** One series of an InfluxQL result, as /query returns it. */
export interface InfluxSeries {
  name: string
  tags?: Record<string, string>
  columns: string[]
  values: unknown[][]
}

export interface InfluxStatementResult {
  statement_id: number
  series?: InfluxSeries[]
  error?: string
}

export class InfluxQueryError extends Error {
  constructor (readonly query: string, reason: string, options?: ErrorOptions) {
    super(`InfluxQL failed: ${reason} (query: ${query})`, options)
    this.name = 'InfluxQueryError'
  }
}

/**
 * Serialises a Point for `/write?precision=u`. A number timestamp is epoch
 * milliseconds; a string is taken as epoch microseconds as it is (see
 * `microsecondTimestamp`).
 */
const POINT_SETTINGS = {
  convertTime: (value: string | number | Date | undefined) =>
    value === undefined ? undefined : typeof value === 'string' ? value : String(Math.round(Number(value) * 1000))
}

/**
 * Epoch microseconds for a point at `ms` that must stay distinct from other
 * points in the same millisecond: `discriminator` (0–999) becomes the
 * microseconds. InfluxDB keeps one point per series and time, so two
 * messages with different `seq` in one millisecond keep both, while a
 * redelivery of the same message lands on the same point.
 */
export function microsecondTimestamp (ms: number, discriminator: number): string {
  return `${Math.trunc(ms)}${String(((discriminator % 1000) + 1000) % 1000).padStart(3, '0')}`
}

export function toLine (point: Point): string | undefined {
  return point.toLineProtocol(POINT_SETTINGS)
}

/**
 * The v1-compatible HTTP API that every InfluxDB generation serves: line
 * protocol to /write and InfluxQL on /query. The @influxdata client provides
 * the escaping (Point) and the HTTP transport with its HttpError; its own
 * write and query APIs speak /api/v2, which InfluxDB 1.x before 1.8 lacks.
 */
export class InfluxV1Client {
  private readonly transport: Transport
  private readonly writePath: string

  constructor (readonly options: InfluxV1Options) {
    this.transport = new InfluxDB({ url: options.url, token: options.token, timeout: options.timeoutMs ?? 10_000 }).transport
    this.writePath = `/write?db=${encodeURIComponent(options.database)}&precision=u`
  }

  /** Writes line-protocol lines (timestamps in epoch microseconds, as `toLine` writes them). Rejects with HttpError on a non-2xx answer. */
  async write (lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return
    await this.transport.request(this.writePath, lines.join('\n'), {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' }
    })
  }

  /** Runs InfluxQL on the configured database and returns the per-statement results; times are epoch ms. */
  async query (q: string, method: 'GET' | 'POST' = 'GET'): Promise<InfluxStatementResult[]> {
    const params = new URLSearchParams({ db: this.options.database, q, epoch: 'ms' })
    let body: unknown
    try {
      body = method === 'GET'
        ? await this.transport.request(`/query?${params.toString()}`, '', { method: 'GET' })
        : await this.transport.request('/query', params.toString(), {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' }
        })
    } catch (err) {
      throw new InfluxQueryError(q, err instanceof HttpError ? `HTTP ${err.statusCode} ${err.body ?? ''}`.trim() : (err as Error).message, { cause: err })
    }
    const results = (body as { results?: InfluxStatementResult[], error?: string } | undefined)
    if (results?.error !== undefined) throw new InfluxQueryError(q, results.error)
    for (const result of results?.results ?? []) {
      if (result.error !== undefined) throw new InfluxQueryError(q, result.error)
    }
    return results?.results ?? []
  }

  /** The rows of the first series of the first statement, as objects keyed by column. */
  async rows (q: string): Promise<Array<Record<string, unknown>>> {
    const [first] = await this.query(q)
    const series = first?.series ?? []
    return series.flatMap(s => s.values.map(values => {
      const row: Record<string, unknown> = { ...s.tags }
      s.columns.forEach((column, i) => { row[column] = values[i] })
      return row
    }))
  }

  /** Creates the database if the server allows it (1.x). InfluxDB 2.x maps databases through DBRP instead. */
  async createDatabase (): Promise<void> {
    await this.query(`CREATE DATABASE ${quoteIdentifier(this.options.database)}`, 'POST')
  }

  /** True when /ping answers 204. */
  async ping (): Promise<boolean> {
    try {
      await this.transport.request('/ping', '', { method: 'GET' })
      return true
    } catch {
      return false
    }
  }
}

export function quoteIdentifier (name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}
