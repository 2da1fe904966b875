import { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { ScheduledTimer, Time } from '@aed/core/time'
import type { AlertBook } from '../alerts/alert-book.ts'
import type { MonitorBus } from '../events.ts'
import type { Unit } from '../unit.ts'
import { AlertMirror } from './alert-mirror.ts'
import { RedisClaims } from './notification-claims.ts'
import type { NotificationClaims, Ownership } from './ownership.ts'
import { ReplicaNames } from './replica-names.ts'
import { SlotLeases } from './slot-leases.ts'
import { SLOT_COUNT, slotOf } from './slots.ts'

/** Prefix of every key and channel the replica group uses in Redis. */
export const REPLICA_KEY_PREFIX = 'aed:replicas'

export interface ReplicaSettings {
  /** REPLICA_REDIS_URL */
  redisUrl: string
  /** REPLICA_ID: unique among the replicas. */
  replicaId: string
  /** MQTT_CLIENT_ID: unique among the replicas too (each its own broker session). */
  mqttClientId: string
  /** REPLICA_LEASE_MS */
  leaseMs: number
}

export interface ReplicaGroupOptions extends ReplicaSettings {
  book: AlertBook
  bus: MonitorBus
  /** Every cabinet of the fleet, to name those whose slots changed hands. */
  cabinetIds: () => Iterable<string>
  /** Renewal rounds run on this time line; leases lapse in Redis on Redis's clock. */
  time: Time
  logger: Logger
}

/** What /readyz says about the replica group. */
export interface ReplicaHealth {
  id: string
  /** The slots this replica speaks for. */
  slots: number[]
  slotCount: number
  /** Replicas alive at the last round, this one included. */
  members: number
  /** Redis unreachable for a whole lease: this replica speaks for every cabinet. */
  isolated: boolean
}

/**
 * This process as one of several monitors (docs/architecture.md, "Replicas").
 * Every replica takes in every message; each cabinet's alerts are raised and
 * notified by the replica holding the lease on the cabinet's slot. The group
 * renews the leases (`SlotLeases`), mirrors alerts between replicas
 * (`AlertMirror`) and grants notification claims (`RedisClaims`); the rest
 * of the monitor sees only `owns(cabinetId)`, `claims` and the bus event
 * `ownershipChanged`.
 */
export class ReplicaGroup implements Unit, Ownership {
  readonly name = 'replica-group'
  private redis: Redis | undefined
  private subscriber: Redis | undefined
  private leases: SlotLeases | undefined
  private mirror: AlertMirror | undefined
  private redisClaims: RedisClaims | undefined
  private names: ReplicaNames | undefined
  private timer: ScheduledTimer | undefined

  constructor (private readonly options: ReplicaGroupOptions) {}

  /** Granted by Redis once the group has started; before that nothing is sent through it. */
  readonly claims: NotificationClaims = {
    claim: async key => await (this.redisClaims?.claim(key) ?? Promise.resolve(false)),
    release: key => this.redisClaims?.release(key)
  }

  owns (cabinetId: string): boolean {
    return this.leases?.owns(slotOf(cabinetId)) ?? false
  }

  /**
   * Connects to Redis (refusing to start without it: a replica that cannot
   * reach the group cannot know what it speaks for), holds its REPLICA_ID
   * and MQTT_CLIENT_ID (refusing to start when another running replica has
   * either), takes in the alerts the group holds, and runs the first round
   * of leases.
   */
  async start (): Promise<void> {
    const { redisUrl, replicaId, mqttClientId, leaseMs, book, time, logger } = this.options
    const redis = this.redis = new Redis(redisUrl, {
      lazyConnect: true,
      // A round must fail within its period rather than wait for Redis to come back.
      maxRetriesPerRequest: 2,
      commandTimeout: Math.max(500, Math.floor(leaseMs / 3)),
      connectionName: `aed-monitor:${replicaId}`
    })
    redis.on('error', err => logger.debug({ err }, 'Redis connection error'))
    try {
      await redis.connect()
    } catch (err) {
      redis.disconnect()
      throw new Error(`replica group: Redis at ${redactedUrl(redisUrl)} is not reachable`, { cause: err })
    }
    const names = this.names = new ReplicaNames({
      redis, prefix: REPLICA_KEY_PREFIX, leaseMs, time, logger,
      names: [{ setting: 'REPLICA_ID', value: replicaId }, { setting: 'MQTT_CLIENT_ID', value: mqttClientId }]
    })
    try {
      await names.claim()
    } catch (err) {
      redis.disconnect()
      throw err
    }
    const subscriber = this.subscriber = redis.duplicate()
    subscriber.on('error', err => logger.debug({ err }, 'Redis subscriber connection error'))
    const prefix = REPLICA_KEY_PREFIX
    const leases = this.leases = new SlotLeases({ redis, replicaId, prefix, leaseMs, clock: time, logger })
    const mirror = this.mirror = new AlertMirror({ redis, book, ownership: this, replicaId, prefix, logger })
    this.redisClaims = new RedisClaims({ redis, replicaId, prefix, logger })

    subscriber.on('message', (channel: string, message: string) => {
      if (channel === mirror.channel) void mirror.announced(message).catch((err: unknown) => logger.warn({ err }, 'taking in another replica\'s alert change failed'))
      else if (channel === leases.releasedChannel && message !== replicaId) this.roundInBackground()
    })
    await subscriber.subscribe(mirror.channel, leases.releasedChannel)
    // Before the recorder and the dispatcher: the change reaches Redis ahead of the claims it causes.
    book.prependListener('transition', mirror.onTransition)
    const mirrored = await mirror.load()
    await this.round()
    logger.info({ replicaId, slots: leases.owned().length, members: leases.report().members, mirroredAlerts: mirrored, leaseMs }, 'joined the replica group')
    this.timer = time.setInterval(() => this.roundInBackground(), Math.max(1, Math.floor(leaseMs / 3)))
  }

  /** Gives the slots up at once, so the others take them over at their next round rather than after the lease. */
  async stop (): Promise<void> {
    const { time, book, logger, bus } = this.options
    time.clear(this.timer)
    if (this.mirror !== undefined) book.off('transition', this.mirror.onTransition)
    const held = this.leases?.owned() ?? []
    await this.leases?.leave().catch((err: unknown) => logger.warn({ err }, 'giving slots up failed: they lapse after the lease'))
    if (held.length > 0) bus.emit('ownershipChanged', [], this.cabinetsIn(new Set(held)))
    await this.names?.release().catch((err: unknown) => logger.warn({ err }, 'giving the replica\'s names up failed: they lapse after the lease'))
    this.subscriber?.disconnect()
    await this.redis?.quit().catch(() => this.redis?.disconnect())
    this.leases = undefined
    this.redisClaims = undefined
  }

  health (): ReplicaHealth | undefined {
    if (this.leases === undefined) return undefined
    return { id: this.options.replicaId, slots: this.leases.owned(), slotCount: SLOT_COUNT, ...this.leases.report() }
  }

  /** One round of leases; announces the cabinets that changed hands. */
  async round (): Promise<void> {
    const leases = this.leases
    if (leases === undefined) return
    // Redis away is the leases' business (they log it and fail open); the names only say whether another replica has taken one.
    await this.names?.renew().catch(() => undefined)
    const { gained, lost } = await leases.round()
    if (gained.length === 0 && lost.length === 0) return
    this.options.logger.info({ gainedSlots: gained.length, lostSlots: lost.length, slots: leases.owned().length, members: leases.report().members }, 'slots changed hands')
    this.options.bus.emit('ownershipChanged', this.cabinetsIn(new Set(gained)), this.cabinetsIn(new Set(lost)))
  }

  private roundInBackground (): void {
    this.round().catch((err: unknown) => this.options.logger.error({ err }, 'a round of slot leases failed'))
  }

  private cabinetsIn (slots: ReadonlySet<number>): string[] {
    return [...this.options.cabinetIds()].filter(id => slots.has(slotOf(id)))
  }
}

function redactedUrl (url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'REPLICA_REDIS_URL'
  }
}
