import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { sleep, type Time } from '@aed/core/time'

/** Takes a name that is free or already this process's, and keeps it for `ms`; 0 when another process holds it. */
const HOLD_IF_FREE_OR_MINE = `local held = redis.call('get', KEYS[1])
if held == false or held == ARGV[1] then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`
/** Gives a name up only if this process holds it. */
const RELEASE_IF_MINE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`

/** A name a replica must not share with another running replica: the setting that gives it, and its value. */
export interface ReplicaName {
  setting: 'REPLICA_ID' | 'MQTT_CLIENT_ID'
  value: string
}

export interface ReplicaNamesOptions {
  redis: Redis
  prefix: string
  names: ReplicaName[]
  leaseMs: number
  time: Time
  logger: Logger
}

/** Another running replica holds a name this one was given. */
export class ReplicaNameTakenError extends Error {
  constructor (readonly taken: ReplicaName) {
    super(`${taken.setting}=${taken.value} is in use by another running replica: give each replica a ${taken.setting} of its own`)
  }
}

/**
 * Makes sure no two running replicas share a REPLICA_ID (both would trust
 * the same slot leases and page twice) or an MQTT_CLIENT_ID (the broker
 * would hand their one session back and forth, each getting part of the
 * messages). Each name is held in Redis under a token of this process,
 * with the leases' lifetime, and renewed at every round.
 *
 * At start a name held by another process is waited for, up to a lease and
 * a renewal period: a replica restarted after a crash finds its own name
 * still held by its former self until that lapses. A name still held after
 * that is renewed by a running replica, and the start is refused.
 */
export class ReplicaNames {
  private readonly token = randomBytes(9).toString('base64url')
  /** Names found held by another process at the last renewal, so each is logged once while it lasts. */
  private readonly contested = new Set<string>()

  constructor (private readonly options: ReplicaNamesOptions) {}

  /** Holds every name, or throws ReplicaNameTakenError once one stays held by another replica for a whole lease. */
  async claim (): Promise<void> {
    const { leaseMs, time } = this.options
    const deadline = time.now() + leaseMs + Math.ceil(leaseMs / 3)
    for (const name of this.options.names) {
      while (!await this.hold(name)) {
        if (time.now() >= deadline) throw new ReplicaNameTakenError(name)
        await sleep(time, Math.max(10, Math.floor(leaseMs / 10)))
      }
    }
  }

  /** Renews every name; one another replica took meanwhile is logged as an error (once while it lasts). */
  async renew (): Promise<void> {
    for (const name of this.options.names) {
      const key = this.key(name)
      if (await this.hold(name)) {
        this.contested.delete(key)
      } else if (!this.contested.has(key)) {
        this.contested.add(key)
        this.options.logger.error({ setting: name.setting, value: name.value }, `${name.setting} is in use by another running replica as well: alerts may be paged twice and MQTT messages missed until one of them is given its own`)
      }
    }
  }

  async release (): Promise<void> {
    const pipeline = this.options.redis.pipeline()
    for (const name of this.options.names) pipeline.eval(RELEASE_IF_MINE, 1, this.key(name), this.token)
    await pipeline.exec()
  }

  private async hold (name: ReplicaName): Promise<boolean> {
    return await this.options.redis.eval(HOLD_IF_FREE_OR_MINE, 1, this.key(name), this.token, String(this.options.leaseMs)) === 1
  }

  private key (name: ReplicaName): string {
    return `${this.options.prefix}:name:${name.setting}:${name.value}`
  }
}
