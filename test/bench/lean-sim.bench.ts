import mqtt, { type MqttClient } from 'mqtt'
import { CredentialFile, generateSecret, SecretHasher } from '@aed/core/credentials'
import { cabinetTopic } from '@aed/core/protocol'
import { LeanFleet } from '@aed/firmware-sim'
import { startBrokerChild, type BrokerChild } from './support/broker-child.ts'
import { collectGarbage, memoryNow } from './support/memory.ts'
import type { BenchmarkReport } from './support/report.ts'
import type { BenchSettings } from './support/settings.ts'
import { perSecond } from './support/stats.ts'

/**
 * What one simulated cabinet costs the process that simulates it: N lean
 * cabinets (firmware-sim's LeanFleet: a bare socket and mqtt-packet each)
 * connect to the project's broker, in a child process, with their own
 * credentials; then the same N as mqtt.js clients, as SimulatedCabinet
 * and the other benchmarks connect them. Connects per second, and this
 * process's heap and RSS per connected cabinet.
 */

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
      caption: 'N cabinets connected to the project\'s broker (own process) with their own secrets; this process\'s heap (after GC) and RSS above what it held before, per cabinet (KB)',
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
  const secrets = await register(broker, ids)
  const mqttClients: MqttClient[] = []
  let fleet: LeanFleet | undefined
  try {
    collectGarbage()
    const before = memoryNow()
    const t0 = performance.now()
    if (client === 'lean') {
      fleet = new LeanFleet({ brokerUrl: broker.url, cabinets: ids.map(id => ({ id, secret: secrets.get(id)! })), connectConcurrency: CONCURRENCY, connectTimeoutS: 60 })
      fleet.start()
      await fleet.waitUntilConnected(ids.length, CONNECT_TIMEOUT_MS)
    } else {
      let next = 0
      const worker = async (): Promise<void> => {
        while (next < ids.length) {
          const id = ids[next++]!
          const c = await mqtt.connectAsync(broker.url, {
            clientId: id, username: id, password: secrets.get(id)!, clean: false, protocolVersion: 4, keepalive: 90, reconnectPeriod: 0, connectTimeout: 60_000,
            will: { topic: cabinetTopic(id, 'status'), payload: Buffer.from('{"online":false}'), qos: 1, retain: true }
          })
          mqttClients.push(c)
          // What a lean cabinet does after its CONNACK, so both rounds ask the same of the broker.
          c.subscribe(cabinetTopic(id, 'cmd'), { qos: 1 })
          c.publish(cabinetTopic(id, 'status'), JSON.stringify({ online: true, ts: new Date().toISOString(), seq: 0 }), { qos: 1, retain: true })
        }
      }
      await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    }
    const elapsedMs = performance.now() - t0
    const held = await broker.memory()
    if (held.connectedClients < ids.length) throw new Error(`${client}: the broker holds ${held.connectedClients} clients, expected ${ids.length}`)
    collectGarbage()
    const after = memoryNow()
    return {
      client,
      cabinets: ids.length,
      connectS: elapsedMs / 1000,
      connectsPerS: perSecond(ids.length, elapsedMs),
      heapPerCabinetKB: (after.heapUsedMB - before.heapUsedMB) * 1024 / ids.length,
      rssPerCabinetKB: (after.rssMB - before.rssMB) * 1024 / ids.length,
      heartbeatsAcked: fleet?.counts().heartbeatsAcked ?? 0
    }
  } finally {
    await fleet?.stop()
    await Promise.all(mqttClients.map(c => c.endAsync(true)))
    await broker.stop()
  }
}

async function register (broker: BrokerChild, ids: string[]): Promise<Map<string, string>> {
  if (broker.credentialsFile === undefined || broker.credentialsHashKey === undefined) throw new Error('the broker did not say where its credentials are')
  const hasher = new SecretHasher(broker.credentialsHashKey)
  const secrets = new Map(ids.map(id => [id, generateSecret()]))
  await new CredentialFile(broker.credentialsFile).putAll(ids.map(id => ({ username: id, role: 'cabinet' as const, secretHash: hasher.hash(secrets.get(id)!) })))
  return secrets
}
