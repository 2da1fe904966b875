import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { NotificationClaims } from './ownership.ts'

const RELEASE_IF_MINE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`

/**
 * Longer than any alert stays open in practice (an expiry warning lasts
 * weeks): a claim that lapsed while its alert is still open would let the
 * next owner send that step again.
 */
export const CLAIM_TTL_MS = 60 * 86_400_000

export interface RedisClaimsOptions {
  redis: Redis
  replicaId: string
  prefix: string
  logger: Logger
}

/**
 * One notification step, once across replicas: before a replica sends a
 * delivery it claims the delivery's key (`SET NX`). The key is the one the
 * dispatcher journals and sends as the provider's idempotency key
 * (alert, step, channel, person); alert ids are the same on every replica
 * because alerts are mirrored from their owner, so a replica that takes a
 * cabinet over finds the claims its predecessor made and does not page again.
 *
 * When Redis does not answer, the claim is granted: a page sent twice is
 * better than a page not sent.
 */
export class RedisClaims implements NotificationClaims {
  constructor (private readonly options: RedisClaimsOptions) {}

  async claim (key: string): Promise<boolean> {
    const { redis, replicaId, logger } = this.options
    try {
      return await redis.set(this.keyOf(key), replicaId, 'PX', CLAIM_TTL_MS, 'NX') === 'OK'
    } catch (err) {
      logger.error({ err, key }, 'claiming a notification failed: sending it anyway')
      return true
    }
  }

  release (key: string): void {
    const { redis, replicaId, logger } = this.options
    redis.eval(RELEASE_IF_MINE, 1, this.keyOf(key), replicaId).catch((err: unknown) => logger.warn({ err, key }, 'giving a notification claim back failed; it lapses on its own'))
  }

  private keyOf (key: string): string {
    return `${this.options.prefix}:claim:${key}`
  }
}
