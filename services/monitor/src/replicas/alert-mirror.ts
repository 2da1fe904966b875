import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { z } from 'zod'
import { AlertSchema } from '../alerts/alert.ts'
import type { AlertBook, AlertTransition } from '../alerts/alert-book.ts'
import { composeShared, mergeAlerts, type SharedAlert } from './alert-merge.ts'
import type { Ownership } from './ownership.ts'

/** Resolved alerts stay in Redis this long, like in the journal, for a replica that starts meanwhile. */
const KEEP_RESOLVED_MS = 7 * 86_400_000

const PersonActionSchema = z.object({ by: z.string(), atMs: z.number() })
const AnnouncementSchema = z.object({ alertId: z.string(), from: z.string() })

export interface AlertMirrorOptions {
  redis: Redis
  book: AlertBook
  ownership: Ownership
  replicaId: string
  prefix: string
  logger: Logger
}

/**
 * Keeps every replica's alert book in step with the owners'. Only the owner
 * of a cabinet raises, updates, escalates and clears its alerts; each change
 * it makes is written to Redis (a hash per alert: `state`, and `ack` and
 * `resolve` for what people did, first one wins) and announced on a channel.
 * The other replicas read the hash and take the merged alert in
 * (`mergeAlerts`: status only moves forward), so they hold the same alert,
 * under the same id, as the owner: a link in an SMS works on any replica,
 * and a replica that takes the cabinet over carries on with the alert
 * instead of opening a second one.
 *
 * An acknowledgement or a resolution made through any replica's API is
 * written the same way; the owner applies it as a transition of its own
 * book, so its escalation stops and its all-clear goes out.
 *
 * The write to Redis is queued on the same connection as, and before, the
 * claims of the notifications the transition causes (the mirror's listener
 * runs first), so a notification another replica sees claimed always has
 * its alert in Redis too.
 */
export class AlertMirror {
  /** Set while a remote change is applied: those transitions are not written back. */
  private applying = false

  constructor (private readonly options: AlertMirrorOptions) {}

  get channel (): string {
    return `${this.options.prefix}:alerts`
  }

  /** For the alert book's `transition` event: writes and announces a change made here. */
  readonly onTransition = ({ alert, change, by, atMs }: AlertTransition): void => {
    if (this.applying) return
    const { redis, ownership, replicaId, logger } = this.options
    const key = this.keyOf(alert.id)
    const write = redis.multi()
    // Only the owner's view of facts, severity and escalation counts; others contribute what people did.
    if (ownership.owns(alert.cabinetId)) write.hset(key, 'state', JSON.stringify(alert))
    if (change === 'acknowledged') write.hsetnx(key, 'ack', JSON.stringify({ by, atMs }))
    if (change === 'resolved') {
      write.hsetnx(key, 'resolve', JSON.stringify({ by, atMs }))
      write.pexpire(key, KEEP_RESOLVED_MS)
    }
    write.publish(this.channel, JSON.stringify({ alertId: alert.id, from: replicaId }))
    write.exec().catch((err: unknown) => logger.error({ err, alertId: alert.id, cabinetId: alert.cabinetId, change }, 'writing an alert change to Redis failed: other replicas learn it at the next change'))
  }

  /** For the channel: another replica changed an alert. */
  async announced (message: string): Promise<void> {
    let parsed: z.infer<typeof AnnouncementSchema>
    try {
      parsed = AnnouncementSchema.parse(JSON.parse(message))
    } catch (err) {
      this.options.logger.warn({ err, message }, 'unreadable alert announcement ignored')
      return
    }
    if (parsed.from === this.options.replicaId) return
    await this.fetch(this.keyOf(parsed.alertId))
  }

  /** Takes in every alert Redis holds (at start-up). */
  async load (): Promise<number> {
    let cursor = '0'
    let count = 0
    do {
      const [next, keys] = await this.options.redis.scan(cursor, 'MATCH', this.keyOf('*'), 'COUNT', 1000)
      cursor = next
      for (const key of keys) {
        if (await this.fetch(key)) count++
      }
    } while (cursor !== '0')
    return count
  }

  private async fetch (key: string): Promise<boolean> {
    const fields = await this.options.redis.hgetall(key)
    if (fields.state === undefined) return false
    let shared: SharedAlert
    try {
      shared = {
        state: AlertSchema.parse(JSON.parse(fields.state)),
        ack: fields.ack === undefined ? undefined : PersonActionSchema.parse(JSON.parse(fields.ack)),
        resolve: fields.resolve === undefined ? undefined : PersonActionSchema.parse(JSON.parse(fields.resolve))
      }
    } catch (err) {
      this.options.logger.warn({ err, key }, 'unreadable shared alert ignored')
      return false
    }
    this.take(composeShared(shared))
    return true
  }

  /** Applies another replica's view: status changes as transitions (the owner's escalation stops, its all-clear goes out), the rest silently. */
  private take (remote: z.infer<typeof AlertSchema>): void {
    const { book, logger } = this.options
    const local = book.get(remote.id)
    if (local === undefined) {
      book.mirror(remote)
      return
    }
    const merged = mergeAlerts(local, remote)
    this.applying = true
    try {
      if (local.status === 'open' && merged.status !== 'open' && merged.acknowledgedAt !== undefined) {
        book.acknowledge(merged.id, merged.acknowledgedBy ?? 'unknown', Date.parse(merged.acknowledgedAt))
      }
      if (local.status !== 'resolved' && merged.status === 'resolved' && merged.resolvedAt !== undefined) {
        book.resolve(merged.id, merged.resolvedBy ?? 'unknown', Date.parse(merged.resolvedAt))
      }
      book.mirror(merged)
    } catch (err) {
      logger.error({ err, alertId: remote.id, cabinetId: remote.cabinetId }, 'applying another replica\'s alert change failed')
    } finally {
      this.applying = false
    }
  }

  private keyOf (alertId: string): string {
    return `${this.options.prefix}:alert:${alertId}`
  }
}
