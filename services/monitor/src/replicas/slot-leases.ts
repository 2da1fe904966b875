import type { ChainableCommander, Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { Clock } from '@aed/core/time'
import { SLOT_COUNT, fairShare, preferredOrder } from './slots.ts'

/** Renews a lease only if this replica still holds it: a lease that lapsed and was taken by another is theirs. */
const RENEW_IF_MINE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`
/** Gives a lease up only if this replica still holds it. */
const RELEASE_IF_MINE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`

export interface SlotLeasesOptions {
  redis: Redis
  replicaId: string
  /** Prefix of every key and channel of the replica group. */
  prefix: string
  /** Lifetime of a lease in Redis, ms; renewed every leaseMs / 3. */
  leaseMs: number
  clock: Clock
  logger: Logger
  slots?: number
}

/** What one round changed: slots this replica now speaks for, and slots it no longer does. */
export interface SlotChanges {
  gained: number[]
  lost: number[]
}

/**
 * The slots this replica holds, as leases in Redis (`SET NX PX`), renewed
 * by compare-and-renew so a lease that lapsed and passed to another replica
 * is never taken back by accident.
 *
 * Each round (every leaseMs / 3, driven by the replica group): renew the
 * membership key (`PX leaseMs`), count the members, renew the held leases,
 * give up those beyond the fair share ceil(slots / members) so that a newcomer
 * gets some, and take free slots up to the fair share. A replica that dies
 * stops renewing: its membership and its leases lapse together after at most
 * leaseMs, and the survivors' next round (at most leaseMs / 3 later) takes
 * its slots. Handover after a crash is therefore bounded by leaseMs plus one
 * renew period; after a clean stop (leave()) it is one renew period.
 *
 * Ownership is trusted locally only until the lease's expiry as computed
 * from the moment the renewing command was sent, less a tenth of the lease
 * for clock drift: Redis expires the key no earlier than that, so two
 * replicas never both trust a lease on the same slot while their clocks run
 * at nearly the same rate.
 *
 * When Redis cannot be reached for a whole lease, the replica fails open: it
 * speaks for every cabinet. Pages may then be sent by more than one replica;
 * a door opening going unpaged because Redis is down would be worse.
 */
export class SlotLeases {
  private readonly slots: number
  /** slot → local time until which this replica trusts its lease. */
  private readonly valid = new Map<number, number>()
  private members = 0
  private reachableSinceMs: number | undefined
  private unreachableSinceMs: number | undefined
  private isolated = false
  private running: Promise<SlotChanges> | undefined

  constructor (private readonly options: SlotLeasesOptions) {
    this.slots = options.slots ?? SLOT_COUNT
  }

  /** Whether this replica speaks for the slot now. */
  owns (slot: number): boolean {
    if (this.isolated) return true
    const until = this.valid.get(slot)
    return until !== undefined && until > this.options.clock.now()
  }

  /** The slots this replica speaks for now, ascending. */
  owned (): number[] {
    return Array.from({ length: this.slots }, (_, slot) => slot).filter(slot => this.owns(slot))
  }

  /** What /readyz shows. */
  report (): { members: number, isolated: boolean } {
    return { members: this.members, isolated: this.isolated }
  }

  /** One renewal round; rounds never overlap (a call during a round waits for it). */
  async round (): Promise<SlotChanges> {
    if (this.running !== undefined) return await this.running
    this.running = this.renew().finally(() => { this.running = undefined })
    return await this.running
  }

  /** Gives every lease and the membership up, so the others take the slots at their next round. */
  async leave (): Promise<void> {
    await this.running?.catch(() => undefined)
    const { redis, replicaId } = this.options
    const held = [...this.valid.keys()]
    this.valid.clear()
    this.isolated = false
    const pipeline = redis.pipeline()
    for (const slot of held) pipeline.eval(RELEASE_IF_MINE, 1, this.slotKey(slot), replicaId)
    pipeline.del(this.memberKey(replicaId))
    if (held.length > 0) pipeline.publish(this.releasedChannel, replicaId)
    await pipeline.exec()
  }

  /** The channel on which a replica says it gave slots up: the others run a round at once instead of waiting for theirs. */
  get releasedChannel (): string {
    return `${this.options.prefix}:released`
  }

  private async renew (): Promise<SlotChanges> {
    const before = new Set(this.owned())
    const { clock, leaseMs, logger } = this.options
    const sentAtMs = clock.now()
    try {
      await this.exchange(sentAtMs)
      this.reachableSinceMs = sentAtMs
      this.unreachableSinceMs = undefined
      if (this.isolated) logger.warn('Redis reachable again: back to the slots this replica holds')
      this.isolated = false
    } catch (err) {
      this.unreachableSinceMs ??= this.reachableSinceMs ?? sentAtMs
      const isolated = clock.now() - this.unreachableSinceMs >= leaseMs
      if (isolated && !this.isolated) logger.error({ err }, 'Redis unreachable for a whole lease: this replica now speaks for every cabinet (pages may be sent twice)')
      else if (!isolated) logger.warn({ err }, 'renewing slot leases failed')
      this.isolated = isolated
    }
    const after = new Set(this.owned())
    return {
      gained: [...after].filter(slot => !before.has(slot)),
      lost: [...before].filter(slot => !after.has(slot))
    }
  }

  /** The Redis side of a round; throws when Redis does not answer. */
  private async exchange (sentAtMs: number): Promise<void> {
    const { redis, replicaId, leaseMs } = this.options
    const trustedUntil = sentAtMs + leaseMs - Math.max(1, Math.floor(leaseMs / 10))
    await redis.set(this.memberKey(replicaId), '1', 'PX', leaseMs)
    this.members = Math.max(1, await this.countMembers())
    const fair = fairShare(this.members, this.slots)
    const order = preferredOrder(replicaId, this.slots)
    // Redis, not local memory, says what is ours: after a lapse of trust the lease may still be ours to renew.
    const holders = await redis.mget(order.map(slot => this.slotKey(slot)))
    const mine = order.filter((_, i) => holders[i] === replicaId)
    const free = order.filter((_, i) => holders[i] === null)

    const renewed = await this.each(mine, (pipeline, slot) => pipeline.eval(RENEW_IF_MINE, 1, this.slotKey(slot), replicaId, String(leaseMs)), reply => reply === 1)
    const kept = renewed.slice(0, fair)
    const extra = renewed.slice(fair)
    if (extra.length > 0) {
      await this.each(extra, (pipeline, slot) => pipeline.eval(RELEASE_IF_MINE, 1, this.slotKey(slot), replicaId), () => true)
      await redis.publish(this.releasedChannel, replicaId)
      this.options.logger.info({ released: extra.length, fairShare: fair, members: this.members }, 'slots given up for the fair share')
    }
    const wanted = free.slice(0, Math.max(0, fair - kept.length))
    const acquired = await this.each(wanted, (pipeline, slot) => pipeline.set(this.slotKey(slot), replicaId, 'PX', leaseMs, 'NX'), reply => reply === 'OK')

    this.valid.clear()
    for (const slot of [...kept, ...acquired]) this.valid.set(slot, trustedUntil)
  }

  /** Runs one command per slot in a pipeline; the slots whose reply passes `ok`. */
  private async each (slots: number[], command: (pipeline: ChainableCommander, slot: number) => void, ok: (reply: unknown) => boolean): Promise<number[]> {
    if (slots.length === 0) return []
    const pipeline = this.options.redis.pipeline()
    for (const slot of slots) command(pipeline, slot)
    const replies = await pipeline.exec()
    if (replies === null) throw new Error('Redis pipeline discarded')
    const failed = replies.find(([err]) => err !== null)
    if (failed !== undefined) throw failed[0] as Error
    return slots.filter((_, i) => ok(replies[i]![1]))
  }

  private async countMembers (): Promise<number> {
    let cursor = '0'
    let count = 0
    do {
      const [next, keys] = await this.options.redis.scan(cursor, 'MATCH', this.memberKey('*'), 'COUNT', 1000)
      cursor = next
      count += keys.length
    } while (cursor !== '0')
    return count
  }

  private memberKey (replicaId: string): string {
    return `${this.options.prefix}:member:${replicaId}`
  }

  private slotKey (slot: number): string {
    return `${this.options.prefix}:slot:${slot}`
  }
}
