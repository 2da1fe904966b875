import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { cabinetTopic, type UplinkChannel } from '@aed/core/protocol'

/** One prepared uplink message: encoded before the clock starts. */
export interface PreparedMessage {
  topic: string
  payload: Buffer
}

/**
 * Realistic uplink traffic of a fleet at rest (docs/wire-protocol.md): per
 * cabinet, three heartbeats, then a battery report, then a door report, in
 * a cycle. Readings stay inside every threshold and doors stay closed, so
 * the monitor takes its everyday path (validate, store, track, evaluate)
 * without raising alerts or sending notifications.
 *
 * Every message gets the cabinet's next seq and a ts one millisecond after
 * the previous one, starting an hour ago: InfluxDB keys a point by
 * measurement, tags and time, so equal timestamps would collapse into one
 * point and the storage count would come up short.
 */
export class FleetTraffic {
  private readonly seq = new Map<string, number>()
  private readonly startMs = Date.now() - 3_600_000

  constructor (readonly cabinetIds: readonly string[]) {}

  /** The next `perCabinet` messages of every cabinet, grouped by cabinet. */
  next (perCabinet: number): PreparedMessage[][] {
    return this.cabinetIds.map(id => Array.from({ length: perCabinet }, () => this.message(id)))
  }

  private message (cabinetId: string): PreparedMessage {
    const seq = this.seq.get(cabinetId) ?? 0
    this.seq.set(cabinetId, seq + 1)
    const ts = new Date(this.startMs + seq).toISOString()
    const [channel, body] = bodyFor(seq)
    return { topic: cabinetTopic(cabinetId, channel), payload: Buffer.from(JSON.stringify({ ts, seq, ...body })) }
  }
}

function bodyFor (seq: number): [UplinkChannel, object] {
  switch (seq % 5) {
    case 3: return ['battery', { percent: 96.5 - (seq % 7) / 10, expires: '2029-03-31' }]
    case 4: return ['door', { state: 'closed' }]
    default: return ['heartbeat', { temperatureC: 18 + (seq % 40) / 10, fw: '2.4.1', mains: true, rssiDbm: -60 - (seq % 20), uptimeS: 86_400 + seq * 60 }]
  }
}

export interface Publisher {
  cabinetId: string
  client: MqttClient
}

/** Connects one MQTT client per cabinet, as firmware does: client id = username = cabinet id. */
export async function connectPublishers (url: string, cabinetIds: readonly string[], secretOf?: (id: string) => string): Promise<Publisher[]> {
  return Promise.all(cabinetIds.map(async cabinetId => {
    const options: IClientOptions = { clientId: cabinetId, clean: false, protocolVersion: 4, keepalive: 60, reconnectPeriod: 0, connectTimeout: 60_000 }
    if (secretOf !== undefined) {
      options.username = cabinetId
      options.password = secretOf(cabinetId)
    }
    return { cabinetId, client: await mqtt.connectAsync(url, options) }
  }))
}

export async function disconnectPublishers (publishers: readonly Publisher[]): Promise<void> {
  await Promise.all(publishers.map(p => p.client.endAsync()))
}

/**
 * Publishes every cabinet's messages with QoS 1, each cabinet keeping at most
 * `window` messages unacknowledged, as a firmware with a bounded outgoing
 * queue would. Resolves when every PUBACK has arrived.
 */
export async function publishWindowed (publishers: readonly Publisher[], messages: readonly PreparedMessage[][], window: number): Promise<void> {
  await Promise.all(publishers.map((publisher, i) => new Promise<void>((resolve, reject) => {
    const queue = messages[i] ?? []
    let next = 0
    let acked = 0
    const send = (): void => {
      const message = queue[next++]
      if (message === undefined) return
      publisher.client.publish(message.topic, message.payload, { qos: 1 }, err => {
        if (err !== undefined && err !== null) return reject(new Error(`publish by ${publisher.cabinetId} failed: ${err.message}`, { cause: err }))
        acked++
        if (acked === queue.length) resolve()
        else send()
      })
    }
    if (queue.length === 0) resolve()
    for (let k = 0; k < Math.min(window, queue.length); k++) send()
  })))
}
