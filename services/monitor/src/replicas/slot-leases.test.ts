import t, { type Test } from 'tap'
import { Redis } from 'ioredis'
import { pino } from 'pino'
import { ManualTime } from '@aed/testkit/manual-time'
import { startPrivateRedis, type PrivateRedis } from '@aed/testkit/private-redis'
import { waitFor } from '@aed/testkit/wait-for'
import { SlotLeases } from './slot-leases.ts'
import { SLOT_COUNT, fairShare, slotOf } from './slots.ts'

/**
 * Slot leases against a real redis-server. Rounds are run by hand (the
 * replica group runs them every lease / 3); the local clock is moved by hand;
 * only a lease lapsing in Redis takes real time, on Redis's own clock.
 */
const logger = pino({ level: 'silent' })
let redis: PrivateRedis
const clients: Redis[] = []
t.before(async () => { redis = await startPrivateRedis() })
t.teardown(async () => {
  for (const client of clients) client.disconnect()
  await redis.stop()
})

let group = 0
/** Replicas of one group (a key prefix of their own, so tests do not meet). */
function replicaGroup (leaseMs = 10_000): { replica: (id: string) => SlotLeases, time: ManualTime } {
  const prefix = `test-group-${group++}`
  const time = new ManualTime()
  return {
    time,
    replica (id) {
      const client = new Redis(redis.url, { maxRetriesPerRequest: 1, commandTimeout: 500 })
      client.on('error', () => undefined)
      clients.push(client)
      return new SlotLeases({ redis: client, replicaId: id, prefix, leaseMs, clock: time, logger })
    }
  }
}

function everySlotOnce (t: Test, replicas: SlotLeases[]): void {
  const owners = Array.from({ length: SLOT_COUNT }, (_, slot) => replicas.filter(r => r.owns(slot)).length)
  t.same(owners.filter(n => n !== 1), [], 'every slot has exactly one owner')
}

t.test('a cabinet\'s slot depends on its id alone, and cabinets spread over the slots', async t => {
  t.equal(slotOf('pernik-aed-01'), slotOf('pernik-aed-01'))
  const used = new Set(Array.from({ length: 1000 }, (_, i) => slotOf(`cabinet-${i}`)))
  t.equal(used.size, SLOT_COUNT, 'a thousand cabinets use every slot')
  t.equal(fairShare(1), 64)
  t.equal(fairShare(3), 22, 'rounded up, so three replicas cover all 64')
})

t.test('a lone replica holds every slot; a second one gets half once the first gives up what is beyond its share', async t => {
  const { replica } = replicaGroup()
  const a = replica('a')
  const b = replica('b')
  t.same(await a.round(), { gained: Array.from({ length: 64 }, (_, i) => i), lost: [] })
  await b.round()
  t.equal(b.owned().length, 0, 'nothing is free yet')
  const given = await a.round()
  t.equal(given.lost.length, 32, 'the first gives up 32 for the newcomer')
  t.equal(a.owned().length, 32)
  await b.round()
  t.equal(b.owned().length, 32, 'the newcomer takes them')
  everySlotOnce(t, [a, b])
  await a.round()
  await b.round()
  t.equal(a.owned().length + b.owned().length, 64, 'and it stays so')
})

t.test('with three replicas every slot has exactly one owner', async t => {
  const { replica } = replicaGroup()
  const replicas = [replica('a'), replica('b'), replica('c')]
  for (let i = 0; i < 3; i++) for (const r of replicas) await r.round()
  everySlotOnce(t, replicas)
  t.ok(replicas.every(r => r.owned().length >= 20 && r.owned().length <= 22), `shares: ${replicas.map(r => r.owned().length).join(', ')}`)
})

t.test('a replica that dies without a word keeps its slots until its lease lapses in Redis; then the survivor takes them', async t => {
  const { replica } = replicaGroup(1500)
  const a = replica('a')
  const b = replica('b')
  await a.round(); await b.round(); await a.round(); await b.round()
  everySlotOnce(t, [a, b])
  const diedAt = Date.now()
  // a renews no more.
  await b.round()
  t.equal(b.owned().length, 32, 'not taken while the lease lasts')
  await waitFor(async () => { await b.round(); return b.owned().length === 64 }, 'the survivor holds every slot')
  t.comment(`handover after ${Date.now() - diedAt} ms with a 1500 ms lease`)
})

t.test('a clean stop hands every slot over at the next round', async t => {
  const { replica } = replicaGroup()
  const a = replica('a')
  const b = replica('b')
  await a.round(); await b.round(); await a.round(); await b.round()
  await a.leave()
  t.equal(a.owned().length, 0)
  await b.round()
  t.equal(b.owned().length, 64)
})

t.test('a lease not renewed in time is no longer trusted here, though Redis still holds it; the next round renews it', async t => {
  const { replica, time } = replicaGroup(10_000)
  const a = replica('a')
  await a.round()
  await time.advance(8_999)
  t.equal(a.owned().length, 64, 'trusted until the lease less a tenth for clock drift')
  await time.advance(1)
  t.equal(a.owned().length, 0, 'not trusted after it')
  await a.round()
  t.equal(a.owned().length, 64, 'renewed: the leases were still its own')
})

t.test('Redis unreachable for a whole lease: the replica speaks for every cabinet; back to its share when Redis returns', async t => {
  const { replica, time } = replicaGroup(10_000)
  const a = replica('a')
  const b = replica('b')
  await a.round(); await b.round(); await a.round(); await b.round()
  t.equal(a.owned().length, 32)
  await redis.pause()
  try {
    await a.round()
    t.equal(a.owned().length, 32, 'a failed round changes nothing at first')
    await time.advance(10_000)
    await a.round()
    t.equal(a.owned().length, 64, 'after a whole lease without Redis: every slot')
    t.equal(a.report().isolated, true)
  } finally {
    await redis.resume()
  }
  await waitFor(async () => { await a.round(); return !a.report().isolated }, 'Redis answering again')
  t.ok(a.owned().length <= 32, 'back to its share')
})
