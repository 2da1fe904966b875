import { execFileSync } from 'node:child_process'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { CredentialFile, generateSecret, legacyScryptHash, SecretHasher, serviceUsername } from '@aed/core/credentials'
import { cabinetTopic } from '@aed/core/protocol'
import { startBrokerChild, type BrokerChild } from './support/broker-child.ts'
import { memoryNow } from './support/memory.ts'
import type { BenchmarkReport } from './support/report.ts'
import type { BenchSettings } from './support/settings.ts'
import { percentiles, perSecond, type Percentiles } from './support/stats.ts'

/**
 * Connections per broker process: authenticated cabinets (client id =
 * username = cabinet id, each its own entry in the credentials file) are
 * connected in a cumulative ramp to the broker running in a process of its
 * own. At each step: the connect rate, the broker's RSS per connection, and
 * a publish from the newest cabinet to a subscriber, to show traffic still
 * flows. Baseline: the same ramp against a bare Aedes without authentication.
 */

const LADDER = [500, 1000, 2000, 4000, 8000, 16_000]
/** Open files kept free in each process for everything that is not a client socket. */
const FD_RESERVE = 1024
const PROBE_TIMEOUT_MS = 10_000

interface Step {
  clients: number
  connectS: number
  connectsPerS: number
  connectMs: Percentiles
  brokerRssMB: number
  brokerHeapMB: number
  /** Broker RSS above idle, per connected client. */
  rssPerConnectionKB: number
  /** Broker RSS added by this step's clients, per client: leaves out one-off costs such as scrypt's working memory. */
  marginalRssPerConnectionKB: number
  /** Broker heap above idle after a full GC, per connected client. */
  heapPerConnectionKB: number
  benchRssMB: number
  probeRoundTripMs: number
}

interface Ramp {
  mode: 'bare' | 'auth'
  idleRssMB: number
  steps: Step[]
}

export async function runBrokerConnections (settings: BenchSettings): Promise<BenchmarkReport> {
  const started = performance.now()
  const fdLimit = openFileLimit()
  // Both ends of every connection are on this machine: a socket here and one in the broker.
  // Halving keeps the ramp safe even if both ends shared one process.
  const fdCap = Math.floor((fdLimit - FD_RESERVE) / 2)
  const { hmacPerS, scryptPerS } = await verificationsPerSecond()
  const cap = Math.min(settings.BENCH_CONNECTIONS_MAX, fdCap)
  const ladder = LADDER.filter(n => n <= cap)
  if (ladder.length === 0) ladder.push(Math.max(1, cap))
  const planned = `ulimit -n ${fdLimit} → at most ${fdCap} clients per process pair; BENCH_CONNECTIONS_MAX ${settings.BENCH_CONNECTIONS_MAX} → ramp up to ${ladder.join(', ')}, a step only if the connect rate so far says it fits the ${settings.BENCH_CONNECT_BUDGET_S} s budget`
  console.log(`connections: ${planned}`)

  const ids = Array.from({ length: ladder[ladder.length - 1]! }, (_, i) => `bench-conn-${String(i + 1).padStart(5, '0')}`)
  // The authenticated ramp goes first: its rate decides how far it gets, and the baseline repeats the steps it reached.
  const auth = await runRamp('auth', ladder, ids, settings, settings.BENCH_CONNECT_BUDGET_S)
  const reached = auth.steps.map(s => s.clients)
  const bare = await runRamp('bare', reached, ids, settings, Infinity)
  const top = reached[reached.length - 1]!
  const chosen = `${planned}: reached ${reached.join(', ')}`
  console.log(`connections: ramp ${reached.join(', ')}`)

  const row = (ramp: Ramp, step: Step) => [
    ramp.mode === 'auth' ? 'broker (hmac-sha256 auth)' : 'bare Aedes', step.clients, step.connectS, step.connectsPerS, step.connectMs.p50, step.connectMs.p99,
    step.brokerRssMB, step.rssPerConnectionKB, step.marginalRssPerConnectionKB, step.heapPerConnectionKB, step.benchRssMB, step.probeRoundTripMs
  ]
  const last = (ramp: Ramp): Step => ramp.steps[ramp.steps.length - 1]!
  return {
    name: 'connections',
    title: 'Connections per broker process',
    tables: [{
      caption: 'cumulative ramp; connect time per client (ms); broker process RSS (MB) and per connection (KB): above idle, added by the step, heap after GC; this process RSS (MB); probe publish → subscriber (ms)',
      table: {
        columns: ['broker', 'clients', 'step s', 'conn/s', 'conn p50', 'conn p99', 'broker RSS', 'RSS KB/c', 'step KB/c', 'heap KB/c', 'bench RSS', 'probe ms'],
        rows: [...bare.steps.map(s => row(bare, s)), ...auth.steps.map(s => row(auth, s))]
      }
    }],
    comparisons: [
      { metric: `connect rate at ${top}`, unit: 'conn/s', value: last(auth).connectsPerS, baseline: last(bare).connectsPerS, baselineLabel: 'bare Aedes, no authentication', higherIsBetter: true },
      { metric: `broker RSS per connection at ${top}`, unit: 'KB', value: last(auth).rssPerConnectionKB, baseline: last(bare).rssPerConnectionKB, baselineLabel: 'bare Aedes, no authentication', higherIsBetter: false },
      { metric: `broker heap per connection at ${top}`, unit: 'KB', value: last(auth).heapPerConnectionKB, baseline: last(bare).heapPerConnectionKB, baselineLabel: 'bare Aedes, no authentication', higherIsBetter: false },
      { metric: `probe publish with ${top} connected`, unit: 'ms', value: last(auth).probeRoundTripMs, baseline: last(bare).probeRoundTripMs, baselineLabel: 'bare Aedes, no authentication', higherIsBetter: false }
    ],
    notes: [
      chosen,
      `secret verification measured in this process before the ramp (services/core/src/credentials/secret-hash.ts): hmac-sha256 ${hmacPerS.toFixed(0)}/s, the legacy scrypt (N=4096) ${scryptPerS.toFixed(0)}/s; the authenticated connect rate is ${(last(auth).connectsPerS / hmacPerS * 100).toFixed(2)}% of the HMAC rate`,
      `each cabinet has its own credentials-file entry, client id, username and secret, hashed with hmac-sha256 under the broker's CREDENTIALS_HASH_KEY as the monitor issues them`,
      `${settings.BENCH_CONNECT_CONCURRENCY} connection attempts in flight at a time; the brokers run in a child process each (RSS after a full GC there), the clients in this one`
    ],
    figures: { fdLimit, fdCap, hmacPerS, scryptPerS, ladder, reached, bare, auth },
    elapsedS: (performance.now() - started) / 1000
  }
}

async function runRamp (mode: 'bare' | 'auth', ladder: number[], ids: string[], settings: BenchSettings, budgetS: number): Promise<Ramp> {
  const broker = await startBrokerChild(mode)
  const clients: MqttClient[] = []
  let probe: MqttClient | undefined
  try {
    const secretOf = mode === 'auth' ? await registerCabinets(broker, ids) : undefined
    const idle = await broker.memory()
    const probeOptions: IClientOptions = { clientId: 'bench-probe', clean: true, protocolVersion: 4, reconnectPeriod: 0 }
    if (secretOf !== undefined) Object.assign(probeOptions, secretOf.service)
    probe = await mqtt.connectAsync(broker.url, probeOptions)
    await probe.subscribeAsync('aed/v1/+/heartbeat', { qos: 1 })

    const steps: Step[] = []
    let connectingS = 0
    let previous = { clients: 0, rssMB: idle.rssMB }
    for (const target of ladder) {
      const rate = steps.at(-1)?.connectsPerS
      if (rate !== undefined && connectingS + (target - clients.length) / rate > budgetS) break
      const t0 = performance.now()
      const connectMs = await connectMany(broker.url, ids.slice(clients.length, target), secretOf?.cabinet, settings.BENCH_CONNECT_CONCURRENCY, clients)
      const elapsedMs = performance.now() - t0
      connectingS += elapsedMs / 1000
      const memory = await broker.memory()
      const newest = clients[clients.length - 1]!
      if (memory.connectedClients < target) throw new Error(`${mode} broker reports ${memory.connectedClients} clients, expected at least ${target}`)
      steps.push({
        clients: target,
        connectS: elapsedMs / 1000,
        connectsPerS: perSecond(connectMs.length, elapsedMs),
        connectMs: percentiles(connectMs),
        brokerRssMB: memory.rssMB,
        brokerHeapMB: memory.heapUsedMB,
        rssPerConnectionKB: (memory.rssMB - idle.rssMB) * 1024 / target,
        marginalRssPerConnectionKB: (memory.rssMB - previous.rssMB) * 1024 / (target - previous.clients),
        heapPerConnectionKB: (memory.heapUsedMB - idle.heapUsedMB) * 1024 / target,
        benchRssMB: memoryNow().rssMB,
        probeRoundTripMs: await probeRoundTrip(newest, newest.options.clientId ?? ids[target - 1]!, probe)
      })
      previous = { clients: target, rssMB: memory.rssMB }
    }
    return { mode, idleRssMB: idle.rssMB, steps }
  } finally {
    await Promise.all(clients.map(c => c.endAsync(true)))
    await probe?.endAsync(true)
    await broker.stop()
  }
}

/**
 * Writes every cabinet, each with a secret of its own, into the broker's
 * credentials file in one rewrite (CredentialFile.putAll), then reads it
 * back through a fresh CredentialFile, which validates it as the broker will.
 */
async function registerCabinets (broker: BrokerChild, ids: string[]): Promise<{ cabinet: (id: string) => string, service: { username: string, password: string } }> {
  const file = broker.credentialsFile
  const key = broker.credentialsHashKey
  if (file === undefined || key === undefined) throw new Error('the authenticating broker did not say where its credentials file is, or its key')
  const hasher = new SecretHasher(key)
  const secrets = new Map(ids.map(id => [id, generateSecret()]))
  const serviceSecret = generateSecret()
  const service = serviceUsername('bench-probe')
  await new CredentialFile(file).putAll([
    { username: service, role: 'service', secretHash: hasher.hash(serviceSecret) },
    ...ids.map(id => ({ username: id, role: 'cabinet' as const, secretHash: hasher.hash(secrets.get(id)!) }))
  ])
  const listed = await new CredentialFile(file).list()
  if (listed.length !== ids.length + 1) throw new Error(`credentials file holds ${listed.length} principals, expected ${ids.length + 1}`)
  return { cabinet: id => secrets.get(id)!, service: { username: service, password: serviceSecret } }
}

/** Connects cabinets with at most `concurrency` attempts in flight; returns each connect time, ms. */
async function connectMany (url: string, ids: string[], secretOf: ((id: string) => string) | undefined, concurrency: number, into: MqttClient[]): Promise<number[]> {
  const times: number[] = []
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const id = ids[next++]!
      const options: IClientOptions = { clientId: id, clean: true, protocolVersion: 4, keepalive: 60, reconnectPeriod: 0, connectTimeout: 60_000 }
      if (secretOf !== undefined) Object.assign(options, { username: id, password: secretOf(id) })
      const t0 = performance.now()
      into.push(await mqtt.connectAsync(url, options))
      times.push(performance.now() - t0)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker))
  return times
}

/** A heartbeat from a connected cabinet to the probe subscriber, round trip in ms. */
async function probeRoundTrip (cabinet: MqttClient, cabinetId: string, probe: MqttClient): Promise<number> {
  const topic = cabinetTopic(cabinetId, 'heartbeat')
  const payload = JSON.stringify({ ts: new Date().toISOString(), seq: 1, temperatureC: 21.5, fw: '2.4.1' })
  let pubackMs: number | undefined
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      probe.off('message', onMessage)
      reject(new Error(`probe publish from ${cabinetId} did not arrive within ${PROBE_TIMEOUT_MS} ms (PUBACK ${pubackMs === undefined ? 'not received' : `after ${pubackMs.toFixed(1)} ms`}, publisher ${cabinet.connected ? 'connected' : 'disconnected'}, probe ${probe.connected ? 'connected' : 'disconnected'})`))
    }, PROBE_TIMEOUT_MS)
    const t0 = performance.now()
    const onMessage = (received: string): void => {
      if (received !== topic) return
      clearTimeout(timer)
      probe.off('message', onMessage)
      resolve(performance.now() - t0)
    }
    probe.on('message', onMessage)
    cabinet.publish(topic, payload, { qos: 1 }, err => { if (err === undefined || err === null) pubackMs = performance.now() - t0 })
  })
}

/** The soft limit on open files this process (and the broker child it starts) inherits. */
function openFileLimit (): number {
  const text = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim()
  const limit = text === 'unlimited' ? 1_048_576 : Number(text)
  if (!Number.isInteger(limit) || limit <= 0) throw new Error(`cannot read ulimit -n: ${text}`)
  return limit
}

/**
 * Secret verifications per second on this machine: hmac-sha256 (what the
 * broker does per connect) and the legacy scrypt (what it did before, and
 * still does for hashes issued then), with the libuv pool busy with them.
 */
async function verificationsPerSecond (): Promise<{ hmacPerS: number, scryptPerS: number }> {
  const hasher = new SecretHasher(generateSecret())
  const secret = generateSecret()
  const hash = hasher.hash(secret)
  const hmacBatch = 20_000
  for (let i = 0; i < 1000; i++) hasher.verifyNow(secret, hash)
  let t0 = performance.now()
  for (let i = 0; i < hmacBatch; i++) if (!hasher.verifyNow(secret, hash)) throw new Error('hmac calibration: a verification failed')
  const hmacPerS = perSecond(hmacBatch, performance.now() - t0)
  const legacy = await legacyScryptHash(secret)
  const batch = 32
  await Promise.all(Array.from({ length: 4 }, () => hasher.verify(secret, legacy)))
  t0 = performance.now()
  const results = await Promise.all(Array.from({ length: batch }, () => hasher.verify(secret, legacy)))
  if (!results.every(Boolean)) throw new Error('scrypt calibration: a verification failed')
  return { hmacPerS, scryptPerS: perSecond(batch, performance.now() - t0) }
}
