import type { Logger } from 'pino'
import { HttpError, type InfluxV1Client } from '@aed/core/influx'
import type { ScheduledTimer, Scheduler } from '@aed/core/time'
import type { Unit } from '../unit.ts'

/** What the writer needs of an InfluxDB client. */
export type InfluxWriteClient = Pick<InfluxV1Client, 'write' | 'createDatabase'>

export interface InfluxWriterOptions {
  batchSize: number
  flushMs: number
  /** Lines kept while InfluxDB is unreachable; beyond it the oldest are dropped and counted. */
  maxBufferLines: number
  /** Longest pause between retries, ms. */
  maxRetryDelayMs?: number
  /** Run CREATE DATABASE at start-up and whenever a write finds the database missing (InfluxDB 1.x). */
  createDatabase?: boolean
}

/**
 * Batches line-protocol lines (every measurement: telemetry, readiness,
 * alert events, notifications, maintenance) to InfluxDB. A line is queued in O(1) and the
 * MQTT path never waits for InfluxDB. While InfluxDB is down, lines stay
 * queued and the batch is retried with backoff; a batch InfluxDB rejects as
 * malformed (4xx other than 429) is dropped with a log, since retrying it
 * cannot succeed.
 */
export class InfluxWriter implements Unit {
  readonly name = 'influx-writer'
  private queue: string[] = []
  private timer: ScheduledTimer | undefined
  private flushing: Promise<void> | undefined
  private retryDelayMs = 0
  private stopped = false
  written = 0
  dropped = 0
  rejectedByServer = 0
  /** Outcome of the last write attempt: false while InfluxDB is failing. */
  healthy = true
  lastError: string | undefined

  constructor (
    private readonly client: InfluxWriteClient,
    private readonly options: InfluxWriterOptions,
    private readonly scheduler: Scheduler,
    private readonly logger: Logger
  ) {}

  /** Creates the database if asked; InfluxDB being down is not fatal, writes retry until it is up. */
  async start (): Promise<void> {
    this.stopped = false
    if (this.options.createDatabase === true) {
      await this.client.createDatabase().catch(err => this.logger.warn({ err }, 'CREATE DATABASE failed; writes will retry until the database exists'))
    }
  }

  get buffered (): number {
    return this.queue.length
  }

  enqueue (line: string): void {
    this.queue.push(line)
    if (this.queue.length > this.options.maxBufferLines) {
      const excess = this.queue.length - this.options.maxBufferLines
      this.queue.splice(0, excess)
      this.dropped += excess
      this.logger.error({ dropped: excess, buffer: this.options.maxBufferLines }, 'InfluxDB buffer full: oldest lines dropped')
    }
    if (this.queue.length >= this.options.batchSize && this.retryDelayMs === 0) this.flushSoon(0)
    else this.flushSoon(this.options.flushMs)
  }

  /** Writes everything queued now; resolves when the queue is empty or a write failed. */
  async flush (): Promise<void> {
    if (this.flushing !== undefined) return this.flushing
    this.flushing = this.drain().finally(() => { this.flushing = undefined })
    return this.flushing
  }

  /** Stops the timer after a last attempt to write what is queued. */
  async stop (): Promise<void> {
    this.stopped = true
    this.scheduler.clear(this.timer)
    // Let an attempt already under way finish, then try again a few times:
    // the first request after an outage may meet a pooled socket the server closed.
    await this.flushing
    for (let attempt = 0; attempt < 3 && this.queue.length > 0; attempt++) await this.flush()
    if (this.queue.length > 0) this.logger.error({ lines: this.queue.length }, 'stopping with lines not written to InfluxDB')
  }

  private flushSoon (delayMs: number): void {
    if (this.stopped) return
    if (this.timer !== undefined) {
      if (delayMs > 0 || this.retryDelayMs > 0) return
      this.scheduler.clear(this.timer)
    }
    this.timer = this.scheduler.setTimeout(() => {
      this.timer = undefined
      this.flush().catch(err => this.logger.error({ err }, 'flush failed'))
    }, Math.max(delayMs, this.retryDelayMs))
  }

  private async drain (): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, this.options.batchSize)
      try {
        await this.client.write(batch)
        this.queue.splice(0, batch.length)
        this.written += batch.length
        if (!this.healthy) this.logger.info({ buffered: this.queue.length }, 'InfluxDB writes recovered')
        this.healthy = true
        this.retryDelayMs = 0
        this.lastError = undefined
      } catch (err) {
        if (err instanceof HttpError && err.statusCode >= 400 && err.statusCode < 500 && err.statusCode !== 429 && err.statusCode !== 401 && err.statusCode !== 403 && err.statusCode !== 404) {
          // The server parsed and refused these lines: they will never be accepted.
          this.queue.splice(0, batch.length)
          this.rejectedByServer += batch.length
          this.logger.error({ err, lines: batch.length, first: batch[0] }, 'InfluxDB refused a batch as invalid: dropped')
          continue
        }
        if (err instanceof HttpError && err.statusCode === 404 && this.options.createDatabase === true) {
          // InfluxDB 1.x may have been down at start-up: create the database when a write finds it missing.
          await this.client.createDatabase().then(
            () => this.logger.info('database created after a write found it missing'),
            (createErr: unknown) => this.logger.warn({ err: createErr }, 'creating the missing database failed'))
        }
        this.healthy = false
        this.lastError = err instanceof Error ? err.message : String(err)
        this.retryDelayMs = Math.min(Math.max(this.retryDelayMs * 2, 500), this.options.maxRetryDelayMs ?? 30_000)
        this.logger.warn({ err, buffered: this.queue.length, retryInMs: this.retryDelayMs }, 'InfluxDB write failed, will retry')
        this.flushSoon(this.retryDelayMs)
        return
      }
    }
  }
}
