import t from 'tap'
import { backoffCeilingMs, backoffDelayMs, backoffProblems, type BackoffPolicy } from './reconnect-backoff.ts'

const policy: BackoffPolicy = { baseMs: 1000, maxMs: 30_000, jitter: 0.5 }

t.test('the ceiling doubles with each failed attempt and stops at the cap', async t => {
  t.same([0, 1, 2, 3, 4, 5, 6, 40].map(n => backoffCeilingMs(n, policy)), [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000])
})

t.test('the delay is drawn from the top `jitter` share of the ceiling', async t => {
  t.equal(backoffDelayMs(2, policy, () => 0), 4000, 'a draw of 0: the ceiling')
  t.equal(backoffDelayMs(2, policy, () => 0.5), 3000)
  t.equal(backoffDelayMs(2, policy, () => 0.999_999), 2000, 'a draw near 1: the floor, ceiling × (1 − jitter)')
  t.equal(backoffDelayMs(2, { ...policy, jitter: 0 }, () => 0.7), 4000, 'no jitter: a fixed schedule')
  t.equal(backoffDelayMs(2, { ...policy, jitter: 1 }, () => 0.75), 1000, 'full jitter: anywhere below the ceiling')
})

t.test('a fleet that failed at one instant spreads its retries over the window', async t => {
  let seed = 7
  // A fixed pseudo-random sequence (Park–Miller), so the test is the same every run.
  const random = (): number => (seed = seed * 16_807 % 2_147_483_647) / 2_147_483_647
  const delays = Array.from({ length: 1000 }, () => backoffDelayMs(3, policy, random))
  t.ok(delays.every(d => d >= 4000 && d <= 8000), 'all within [4000, 8000]')
  const buckets = [0, 0, 0, 0]
  for (const d of delays) buckets[Math.min(3, Math.floor((d - 4000) / 1000))]!++
  t.ok(buckets.every(b => b > 150), `every quarter of the window gets its share: ${buckets.join(', ')}`)
})

t.test('unusable policies are named', async t => {
  t.same(backoffProblems(policy), [])
  t.equal(backoffProblems({ baseMs: 0, maxMs: 10, jitter: 2 }).length, 2)
  t.match(backoffProblems({ baseMs: 100, maxMs: 10, jitter: 0 }), [/cap must be at least its base/])
})
