// The Aedes stores ship no type declarations. Only what persistence.ts uses
// is declared; the rest of the interface is aedes-persistence's, which Aedes
// itself calls.

declare module 'aedes-persistence-level' {
  import type { ClassicLevel } from 'classic-level'
  import type { AedesStore } from './persistence.ts'
  /** An Aedes persistence on an open LevelDB database, which it closes on destroy(). */
  export default function levelPersistence (db: ClassicLevel): AedesStore
}

declare module 'aedes-persistence-redis' {
  import type { Redis } from 'ioredis'
  import type { AedesStore } from './persistence.ts'
  /** An Aedes persistence on Redis; `conn` is the connection it uses and closes on destroy(). */
  /** `maxSessionDelivery`: how many queued messages a reconnecting client is handed (default 1000; -1 for all). */
  /** `asyncPersistence`: the promise store inside, whose will calls wills-in-a-set.ts replaces. */
  export default function redisPersistence (options: { conn: Redis, maxSessionDelivery?: number }): AedesStore & { asyncPersistence: unknown }
}

declare module 'msgpack-lite' {
  /** The encoding aedes-persistence-redis stores wills in. */
  const msgpack: { encode (value: unknown): Buffer, decode (buffer: Buffer): unknown }
  export default msgpack
}
