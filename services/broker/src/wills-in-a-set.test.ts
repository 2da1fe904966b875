import t from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import msgpack from 'msgpack-lite'
import mqtt from 'mqtt'
import redisPersistence from 'aedes-persistence-redis'
import { CredentialFile, generateSecret, SecretHasher, serviceUsername } from '@aed/core/credentials'
import { startBrokerProcess } from '@aed/testkit/broker-process'
import { startPrivateRedis } from '@aed/testkit/private-redis'
import { waitFor } from '@aed/testkit/wait-for'
import { keepWillsInASet, WILL_SET } from './wills-in-a-set.ts'

t.setTimeout(5 * 60_000)

const redis = await startPrivateRedis()
t.teardown(() => redis.stop())

/** A connection of the test's own, and a store on another, both flushed first. */
async function freshStore (t: { teardown (fn: () => unknown): void }) {
  const db = new Redis(redis.url)
  await db.flushall()
  const conn = new Redis(redis.url)
  const persistence = redisPersistence({ conn })
  const wills = keepWillsInASet(persistence, conn)
  t.teardown(async () => {
    db.disconnect()
    await persistence.destroy().catch(() => conn.disconnect())
  })
  return { db, persistence, wills }
}

/** A will written as aedes-persistence-redis writes one. */
const storedWill = (brokerId: string, clientId: string) => msgpack.encode({ topic: `aed/v1/${clientId}/status`, payload: Buffer.from('{"online":false}'), qos: 1, retain: true, clientId, brokerId })

async function collect (wills: AsyncIterable<{ clientId: string }>): Promise<string[]> {
  const ids: string[] = []
  for await (const will of wills) ids.push(will.clientId)
  return ids.sort()
}

t.test('every stored will is streamed, past the 10,000 the list-based store stopped at, except those of live brokers', async t => {
  const { db, persistence } = await freshStore(t)
  const pipeline = db.pipeline()
  for (let i = 0; i < 12_000; i++) {
    const key = `will:dead-broker:cabinet-${i}`
    pipeline.set(key, storedWill('dead-broker', `cabinet-${i}`)).sadd(WILL_SET, key)
  }
  pipeline.set('will:live-broker:cabinet-live', storedWill('live-broker', 'cabinet-live')).sadd(WILL_SET, 'will:live-broker:cabinet-live')
  // A key whose will is gone (deleted without the set being told): dropped from the set as it is met.
  pipeline.sadd(WILL_SET, 'will:dead-broker:cabinet-gone')
  await pipeline.exec()

  const streamed = await collect(persistence.streamWill({ 'live-broker': Date.now() }))
  t.equal(streamed.length, 12_000, 'every will of the dead broker, each once')
  t.notOk(streamed.includes('cabinet-live'), 'not the will a live broker holds')
  t.equal(await db.sismember(WILL_SET, 'will:dead-broker:cabinet-gone'), 0, 'the key without a will is gone from the set')
  t.equal((await collect(persistence.streamWill())).length, 12_001, 'with no live broker given, every will')
})

t.test('a store written with the list of wills is moved into the set at start', async t => {
  const { db, persistence, wills } = await freshStore(t)
  await db.multi()
    .set('will:old-broker:a', storedWill('old-broker', 'a')).rpush('will', 'will:old-broker:a')
    .set('will:old-broker:b', storedWill('old-broker', 'b')).rpush('will', 'will:old-broker:b')
    .exec()
  t.equal(await wills.migrate(), 2)
  t.equal(await db.exists('will'), 0, 'the list is gone')
  t.same(await collect(persistence.streamWill()), ['a', 'b'])
  t.equal(await wills.migrate(), 0, 'nothing to move the second time')
})

t.test('a broker on Redis keeps each connected cabinet\'s will in the set, and another broker publishes them when it dies', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'aed-wills-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const db = new Redis(redis.url)
  t.teardown(() => db.disconnect())
  await db.flushall()
  const credentials = new CredentialFile(join(dir, 'credentials.json'))
  const hashKey = generateSecret()
  const hasher = new SecretHasher(hashKey)
  const secrets: Record<string, string> = {}
  for (const id of ['wills-aed-01', 'wills-aed-02', 'wills-aed-03']) {
    secrets[id] = generateSecret()
    await credentials.put(id, 'cabinet', hasher.hash(secrets[id]!))
  }
  const monitorSecret = generateSecret()
  await credentials.put(serviceUsername('monitor'), 'service', hasher.hash(monitorSecret))
  const env = { CREDENTIALS_FILE: credentials.path, CREDENTIALS_HASH_KEY: hashKey, BROKER_PERSISTENCE: 'redis', REDIS_URL: redis.url, LOG_LEVEL: 'warn' }
  const doomed = await startBrokerProcess({ env, heartbeatIntervalMs: 200 })
  t.teardown(() => doomed.kill())
  const survivor = await startBrokerProcess({ env, heartbeatIntervalMs: 200 })
  t.teardown(() => survivor.kill())

  const cabinets = await Promise.all(Object.entries(secrets).map(([id, secret]) => mqtt.connectAsync(doomed.url, {
    clientId: id, username: id, password: secret, protocolVersion: 4, clean: false, reconnectPeriod: 0,
    will: { topic: `aed/v1/${id}/status`, payload: Buffer.from('{"online":false}'), qos: 1, retain: true }
  })))
  t.teardown(() => Promise.all(cabinets.map(c => c.endAsync(true))))
  await waitFor(async () => await db.scard(WILL_SET) === 3, 'three wills in the set')
  t.equal(await db.exists('will'), 0, 'no list of wills')

  const monitor = await mqtt.connectAsync(survivor.url, { username: serviceUsername('monitor'), password: monitorSecret, protocolVersion: 4, reconnectPeriod: 0 })
  t.teardown(() => monitor.endAsync(true))
  const offline = new Set<string>()
  monitor.on('message', (topic, payload) => { if (payload.toString() === '{"online":false}') offline.add(topic.split('/')[2]!) })
  await monitor.subscribeAsync('aed/v1/+/status', { qos: 1 })
  await doomed.kill()
  await waitFor(() => offline.size === 3, 'every cabinet of the dead broker reported offline by the other', 60_000)
  t.same([...offline].sort(), Object.keys(secrets))
  await waitFor(async () => await db.scard(WILL_SET) === 0, 'each published will deleted from the set')
  t.pass('the set is empty once the wills are published')
})
