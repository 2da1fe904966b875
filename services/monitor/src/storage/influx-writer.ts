import type { Logger } from 'pino'
import { HttpError, type InfluxV1Client } from '@aed/core/influx'
import type { ScheduledTimer, Scheduler } from '@aed/core/time'
import type { Unit } from '../unit.ts'
import type { Spool } from './spool.ts'

/** What the writer needs of an InfluxDB client. */
export type InfluxWriteClient = Pick<InfluxV1Client, 'write' | 'createDatabase'>

export interface InfluxWriterOptions {
  batchSize: number
  flushMs: number
  /** Lines in memory (and in the spool) waiting for InfluxDB at which the writer counts as full: the MQTT intake then waits. */
  maxBufferLines: number
  /** Longest pause between retries, ms. */
  maxRetryDelayMs?: number
  /** Run CREATE DATABASE at start-up and whenever a write finds the database missing (InfluxDB 1.x). */
  createDatabase?: boolean
  /** How long stop() keeps trying to write what is queued; what is left stays in the spool for the next start, ms. */
  stopTimeoutMs?: number
}

/**
 * Batches line-protocol lines (every measurement: telemetry, readiness,
 * alert events, notifications, maintenance) to InfluxDB. Every line goes to
 * the write-ahead spool on disk first (`durable()` says when it is synced),
 * then into the in-memory queue, in O(1): the MQTT path never waits for
 * InfluxDB. While InfluxDB is down, lines stay queued and the batch is
 * retried with backoff; nothing is dropped, and once `maxBufferLines` are
 * waiting the writer is `full` (the intake then holds back new messages).
 * A batch InfluxDB rejects as malformed (4xx other than 429) is dropped
 * with a log, since retrying it cannot succeed. Lines not yet written when
 * the process stops or dies are replayed from the spool at the next start.
 */
export class InfluxWriter implements Unit {
  readonly name = 'influx-writer'
  private queue: string[] = []
  /** The spool segment of each queued line, in the same order. */
  private queueSegments: number[] = []
  private roomWaiters: Array<() => void> = []
  private timer: ScheduledTimer | undefined
  private flushing: Promise<void> | undefined
  private retryDelayMs = 0
  private stopped = false
  written = 0
  rejectedByServer = 0
  /** Lines replayed from the spool at start-up. */
  replayed = 0
  /** Outcome of the last write attempt: false while InfluxDB is failing. */
  healthy = true
  lastError: string | undefined

  constructor (
    private readonly client: InfluxWriteClient,
    private readonly spool: Spool,
    private readonly options: InfluxWriterOptions,
    private readonly scheduler: Scheduler,
    private readonly logger: Logger
  ) {}

  /** Opens the spool and queues what the last run left in it; creates the database if asked. */
  async start (): Promise<void> {
    this.stopped = false
    const left = await this.spool.open()
    for (const { line, segment } of left) {
      this.queue.push(line)
      this.queueSegments.push(segment)
    }
    this.replayed = left.length
    if (left.length > 0) this.logger.info({ lines: left.length }, 'replaying lines the spool held from the last run')
    if (this.options.createDatabase === true) {
      await this.client.createDatabase().catch(err => this.logger.warn({ err }, 'CREATE DATABASE failed; writes will retry until the database exists'))
    }
    if (this.queue.length > 0) this.flushSoon(0)
  }

  get buffered (): number {
    return this.queue.length
  }

  /** Bytes of the spool on disk. */
  get spooledBytes (): number {
    return this.spool.bytes
  }

  /** So many lines wait for InfluxDB that new messages should wait too. */
  get full (): boolean {
    return this.queue.length >= this.options.maxBufferLines
  }

  enqueue (line: string): void {
    this.queueSegments.push(this.spool.append(line))
    this.queue.push(line)
    if (this.queue.length >= this.options.batchSize && this.retryDelayMs === 0) this.flushSoon(0)
    else this.flushSoon(this.options.flushMs)
  }

  /** Resolves once the writer is no longer full. */
  roomAgain (): Promise<void> {
    if (!this.full) return Promise.resolve()
    return new Promise(resolve => this.roomWaiters.push(resolve))
  }

  /** Resolves once every line enqueued so far is on disk in the spool. */
  durable (): Promise<void> {
    return this.spool.durable()
  }

  /** Writes everything queued now; resolves when the queue is empty or a write failed. */
  async flush (): Promise<void> {
    if (this.flushing !== undefined) return this.flushing
    this.flushing = this.drain().finally(() => { this.flushing = undefined })
    return this.flushing
  }

  /**
   * Stops the timer after a last attempt, bounded by `stopTimeoutMs`, to write
   * what is queued. Nothing is lost if InfluxDB does not answer in time: the
   * lines are in the spool and are written at the next start.
   */
  async stop (): Promise<void> {
    this.stopped = true
    this.scheduler.clear(this.timer)
    const attempts = (async () => {
      // Let an attempt already under way finish, then try again a few times:
      // the first request after an outage may meet a pooled socket the server closed.
      await this.flushing
      for (let attempt = 0; attempt < 3 && this.queue.length > 0 && this.stopped; attempt++) await this.flush()
    })()
    let timer: ReturnType<Scheduler['setTimeout']> | undefined
    const deadline = new Promise<void>(resolve => { timer = this.scheduler.setTimeout(resolve, this.options.stopTimeoutMs ?? 5000) })
    await Promise.race([attempts, deadline])
    this.scheduler.clear(timer)
    await this.spool.close()
    if (this.queue.length > 0) this.logger.warn({ lines: this.queue.length }, 'stopping with lines not yet in InfluxDB: they stay in the spool for the next start')
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
        this.taken(batch.length)
        this.written += batch.length
        if (!this.healthy) this.logger.info({ buffered: this.queue.length }, 'InfluxDB writes recovered')
        this.healthy = true
        this.retryDelayMs = 0
        this.lastError = undefined
      } catch (err) {
        if (err instanceof HttpError && err.statusCode >= 400 && err.statusCode < 500 && err.statusCode !== 429 && err.statusCode !== 401 && err.statusCode !== 403 && err.statusCode !== 404) {
          // The server parsed and refused these lines: they will never be accepted.
          this.taken(batch.length)
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

  /** The first `count` queued lines are done with: out of the queue, and out of the spool once their segment is all done. */
  private taken (count: number): void {
    this.queue.splice(0, count)
    const segments = this.queueSegments.splice(0, count)
    let run = 0
    for (let i = 0; i < segments.length; i++) {
      run++
      if (segments[i + 1] !== segments[i]) {
        this.spool.markWritten(segments[i]!, run)
        run = 0
      }
    }
    if (!this.full && this.roomWaiters.length > 0) {
      const waiters = this.roomWaiters
      this.roomWaiters = []
      for (const resolve of waiters) resolve()
    }
  }
}
