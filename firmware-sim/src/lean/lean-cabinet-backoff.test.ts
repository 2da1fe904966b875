import t from 'tap'
import { createServer } from 'node:net'
import { ManualTime } from '@aed/testkit/manual-time'
import { waitFor } from '@aed/testkit/wait-for'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CredentialFile, generateSecret, SecretHasher } from '@aed/core/credentials'
import { startTestBroker } from '@aed/testkit/test-broker'
import { LeanFleet } from './lean-fleet.ts'
import { backoffCeilingMs, type BackoffPolicy } from './reconnect-backoff.ts'

/** A loopback port nothing listens on: every connection to it is refused at once. */
async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>(resolve => server.close(() => resolve()))
  return port
}

t.test('a cabinet whose broker is down retries on the jittered exponential schedule, capped, on the hand-moved clock', async t => {
  const time = new ManualTime()
  const policy: BackoffPolicy = { baseMs: 1000, maxMs: 8000, jitter: 0.5 }
  const draws = [0.5, 0.1, 0.9, 0, 0.25, 0.75, 0.5]
  let drawn = 0
  const fleet = new LeanFleet({
    brokerUrl: `mqtt://127.0.0.1:${await closedPort()}`,
    cabinets: [{ id: 'lean-aed-000001', secret: 'not-needed-here' }],
    backoff: policy,
    time,
    random: () => draws[drawn++ % draws.length]!
  })
  const plans: Array<{ attempt: number, delayMs: number, atMs: number }> = []
  fleet.on('backoff', (_id, attempt, delayMs) => plans.push({ attempt, delayMs, atMs: time.now() }))
  t.teardown(() => fleet.stop())
  fleet.start()
  t.equal(fleet.counts().attempts, 1, 'the first attempt goes out at start')

  for (let k = 0; k < draws.length; k++) {
    // The refusal comes over real TCP; the plan is made at the instant the hand-moved clock shows.
    await waitFor(() => plans.length > k, `the plan after failed attempt ${k + 1}`)
    const plan = plans[k]!
    const ceiling = backoffCeilingMs(k, policy)
    t.equal(plan.attempt, k)
    t.equal(plan.delayMs, Math.round(ceiling * (1 - policy.jitter * draws[k]!)), `retry ${k + 1}: ceiling ${ceiling} ms, draw ${draws[k]}`)
    const attempts = fleet.counts().attempts
    await time.advance(plan.delayMs - 1)
    t.equal(fleet.counts().attempts, attempts, `no attempt 1 ms before retry ${k + 1} is due`)
    await time.advance(1)
    t.equal(fleet.counts().attempts, attempts + 1, `retry ${k + 1} goes out when due`)
  }
  t.same(plans.slice(0, draws.length).map(p => backoffCeilingMs(p.attempt, policy)), [1000, 2000, 4000, 8000, 8000, 8000, 8000], 'the ceiling doubles up to the cap')
  await waitFor(() => fleet.counts().failures === draws.length + 1, 'the last attempt refused too')
  t.match(fleet.counts(), { connects: 0, connected: 0, refused: 0 })
})

t.test('once connected, a cabinet starts the schedule again from its base', async t => {
  const time = new ManualTime()
  const policy: BackoffPolicy = { baseMs: 1000, maxMs: 60_000, jitter: 0 }
  const port = await closedPort()
  // The broker comes up on that port after three refused attempts.
  const credentialsDir = await mkdtemp(join(tmpdir(), 'aed-lean-backoff-'))
  t.teardown(() => rm(credentialsDir, { recursive: true, force: true }))
  const credentialsFile = join(credentialsDir, 'credentials.json')
  const hashKey = generateSecret()
  const secret = generateSecret()
  await new CredentialFile(credentialsFile).put('lean-aed-000002', 'cabinet', new SecretHasher(hashKey).hash(secret))
  const cabinet = new LeanFleet({ brokerUrl: `mqtt://127.0.0.1:${port}`, cabinets: [{ id: 'lean-aed-000002', secret }], backoff: policy, time })
  const plans: Array<{ attempt: number, delayMs: number }> = []
  cabinet.on('backoff', (_id, attempt, delayMs) => plans.push({ attempt, delayMs }))
  t.teardown(() => cabinet.stop())
  cabinet.start()
  for (let k = 0; k < 3; k++) {
    await waitFor(() => plans.length > k, `refusal ${k + 1}`)
    if (k < 2) await time.advance(plans[k]!.delayMs)
  }
  t.same(plans.map(p => p.delayMs), [1000, 2000, 4000])
  const broker = await startTestBroker({ port, credentialsFile, credentialsHashKey: hashKey })
  t.teardown(() => broker.close())
  await time.advance(4000)
  await cabinet.waitUntilConnected(1, 30_000)
  // The broker drops it: the next retry is planned from the base again.
  const client = (broker.aedes as unknown as { clients: Record<string, { close (): void } | undefined> }).clients['lean-aed-000002']
  client?.close()
  await waitFor(() => plans.length === 4, 'the plan after the connection was lost')
  t.same(plans[3], { attempt: 0, delayMs: 1000 })
  t.match(cabinet.counts(), { connects: 1, disconnects: 1, failures: 3 })
})

t.test('a fleet stops cleanly while thousands of its cabinets wait for a turn to connect', async t => {
  // A server that accepts and never answers: the attempts in flight hold their turns.
  const silent = createServer(socket => { sockets.push(socket) })
  const sockets: Array<import('node:net').Socket> = []
  await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>(resolve => { for (const s of sockets) s.destroy(); silent.close(() => resolve()) }))
  const { port } = silent.address() as { port: number }
  const cabinets = Array.from({ length: 20_000 }, (_, i) => ({ id: `lean-aed-${String(i + 1).padStart(6, '0')}`, secret: 'never-checked' }))
  const fleet = new LeanFleet({ brokerUrl: `mqtt://127.0.0.1:${port}`, cabinets, connectConcurrency: 2, time: new ManualTime() })
  fleet.start()
  await waitFor(() => sockets.length === 2, 'the two attempts in flight reached the server')
  t.equal(fleet.counts().attempts, 2, 'the other cabinets wait for a turn')
  await fleet.stop()
  t.match(fleet.counts(), { attempts: 2, connected: 0 }, 'the waiting cabinets never opened a connection')
})
