import t from 'tap'
import { Redis } from 'ioredis'
import { pino } from 'pino'
import { startPrivateRedis, type PrivateRedis } from '@aed/testkit/private-redis'
import { waitFor } from '@aed/testkit/wait-for'
import { AlertBook, type AlertTransition } from '../alerts/alert-book.ts'
import { AlertMirror } from './alert-mirror.ts'
import { RedisClaims } from './notification-claims.ts'
import type { Ownership } from './ownership.ts'

/**
 * Two replicas' alert books kept in step through a real redis-server, and
 * notification claims between them. Replica "a" owns cabinet-a, "b" owns
 * cabinet-b.
 */
const logger = pino({ level: 'silent' })
let redis: PrivateRedis
const clients: Redis[] = []
t.before(async () => { redis = await startPrivateRedis() })
t.teardown(async () => {
  for (const client of clients) client.disconnect()
  await redis.stop()
})

function client (): Redis {
  const c = new Redis(redis.url)
  c.on('error', () => undefined)
  clients.push(c)
  return c
}

let groups = 0
async function replica (id: string, prefix: string): Promise<{ book: AlertBook, transitions: AlertTransition[], mirror: AlertMirror, claims: RedisClaims }> {
  const book = new AlertBook()
  const transitions: AlertTransition[] = []
  book.on('transition', t => transitions.push(t))
  const ownership: Ownership = { owns: cabinetId => cabinetId === `cabinet-${id}` }
  const commands = client()
  const mirror = new AlertMirror({ redis: commands, book, ownership, replicaId: id, prefix, logger })
  book.prependListener('transition', mirror.onTransition)
  const subscriber = client()
  subscriber.on('message', (_channel: string, message: string) => { void mirror.announced(message) })
  await subscriber.subscribe(mirror.channel)
  return { book, transitions, mirror, claims: new RedisClaims({ redis: commands, replicaId: id, prefix, logger }) }
}

async function pair (): Promise<Array<Awaited<ReturnType<typeof replica>>>> {
  const prefix = `mirror-test-${groups++}`
  return [await replica('a', prefix), await replica('b', prefix)]
}

const door = { cabinetId: 'cabinet-a', kind: 'door_open' as const, severity: 'critical' as const, facts: { openedAt: '2026-03-02T09:00:00.000Z' } }

t.test('an alert the owner opens is in the other replica\'s book under the same id, and raises nothing there', async t => {
  const [a, b] = await pair()
  const { alert } = a!.book.raise(door, Date.parse('2026-03-02T09:00:01Z'))
  await waitFor(() => b!.book.get(alert.id) !== undefined, 'the alert mirrored')
  t.equal(b!.book.liveFor('cabinet-a', 'door_open')?.id, alert.id)
  t.same(b!.transitions, [], 'no transition on the replica that does not own the cabinet: nobody is paged from there')
  a!.book.escalate(alert.id, 1, Date.parse('2026-03-02T09:05:01Z'))
  await waitFor(() => b!.book.get(alert.id)?.escalationLevel === 1, 'the escalation mirrored')
})

t.test('an acknowledgement made through another replica reaches the owner as a transition, so its escalation stops', async t => {
  const [a, b] = await pair()
  const { alert } = a!.book.raise(door, Date.parse('2026-03-02T09:00:01Z'))
  await waitFor(() => b!.book.get(alert.id) !== undefined, 'the alert mirrored')
  b!.book.acknowledge(alert.id, 'duty-day', Date.parse('2026-03-02T09:01:00Z'))
  await waitFor(() => a!.transitions.some(x => x.change === 'acknowledged'), 'the owner saw the acknowledgement')
  t.equal(a!.book.get(alert.id)?.acknowledgedBy, 'duty-day')
  t.equal(a!.transitions.filter(x => x.change === 'acknowledged').length, 1, 'once')
  a!.book.raise({ ...door, facts: { openedAt: '2026-03-02T09:00:00.000Z', reportedAt: '2026-03-02T09:02:00.000Z' } }, Date.parse('2026-03-02T09:02:00Z'))
  await waitFor(() => b!.book.get(alert.id)?.facts.reportedAt !== undefined, 'the owner\'s later update mirrored')
  t.equal(b!.book.get(alert.id)?.status, 'acknowledged', 'the owner\'s later state does not undo the acknowledgement')
})

t.test('a replica that starts later takes in every alert the group holds', async t => {
  const prefix = `mirror-test-${groups++}`
  const a = await replica('a', prefix)
  const { alert } = a.book.raise(door, Date.parse('2026-03-02T09:00:01Z'))
  a.book.acknowledge(alert.id, 'duty-day', Date.parse('2026-03-02T09:01:00Z'))
  await new Promise(resolve => setTimeout(resolve, 100))
  const c = await replica('c', prefix)
  t.equal(await c.mirror.load(), 1)
  t.equal(c.book.get(alert.id)?.status, 'acknowledged')
})

t.test('a notification is claimed once across replicas; a claim given back after a failure can be claimed again, only by its holder', async t => {
  const [a, b] = await pair()
  const key = 'Qafecr7h|opened:0|sms|duty-day'
  t.equal(await a!.claims.claim(key), true, 'the first claim is granted')
  t.equal(await b!.claims.claim(key), false, 'another replica\'s is not')
  t.equal(await a!.claims.claim(key), false, 'nor a second one of the same replica')
  b!.claims.release(key)
  t.equal(await b!.claims.claim(key), false, 'a replica cannot give back what it does not hold')
  a!.claims.release(key)
  await waitFor(async () => await b!.claims.claim(key), 'claimable again once given back')
})
