import type { Redis } from 'ioredis'
import msgpack from 'msgpack-lite'

/** Where aedes-persistence-redis lists the keys of the stored wills. */
const WILL_LIST = 'will'
/** Where they are kept instead: a set. */
export const WILL_SET = 'wills'
/** Keys read per round trip when the wills are streamed. */
const BATCH = 1000

/** A will as Aedes stores it (the MQTT will of the connection, plus whose it is). */
interface WillPacket { clientId: string, brokerId: string, [field: string]: unknown }

/** The four will calls of aedes-persistence-redis's inner (promise) store. */
interface WillCalls {
  readonly broker: { id: string } | undefined
  putWill (client: { id: string }, packet: Record<string, unknown>): Promise<void>
  getWill (client: { id: string }): Promise<WillPacket | null>
  delWill (client: { id: string, brokerId: string }): Promise<WillPacket | null>
  streamWill (brokers?: Record<string, number>): AsyncIterable<WillPacket>
}

/** The keys aedes-persistence-redis stores a will under (will:<broker>:<client>): kept, so its stored wills stay readable. */
function willKey (brokerId: string, clientId: string): string {
  return `will:${brokerId}:${encodeURIComponent(clientId)}`
}

/**
 * aedes-persistence-redis keeps the key of every stored will in one Redis
 * list and removes one with LREM, which reads the whole list, twice on
 * every CONNECT (Aedes deletes the client's old will and stores the new
 * one). With a will per cabinet, a reconnecting fleet costs Redis the
 * square of its size: at 100,000 cabinets each CONNECT scans 200,000
 * entries. Its will stream also reads only the first 10,000 keys of that
 * list, so past 10,000 cabinets the wills of a dead broker's cabinets may
 * never be published.
 *
 * This replaces the list with a set (SADD and SREM: constant time) in the
 * four will calls, keeping each will where and as that store writes it
 * (`will:<broker>:<client>`, msgpack), and streams every will in batches
 * (SSCAN and MGET). `conn` is the store's own connection.
 */
export function keepWillsInASet (persistence: { asyncPersistence: unknown }, conn: Redis): { migrate (): Promise<number> } {
  const store = persistence.asyncPersistence as WillCalls
  const brokerId = (): string => {
    if (store.broker === undefined) throw new Error('the Redis store is not set up yet: no broker id for its wills')
    return store.broker.id
  }
  const decode = (value: Buffer | null): WillPacket | null => value === null ? null : msgpack.decode(value) as WillPacket

  Object.assign(store, {
    async putWill (client: { id: string }, packet: Record<string, unknown>): Promise<void> {
      const id = brokerId()
      const key = willKey(id, client.id)
      packet.clientId = client.id
      packet.brokerId = id
      await conn.multi().set(key, msgpack.encode(packet)).sadd(WILL_SET, key).exec()
    },
    async getWill (client: { id: string }): Promise<WillPacket | null> {
      return decode(await conn.getBuffer(willKey(brokerId(), client.id)))
    },
    async delWill (client: { id: string, brokerId: string }): Promise<WillPacket | null> {
      const key = willKey(client.brokerId, client.id)
      const result = await conn.multi().getBuffer(key).del(key).srem(WILL_SET, key).exec()
      return decode((result?.[0]?.[1] as Buffer | null | undefined) ?? null)
    },
    streamWill (brokers?: Record<string, number>): AsyncIterable<WillPacket> {
      return streamWills(conn, brokers)
    }
  } satisfies Omit<WillCalls, 'broker'>)

  return {
    /** Moves the keys of an existing will list into the set (a store written before this); resolves with how many. */
    async migrate () {
      const listed = await conn.lrange(WILL_LIST, 0, -1)
      if (listed.length > 0) await conn.multi().sadd(WILL_SET, ...listed).del(WILL_LIST).exec()
      return listed.length
    }
  }
}

/**
 * Every stored will not held by one of `brokers` (the live ones; all when
 * undefined). SSCAN may return a key twice: each is yielded once. A key
 * whose will is gone is dropped from the set.
 */
async function * streamWills (conn: Redis, brokers: Record<string, number> | undefined): AsyncIterable<WillPacket> {
  const seen = new Set<string>()
  let cursor = '0'
  do {
    const [next, keys] = await conn.sscan(WILL_SET, cursor, 'COUNT', BATCH)
    cursor = next
    const fresh = keys.filter(key => !seen.has(key))
    if (fresh.length === 0) continue
    for (const key of fresh) seen.add(key)
    const values = await conn.mgetBuffer(...fresh)
    for (const [i, key] of fresh.entries()) {
      const value = values[i]
      if (value === null || value === undefined) {
        await conn.srem(WILL_SET, key)
        continue
      }
      const holder = key.split(':')[1]!
      if (brokers !== undefined && brokers[holder] !== undefined) continue
      yield msgpack.decode(value) as WillPacket
    }
  } while (cursor !== '0')
}
