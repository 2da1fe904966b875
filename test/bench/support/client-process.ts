import mqtt, { type MqttClient } from 'mqtt'
import { cabinetTopic } from '@aed/core/protocol'
import { LeanFleet } from '@aed/firmware-sim'
import { collectGarbage } from './memory.ts'

/**
 * Simulated cabinets in a process of their own, so that what they cost is
 * measured apart from the benchmark's own memory: `lean` runs a LeanFleet,
 * `mqtt.js` one mqtt.js client per cabinet doing what a lean cabinet does
 * after its CONNACK. Started by client-child.ts over an IPC channel.
 */
export type ClientProcessRequest =
  | { type: 'connect', mode: 'lean' | 'mqtt.js', brokerUrl: string, cabinets: Array<{ id: string, secret: string }>, concurrency: number }
  | { type: 'stop' }
export type ClientProcessMessage =
  | { type: 'idle', rssMB: number, heapUsedMB: number }
  | { type: 'connected', elapsedMs: number, rssMB: number, heapUsedMB: number, heartbeatsAcked: number }
  | { type: 'failed', message: string }

const MB = 1024 * 1024
const send = (message: ClientProcessMessage): void => { process.send?.(message) }
const memory = (): { rssMB: number, heapUsedMB: number } => {
  collectGarbage()
  const usage = process.memoryUsage()
  return { rssMB: usage.rss / MB, heapUsedMB: usage.heapUsed / MB }
}

let fleet: LeanFleet | undefined
const clients: MqttClient[] = []

async function connect (request: Extract<ClientProcessRequest, { type: 'connect' }>): Promise<void> {
  send({ type: 'idle', ...memory() })
  const t0 = performance.now()
  if (request.mode === 'lean') {
    fleet = new LeanFleet({ brokerUrl: request.brokerUrl, cabinets: request.cabinets, connectConcurrency: request.concurrency, connectTimeoutS: 60 })
    fleet.start()
    await fleet.waitUntilConnected(request.cabinets.length, 180_000)
  } else {
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < request.cabinets.length) {
        const { id, secret } = request.cabinets[next++]!
        const client = await mqtt.connectAsync(request.brokerUrl, {
          clientId: id, username: id, password: secret, clean: false, protocolVersion: 4, keepalive: 90, reconnectPeriod: 0, connectTimeout: 60_000,
          will: { topic: cabinetTopic(id, 'status'), payload: Buffer.from('{"online":false}'), qos: 1, retain: true }
        })
        clients.push(client)
        client.subscribe(cabinetTopic(id, 'cmd'), { qos: 1 })
        client.publish(cabinetTopic(id, 'status'), JSON.stringify({ online: true, ts: new Date().toISOString(), seq: 0 }), { qos: 1, retain: true })
      }
    }
    await Promise.all(Array.from({ length: request.concurrency }, worker))
  }
  const elapsedMs = performance.now() - t0
  send({ type: 'connected', elapsedMs, ...memory(), heartbeatsAcked: fleet?.counts().heartbeatsAcked ?? 0 })
}

process.on('message', (request: ClientProcessRequest) => {
  if (request.type === 'connect') {
    connect(request).catch((err: unknown) => send({ type: 'failed', message: err instanceof Error ? err.message : String(err) }))
  } else {
    Promise.all([fleet?.stop(), ...clients.map(c => c.endAsync(true))]).finally(() => process.exit(0)).catch(() => undefined)
  }
})
