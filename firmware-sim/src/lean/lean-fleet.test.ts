import t from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt from 'mqtt'
import type { Client } from 'aedes'
import { CredentialFile, generateSecret, SecretHasher, serviceUsername } from '@aed/core/credentials'
import { startTestBroker, type TestBroker } from '@aed/testkit/test-broker'
import { waitFor } from '@aed/testkit/wait-for'
import { provisionSyntheticFleet } from '../fleet-provision.ts'
import { readSecrets } from '../secrets-file.ts'
import { LeanFleet } from './lean-fleet.ts'
import { loopbackSourceAddresses, startLeanFleetProcesses } from './lean-fleet-processes.ts'

const CABINETS = 200
const dir = await mkdtemp(join(tmpdir(), 'aed-lean-fleet-'))
t.teardown(() => rm(dir, { recursive: true, force: true }))

// The cabinets as a load test makes them: fleet-provision's files, read back.
const made = await provisionSyntheticFleet({ count: CABINETS, outDir: join(dir, 'fleet'), prefix: 'lean' })
const secrets = await readSecrets(made.secretsFile)
const cabinets = Object.entries(secrets).map(([id, secret]) => ({ id, secret }))
// The observing service account, in the same credentials file.
const observer = { username: serviceUsername('observer'), password: generateSecret() }
await new CredentialFile(made.credentialsFile).put(observer.username, 'service', new SecretHasher(made.hashKey).hash(observer.password))

let broker: TestBroker = await startBroker()
t.teardown(() => broker.close())

function startBroker (port?: number): Promise<TestBroker> {
  return startTestBroker({ credentialsFile: made.credentialsFile, credentialsHashKey: made.hashKey, port })
}

/** Heartbeats a subscriber receives, per cabinet; it reconnects and subscribes again by itself. */
async function countHeartbeats () {
  const seen = new Map<string, number>()
  const client = await mqtt.connectAsync(broker.url, { clientId: 'lean-observer', ...observer, reconnectPeriod: 200, clean: true })
  client.on('message', topic => {
    const id = topic.split('/')[2]!
    seen.set(id, (seen.get(id) ?? 0) + 1)
  })
  await client.subscribeAsync('aed/v1/+/heartbeat', { qos: 1 })
  return { seen, client }
}

t.test('fleet-provision writes a fleet file and the credentials the broker reads, hashed in the current scheme', async t => {
  t.equal(made.ids.length, CABINETS)
  t.equal(made.ids[0], 'lean-aed-000001')
  const stored = await new CredentialFile(made.credentialsFile).list()
  t.equal(stored.filter(p => p.role === 'cabinet').length, CABINETS)
  const hasher = new SecretHasher(made.hashKey)
  t.ok(stored.every(p => hasher.isCurrent(p.secretHash)))
  t.equal(await hasher.verify(secrets['lean-aed-000007']!, stored.find(p => p.username === 'lean-aed-000007')!.secretHash), true)
})

t.test(`${CABINETS} lean cabinets connect with their own secrets, heartbeat, and come back after the broker restarts`, async t => {
  const { seen, client } = await countHeartbeats()
  t.teardown(() => client.endAsync(true))
  const fleet = new LeanFleet({
    brokerUrl: broker.url,
    cabinets,
    heartbeatIntervalS: 1,
    backoff: { baseMs: 250, maxMs: 2000, jitter: 1 },
    connectConcurrency: 32
  })
  t.teardown(() => fleet.stop())
  fleet.start()
  await fleet.waitUntilConnected(CABINETS, 60_000)
  t.equal(broker.aedes.connectedClients, CABINETS + 1, 'the broker holds every cabinet and the observer')
  await waitFor(() => seen.size === CABINETS, `a heartbeat from each of ${CABINETS} cabinets (seen ${seen.size})`, 60_000)
  const before = fleet.counts()
  t.match(before, { connects: CABINETS, reconnects: 0, refused: 0, connected: CABINETS })
  t.ok(before.heartbeatsAcked > 0, 'the broker acknowledges heartbeats (QoS 1)')

  // A restart: every connection drops, the sessions (in memory) are gone, the port is the same.
  const port = broker.port
  await broker.close()
  await waitFor(() => fleet.counts().connected === 0, 'every cabinet noticed', 60_000)
  broker = await startBroker(port)
  await fleet.waitUntilConnected(CABINETS, 120_000)
  const after = fleet.counts()
  t.equal(after.reconnects, CABINETS, 'each cabinet reconnected once')
  t.equal(after.disconnects, CABINETS)
  t.equal(after.refused, 0, 'with the same credentials and key, no refusal')

  seen.clear()
  await waitFor(() => seen.size === CABINETS, `a heartbeat from each cabinet after the restart (seen ${seen.size})`, 60_000)
  await fleet.stop()
  t.equal(fleet.counts().connected, 0)
  await waitFor(() => broker.aedes.connectedClients === 1, 'only the observer left at the broker')
})

t.test('a fleet spread over two processes connects from two source addresses and reports its counts', async t => {
  const addresses = loopbackSourceAddresses(2)
  t.same(addresses, ['127.0.0.2', '127.0.0.3'])
  const spread = await startLeanFleetProcesses({ brokerUrl: broker.url, cabinets: cabinets.slice(0, 60), processes: 2, localAddresses: addresses, heartbeatIntervalS: 1 })
  t.teardown(() => spread.stop())
  await spread.waitUntilConnected(60, 120_000)
  const { total, processes } = await spread.counts()
  t.equal(processes.length, 2)
  t.same(processes.map(p => p.cabinets), [30, 30])
  t.equal(total.connected, 60)
  const clients = Object.values((broker.aedes as unknown as { clients: Record<string, Client> }).clients)
  const remote = new Set(clients.filter(c => c.id.startsWith('lean-aed-')).map(c => (c.conn as unknown as { remoteAddress?: string }).remoteAddress?.replace(/^::ffff:/, '')))
  t.same([...remote].sort(), addresses, 'the broker sees each process\'s own source address')
  await waitFor(async () => (await spread.counts()).total.heartbeatsAcked >= 60, 'heartbeats acknowledged in both processes', 60_000)
  await spread.stop()
  await waitFor(() => broker.aedes.connectedClients === 0, 'every cabinet disconnected')
})
