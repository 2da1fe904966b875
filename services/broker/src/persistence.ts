import type { EventEmitter } from 'node:events'
import { mkdir } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { Readable } from 'node:stream'
import type { Aedes, Client, Subscription } from 'aedes'
import levelPersistence from 'aedes-persistence-level'
import redisPersistence from 'aedes-persistence-redis'
import { ClassicLevel } from 'classic-level'
import { Redis, type RedisOptions } from 'ioredis'
import mqemitterRedis from 'mqemitter-redis'
import type { BrokerConfig } from './config.ts'
import { mayMatchRetained } from './retained-status.ts'
import { forgetWillsHeldElsewhere, type WillStore } from './wills-across-brokers.ts'
import { keepWillsInASet } from './wills-in-a-set.ts'

/** Where the broker keeps its state (BROKER_PERSISTENCE). */
export type PersistenceOptions =
  | { kind: 'memory' }
  | { kind: 'disk', dataDir: string }
  | { kind: 'redis', url: string }

export function persistenceFromConfig (config: Pick<BrokerConfig, 'BROKER_PERSISTENCE' | 'BROKER_DATA_DIR' | 'REDIS_URL'>): PersistenceOptions {
  switch (config.BROKER_PERSISTENCE) {
    case 'memory': return { kind: 'memory' }
    case 'disk': return { kind: 'disk', dataDir: config.BROKER_DATA_DIR }
    case 'redis': return { kind: 'redis', url: config.REDIS_URL }
  }
}

/** The password in a redis:// URL, if any: a secret no log line may carry. */
export function redisPassword (url: string): string | undefined {
  try {
    const password = new URL(url).password
    return password === '' ? undefined : decodeURIComponent(password)
  } catch {
    return undefined
  }
}

/** The part of the aedes-persistence interface this module calls; Aedes calls the rest. */
export interface AedesStore extends WillStore {
  addSubscriptions (client: Client, subs: Subscription[]): Promise<unknown>
  /** The retained messages matching any of the filters, as a stream (Aedes pipes it). */
  createRetainedStreamCombi (patterns: string[]): Readable
  destroy (): Promise<void>
}

/** What the store is told by the broker around it. */
export interface StorePolicy {
  /** Whether the broker granted this subscription (authorizeSubscribe); only those are stored. */
  granted (client: Client, subscription: Subscription): boolean
  /** Hears what goes wrong in the background (a lost Redis connection), for the host to log. */
  onError (err: Error): void
}

/** The broker's state, opened before Aedes starts and closed after it stopped. */
export interface BrokerStore {
  readonly kind: PersistenceOptions['kind']
  /** Given to the Aedes constructor. */
  readonly aedesOptions: { persistence: AedesStore, mq?: unknown }
  /** Called once `aedes.listen()` has loaded the stored subscriptions, before the listener accepts connections. */
  attach (aedes: Aedes): Promise<void>
  /**
   * Resolves when the store can take writes; Redis may be away. Aedes sends
   * a QoS 1 PUBACK before it stores the message (lib/handlers/publish.js),
   * so the broker waits for this before it lets a publish in.
   */
  writable (): Promise<void>
  close (): Promise<void>
}

/**
 * A new id for every start of the broker. The stores key queued messages by
 * broker id and a counter that starts at 0 with each process, so an id
 * reused after a restart (a container's process is always pid 1) would
 * overwrite messages still queued by the previous run. Starting with the
 * time keeps the disk store's queues, which are sorted by key, in the order
 * the messages arrived across restarts.
 */
export function newBrokerId (): string {
  return `aed-broker-${Date.now()}-${process.pid}`
}

/**
 * Opens the broker's state. `disk` is LevelDB (classic-level) in its own
 * directory; `redis` keeps the state in Redis and passes messages between
 * broker processes through Redis pub/sub (mqemitter-redis); `memory` is
 * Aedes' default and forgets everything at a restart.
 */
export async function openBrokerStore (options: PersistenceOptions, policy: StorePolicy): Promise<BrokerStore> {
  switch (options.kind) {
    case 'memory': return memoryStore(policy)
    case 'disk': return diskStore(options.dataDir, policy)
    case 'redis': return redisStore(options.url, policy)
  }
}

/**
 * Aedes' own in-memory store. Its declarations describe an ES default export
 * with callbacks; it is a CommonJS function, and Aedes 1.x calls the
 * promise forms, as for the other stores.
 */
const memoryPersistence = createRequire(import.meta.url)('aedes-persistence') as () => AedesStore

function memoryStore (policy: StorePolicy): BrokerStore {
  const persistence = storeGrantedOnce(memoryPersistence(), policy)
  return { kind: 'memory', aedesOptions: { persistence }, async attach () {}, async writable () {}, async close () { await persistence.destroy() } }
}

async function diskStore (dataDir: string, policy: StorePolicy): Promise<BrokerStore> {
  await mkdir(dataDir, { recursive: true })
  const db = new ClassicLevel(dataDir)
  try {
    await db.open()
  } catch (err) {
    // LevelDB locks its directory: a second broker on the same BROKER_DATA_DIR fails here.
    const reason = (err as { cause?: Error }).cause?.message ?? (err as Error).message
    throw new Error(`cannot open the broker's store in ${dataDir}: ${reason}`, { cause: err })
  }
  const persistence = storeGrantedOnce(levelPersistence(db), policy)
  return {
    kind: 'disk',
    aedesOptions: { persistence },
    async attach () {},
    async writable () {},
    async close () { await persistence.destroy() }
  }
}

async function redisStore (url: string, policy: StorePolicy): Promise<BrokerStore> {
  const { onError } = policy
  // Commands wait while Redis is away rather than failing after a few tries:
  // a publish is acknowledged only once it is stored, so a cabinet keeps
  // its message until Redis is back.
  const connect = (options: RedisOptions = {}): Redis => new Redis(url, { maxRetriesPerRequest: null, disableClientInfo: true, ...options })
  const conn = connect().on('error', onError)
  let backInReach: Promise<void> | undefined
  // aedes-persistence-redis hands a reconnecting client only the first 1000
  // messages queued for it (maxSessionDelivery) and leaves the rest until its
  // next reconnection: after a broker restart under load the monitor's queue
  // is longer than that. -1 makes its LRANGE take the whole list.
  const store = redisPersistence({ conn, maxSessionDelivery: -1 })
  const wills = keepWillsInASet(store, conn)
  const persistence = storeGrantedOnce(store, policy)
  // ioredis sends (P)SUBSCRIBE before its ready check, whose INFO then fails
  // in subscriber mode and ends the connection for good. Aedes subscribes as
  // it starts, often while that connection is still being made; the pub/sub
  // connection needs no ready check (it does not read the data set).
  const subConn = connect({ enableReadyCheck: false })
  // [MQTT-4.7.1-3] matchEmptyLevels, as Aedes sets for its own emitter.
  const mq = mqemitterRedis({ pubConn: connect(), subConn, matchEmptyLevels: true, concurrency: 100 })
  // mqemitter-redis re-emits its connections' errors here; unheard, they would end the process.
  const { state } = mq as typeof mq & { state: EventEmitter }
  state.on('error', onError)
  return {
    kind: 'redis',
    aedesOptions: { persistence, mq },
    async attach (aedes) {
      await wills.migrate()
      await forgetWillsHeldElsewhere(aedes, persistence, onError)
    },
    writable () {
      if (conn.status === 'ready') return Promise.resolve()
      backInReach ??= new Promise(resolve => conn.once('ready', () => { backInReach = undefined; resolve() }))
      return backInReach
    },
    async close () { await persistence.destroy() }
  }
}

/**
 * Aedes 1.2 stores subscriptions once per granted topic filter of a
 * SUBSCRIBE, each time with all of the packet's filters, refused ones
 * included (lib/handlers/subscribe.js, storeSubscriptions). Stored, a
 * refused filter still queues messages for the client while it is away:
 * a cabinet asking for its own cmd and for aed/v1/+/+ in one packet would
 * be sent every cabinet's messages at its next connection. So only what the
 * broker granted is stored. And aedes-persistence-redis waits for its own
 * broadcast of each change, keyed by client and first filter: concurrent
 * identical calls replace each other's waiter, and the SUBACK of a
 * SUBSCRIBE with two filters (the monitor's) never comes. The calls of one
 * packet, which share its array, are made one. Retained messages are
 * looked up only for filters that can match one (`mayMatchRetained`).
 */
function storeGrantedOnce (persistence: AedesStore, policy: StorePolicy): AedesStore {
  const add = persistence.addSubscriptions.bind(persistence)
  const retained = persistence.createRetainedStreamCombi.bind(persistence)
  // Asked at every SUBSCRIBE; a filter that cannot match a retained message is not looked up.
  persistence.createRetainedStreamCombi = patterns => {
    const wanted = patterns.filter(mayMatchRetained)
    return wanted.length > 0 ? retained(wanted) : Readable.from([])
  }
  const storing = new WeakMap<Subscription[], Promise<unknown>>()
  persistence.addSubscriptions = (client, subs) => {
    let stored = storing.get(subs)
    if (stored === undefined) {
      const granted = subs.filter(sub => policy.granted(client, sub))
      stored = granted.length > 0 ? add(client, granted) : Promise.resolve()
      storing.set(subs, stored)
    }
    return stored
  }
  return persistence
}
