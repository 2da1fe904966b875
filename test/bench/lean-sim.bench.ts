import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { CredentialFile, generateSecret, SecretHasher } from '@aed/core/credentials'
import { startBrokerChild, type BrokerChild } from './support/broker-child.ts'
import type { ClientProcessMessage, ClientProcessRequest } from './support/client-process.ts'
import type { BenchmarkReport } from './support/report.ts'
import type { BenchSettings } from './support/settings.ts'
import { perSecond } from './support/stats.ts'

/**
 * What one simulated cabinet costs the process that simulates it: N lean
 * cabinets (firmware-sim's LeanFleet: a bare socket and mqtt-packet each)
 * connect to the project's broker, in a child process, with their own
 * credentials; then the same N as mqtt.js clients, as SimulatedCabinet
 * and the other benchmarks connect them. Each round's clients run in a
 * process of their own (support/client-process.ts): connects per second,
 * and that process's heap and RSS per connected cabinet.
 */

const CLIENT_ENTRY = fileURLToPath(new URL('./support/client-process.ts', import.meta.url))
const CONCURRENCY = 64
const CONNECT_TIMEOUT_MS = 180_000

interface Round {
  client: 'lean' | 'mqtt.js'
  cabinets: number
  connectS: number
  connectsPerS: number
  heapPerCabinetKB: number
  rssPerCabinetKB: number
  heartbeatsAcked: number
}

export async function runLeanSim (settings: BenchSettings): Promise<BenchmarkReport> {
  const started = performance.now()
  const n = settings.BENCH_LEAN_CABINETS
  const ids = Array.from({ length: n }, (_, i) => `bench-lean-${String(i + 1).padStart(6, '0')}`)
  const lean = await round('lean', ids)
  const baseline = await round('mqtt.js', ids)
  const row = (r: Round) => [r.client, r.cabinets, r.connectS, r.connectsPerS, r.heapPerCabinetKB, r.rssPerCabinetKB, r.heartbeatsAcked]
  return {
    name: 'lean-sim',
    title: 'Simulated cabinets per process',
    tables: [{
      caption: 'N cabinets connected to the project\'s broker (own process) with their own secrets, from a client process of their own; its heap (after GC) and RSS above what it held idle, per cabinet (KB)',
      table: { columns: ['client', 'cabinets', 'connect s', 'conn/s', 'heap KB/cab', 'RSS KB/cab', 'heartbeats acked'], rows: [row(lean), row(baseline)] }
    }],
    comparisons: [
      { metric: `connect rate of ${n} cabinets`, unit: 'conn/s', value: lean.connectsPerS, baseline: baseline.connectsPerS, baselineLabel: 'mqtt.js clients', higherIsBetter: true },
      { metric: 'heap per simulated cabinet', unit: 'KB', value: lean.heapPerCabinetKB, baseline: baseline.heapPerCabinetKB, baselineLabel: 'mqtt.js clients', higherIsBetter: false },
      { metric: 'RSS per simulated cabinet', unit: 'KB', value: lean.rssPerCabinetKB, baseline: baseline.rssPerCabinetKB, baselineLabel: 'mqtt.js clients', higherIsBetter: false }
    ],
    notes: [
      `${CONCURRENCY} connection attempts in flight in both rounds; each round has a broker process of its own (the project's broker, hmac-sha256 secrets)`,
      'both kinds connect as firmware does: a persistent session, a retained-status will, then a SUBSCRIBE to their cmd topic and a retained status (QoS 1); a round ends when the broker holds all N',
      'heartbeats: every lean cabinet sends its first at a random point of a 60 s interval, so a few are acknowledged during the round'
    ],
    figures: { cabinets: n, lean, baseline },
    elapsedS: (performance.now() - started) / 1000
  }
}

async function round (client: Round['client'], ids: string[]): Promise<Round> {
  const broker = await startBrokerChild('auth')
  const child = fork(CLIENT_ENTRY, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  try {
    const secrets = await register(broker, ids)
    const idle = nextMessage(child, 'idle')
    const connected = nextMessage(child, 'connected')
    child.send({ type: 'connect', mode: client, brokerUrl: broker.url, cabinets: ids.map(id => ({ id, secret: secrets.get(id)! })), concurrency: CONCURRENCY } satisfies ClientProcessRequest)
    const before = await idle
    const after = await connected
    const held = await broker.memory()
    if (held.connectedClients < ids.length) throw new Error(`${client}: the broker holds ${held.connectedClients} clients, expected ${ids.length}`)
    return {
      client,
      cabinets: ids.length,
      connectS: after.elapsedMs / 1000,
      connectsPerS: perSecond(ids.length, after.elapsedMs),
      heapPerCabinetKB: (after.heapUsedMB - before.heapUsedMB) * 1024 / ids.length,
      rssPerCabinetKB: (after.rssMB - before.rssMB) * 1024 / ids.length,
      heartbeatsAcked: after.heartbeatsAcked
    }
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
      child.send({ type: 'stop' } satisfies ClientProcessRequest)
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
      await exited
      clearTimeout(timer)
    }
    await broker.stop()
  }
}

function nextMessage<T extends ClientProcessMessage['type']> (child: ChildProcess, type: T): Promise<Extract<ClientProcessMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { cleanup(); reject(new Error(`client process: no ${type} within ${CONNECT_TIMEOUT_MS} ms`)) }, CONNECT_TIMEOUT_MS)
    const onMessage = (message: ClientProcessMessage): void => {
      if (message.type === 'failed') { cleanup(); reject(new Error(`client process: ${message.message}`)) }
      if (message.type !== type) return
      cleanup()
      resolve(message as Extract<ClientProcessMessage, { type: T }>)
    }
    const onExit = (code: number | null): void => { cleanup(); reject(new Error(`client process exited (code ${code}) before ${type}`)) }
    const cleanup = (): void => { clearTimeout(timer); child.off('message', onMessage); child.off('exit', onExit) }
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}

async function register (broker: BrokerChild, ids: string[]): Promise<Map<string, string>> {
  if (broker.credentialsFile === undefined || broker.credentialsHashKey === undefined) throw new Error('the broker did not say where its credentials are')
  const hasher = new SecretHasher(broker.credentialsHashKey)
  const secrets = new Map(ids.map(id => [id, generateSecret()]))
  await new CredentialFile(broker.credentialsFile).putAll(ids.map(id => ({ username: id, role: 'cabinet' as const, secretHash: hasher.hash(secrets.get(id)!) })))
  return secrets
}
