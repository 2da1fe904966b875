import t from 'tap'
import { Writable } from 'node:stream'
import { Redis } from 'ioredis'
import { pino } from 'pino'
import { systemTime } from '@aed/core/time'
import { startPrivateRedis, type PrivateRedis } from '@aed/testkit/private-redis'
import { ReplicaNames, ReplicaNameTakenError, type ReplicaName } from './replica-names.ts'

/**
 * Replica names against a real redis-server, on real time: names lapse in
 * Redis on Redis's clock. The lease is short so that a lapse takes a
 * moment; nothing here asserts how long anything took.
 */
const LEASE_MS = 1500
let redis: PrivateRedis
const clients: Redis[] = []
t.before(async () => { redis = await startPrivateRedis() })
t.teardown(async () => {
  for (const client of clients) client.disconnect()
  await redis.stop()
})

let group = 0
/** Replica processes of one group (a key prefix of their own); `errors` collects what each logs at error level. */
function replicaGroup () {
  const prefix = `names-group-${group++}`
  return (replicaId: string, mqttClientId = `aed-monitor-${replicaId}`) => {
    const client = new Redis(redis.url)
    clients.push(client)
    const errors: string[] = []
    const logger = pino({ level: 'error' }, new Writable({ write (chunk: Buffer, _encoding, done) { errors.push(JSON.parse(chunk.toString()).msg); done() } }))
    const names: ReplicaName[] = [{ setting: 'REPLICA_ID', value: replicaId }, { setting: 'MQTT_CLIENT_ID', value: mqttClientId }]
    return { names: new ReplicaNames({ redis: client, prefix, names, leaseMs: LEASE_MS, time: systemTime, logger }), errors }
  }
}

/** Renews `names` every third of a lease until the returned stop is called, as the replica group's rounds do. */
function renewing (names: ReplicaNames): () => void {
  const timer = setInterval(() => { void names.renew() }, LEASE_MS / 3)
  return () => clearInterval(timer)
}

t.test('a second running replica with the same REPLICA_ID is refused at start, naming the setting', async t => {
  const replica = replicaGroup()
  const first = replica('monitor-a')
  await first.names.claim()
  const stop = renewing(first.names)
  t.teardown(stop)
  const error = await replica('monitor-a', 'aed-monitor-other').names.claim().catch((err: unknown) => err)
  t.type(error, ReplicaNameTakenError)
  t.match((error as Error).message, /REPLICA_ID=monitor-a is in use by another running replica: give each replica a REPLICA_ID of its own/)
})

t.test('a replica with its own REPLICA_ID but a running one\'s MQTT_CLIENT_ID is refused too', async t => {
  const replica = replicaGroup()
  const first = replica('monitor-a', 'aed-monitor')
  await first.names.claim()
  const stop = renewing(first.names)
  t.teardown(stop)
  const error = await replica('monitor-b', 'aed-monitor').names.claim().catch((err: unknown) => err)
  t.match((error as Error).message, /^MQTT_CLIENT_ID=aed-monitor is in use by another running replica/)
})

t.test('a replica restarted after a crash gets its names back once its former self\'s lapse', async t => {
  const replica = replicaGroup()
  await replica('monitor-a').names.claim()
  // Killed: nothing renews its names any more. The restarted process has a token of its own.
  await t.resolves(replica('monitor-a').names.claim(), 'claimed after the lapse, within a lease and a renewal period')
})

t.test('names given up at a clean stop are free at once', async t => {
  const replica = replicaGroup()
  const first = replica('monitor-a')
  await first.names.claim()
  await first.names.release()
  await t.resolves(replica('monitor-a').names.claim())
})

t.test('a replica whose name another took while it could not renew says so, once while it lasts', async t => {
  const replica = replicaGroup()
  const first = replica('monitor-a')
  await first.names.claim()
  // Its names lapse (Redis away, the process paused) and another replica with the same id starts meanwhile.
  const second = replica('monitor-a')
  await second.names.claim()
  await first.names.renew()
  await first.names.renew()
  t.same(first.errors, [
    'REPLICA_ID is in use by another running replica as well: alerts may be paged twice and MQTT messages missed until one of them is given its own',
    'MQTT_CLIENT_ID is in use by another running replica as well: alerts may be paged twice and MQTT messages missed until one of them is given its own'
  ])
  t.same(second.errors, [], 'the one holding the names logs nothing')
})
