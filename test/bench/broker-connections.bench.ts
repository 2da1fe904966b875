import { execFileSync } from 'node:child_process'
import { rename, writeFile } from 'node:fs/promises'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { CredentialFile, generateSecret, hashSecret, serviceUsername, verifySecret } from '@aed/core/credentials'
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
  const scryptPerS = await scryptVerificationsPerSecond()
  const cap = Math.min(settings.BENCH_CONNECTIONS_MAX, fdCap)
  const ladder = LADDER.filter(n => n <= cap)
  if (ladder.length === 0) ladder.push(Math.max(1, cap))
  const planned = `ulimit -n ${fdLimit} → at most ${fdCap} clients per process pair; BENCH_CONNECTIONS_MAX ${settings.BENCH_CONNECTIONS_MAX} → ramp up to ${ladder.join(', ')}, a step only if the connect rate so far says it fits the ${settings.BENCH_CONNECT_BUDGET_S} s budget`
  console.log(`connections: ${planned}`)

  const ids = Array.from({ length: ladder[ladder.length - 1]! }, (_, i) => `bench-conn-${String(i + 1).padStart(5, '0')}`)
  // The authenticated ramp goes first: scrypt decides how far it gets, and the baseline repeats the steps it reached.
  const auth = await runRamp('auth', ladder, ids, settings, settings.BENCH_CONNECT_BUDGET_S)
  const reached = auth.steps.map(s => s.clients)
  const bare = await runRamp('bare', reached, ids, settings, Infinity)
  const top = reached[reached.length - 1]!
  const chosen = `${planned}: reached ${reached.join(', ')}`
  console.log(`connections: ramp ${reached.join(', ')}`)

  const row = (ramp: Ramp, step: Step) => [
    ramp.mode === 'auth' ? 'broker (scrypt auth)' : 'bare Aedes', step.clients, step.connectS, step.connectsPerS, step.connectMs.p50, step.connectMs.p99,
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
      `scrypt verification at the production cost (services/core/src/credentials/secret-hash.ts) measured in this process before the ramp: ${scryptPerS.toFixed(0)}/s; the authenticated connect rate is ${(last(auth).connectsPerS / scryptPerS * 100).toFixed(0)}% of it`,
      `each cabinet has its own credentials-file entry, client id and username; they share one secret hashed once at production cost, because hashing ${top} distinct secrets would cost as much CPU again as the ramp (a verification costs the same whichever secret it checks)`,
      'scrypt needs 128·N·r bytes of working memory per verification (4 MiB at N=4096), up to four at once on the libuv pool: the authenticating broker\'s RSS carries that, so its RSS per connection is high at small counts and can even fall between steps; heap per connection (after GC) is the cleaner figure',
      `${settings.BENCH_CONNECT_CONCURRENCY} connection attempts in flight at a time; the brokers run in a child process each (RSS after a full GC there), the clients in this one`
    ],
    figures: { fdLimit, fdCap, scryptPerS, ladder, reached, bare, auth },
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
 * Writes every cabinet into the broker's credentials file at once (the
 * CredentialFile API adds one principal per rewrite of the whole file), then
 * reads it back through CredentialFile, which validates it as the broker will.
 */
async function registerCabinets (broker: BrokerChild, ids: string[]): Promise<{ cabinet: () => string, service: { username: string, password: string } }> {
  const file = broker.credentialsFile
  if (file === undefined) throw new Error('the authenticating broker did not say where its credentials file is')
  const cabinetSecret = generateSecret()
  const serviceSecret = generateSecret()
  const [cabinetHash, serviceHash] = await Promise.all([hashSecret(cabinetSecret), hashSecret(serviceSecret)])
  const issuedAt = new Date().toISOString()
  const service = serviceUsername('bench-probe')
  const principals: Record<string, { role: 'cabinet' | 'service', secretHash: string, issuedAt: string }> = {
    [service]: { role: 'service', secretHash: serviceHash, issuedAt }
  }
  for (const id of ids) principals[id] = { role: 'cabinet', secretHash: cabinetHash, issuedAt }
  const tmp = `${file}.bench.tmp`
  await writeFile(tmp, JSON.stringify({ version: 1, principals }) + '\n', { mode: 0o600 })
  await rename(tmp, file)
  const listed = await new CredentialFile(file).list()
  if (listed.length !== ids.length + 1) throw new Error(`credentials file holds ${listed.length} principals, expected ${ids.length + 1}`)
  return { cabinet: () => cabinetSecret, service: { username: service, password: serviceSecret } }
}

/** Connects cabinets with at most `concurrency` attempts in flight; returns each connect time, ms. */
async function connectMany (url: string, ids: string[], secretOf: (() => string) | undefined, concurrency: number, into: MqttClient[]): Promise<number[]> {
  const times: number[] = []
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const id = ids[next++]!
      const options: IClientOptions = { clientId: id, clean: true, protocolVersion: 4, keepalive: 60, reconnectPeriod: 0, connectTimeout: 60_000 }
      if (secretOf !== undefined) Object.assign(options, { username: id, password: secretOf() })
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

/** How many scrypt verifications per second this machine does when the libuv pool is busy with them. */
async function scryptVerificationsPerSecond (): Promise<number> {
  const secret = generateSecret()
  const hash = await hashSecret(secret)
  const batch = 32
  await Promise.all(Array.from({ length: 4 }, () => verifySecret(secret, hash)))
  const t0 = performance.now()
  const results = await Promise.all(Array.from({ length: batch }, () => verifySecret(secret, hash)))
  if (!results.every(Boolean)) throw new Error('scrypt calibration: a verification failed')
  return perSecond(batch, performance.now() - t0)
}
