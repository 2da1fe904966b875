import type { Test } from 'tap'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { waitFor } from '@aed/testkit/wait-for'

/**
 * A cabinet that publishes QoS 1 heartbeats with increasing `seq` and
 * remembers which ones the broker acknowledged: what the fault tests count
 * against what InfluxDB holds. It keeps its session (`clean: false`) and
 * reconnects at once, as cabinet firmware does.
 */
export class PublishingCabinet {
  readonly acked = new Set<number>()
  private seq = 0
  private timer: NodeJS.Timeout | undefined
  /** Connections it lost (its broker killed, the link cut); each is followed by a reconnection. */
  lostConnections = 0
  private constructor (readonly id: string, private readonly client: MqttClient) {
    client.on('offline', () => { this.lostConnections++ })
  }

  /** Messages published so far (each `seq` handed out), acknowledged or not. */
  get sent (): number {
    return this.seq
  }

  /** `options` add to or override the cabinet's own (a will, a list of `servers` to fail over between). */
  static async connect (url: string, id: string, secret: string, options: IClientOptions = {}): Promise<PublishingCabinet> {
    const client = await mqtt.connectAsync(url, { clientId: id, username: id, password: secret, protocolVersion: 4, clean: false, reconnectPeriod: 200, ...options })
    return new PublishingCabinet(id, client)
  }

  /** Publishes `perSecond` heartbeats a second until stopped. */
  start (perSecond: number): void {
    this.timer = setInterval(() => {
      const seq = this.seq++
      const payload = JSON.stringify({ ts: new Date().toISOString(), seq, temperatureC: 20, fw: 'fault-test' })
      this.client.publishAsync(`aed/v1/${this.id}/heartbeat`, payload, { qos: 1 }).then(() => { this.acked.add(seq) }, () => undefined)
    }, 1000 / perSecond)
  }

  /** Stops publishing and waits until no message is in flight (each has its PUBACK), however long a reconnection takes. */
  async stop (): Promise<void> {
    clearInterval(this.timer)
    await waitFor(() => this.client.connected && this.inFlight() === 0, `${this.id}: every message acknowledged`, 120_000)
  }

  async door (state: 'open' | 'closed'): Promise<void> {
    await this.client.publishAsync(`aed/v1/${this.id}/door`, JSON.stringify({ ts: new Date().toISOString(), seq: this.seq++, state }), { qos: 1 })
  }

  async close (): Promise<void> {
    await this.client.endAsync()
  }

  /** Messages mqtt.js still holds for a PUBACK (its outgoing map). */
  private inFlight (): number {
    return Object.keys(this.client.outgoing).length
  }
}

/** The `seq` values of a cabinet's heartbeats in InfluxDB. */
export type StoredSeqs = (cabinetId: string) => Promise<Set<number>>

/** Waits until every acknowledged message of the cabinets is in InfluxDB, then asserts it, listing what is missing if not. */
export async function everyAcknowledgedStored (t: Test, cabinets: PublishingCabinet[], storedSeqs: StoredSeqs): Promise<void> {
  let missing: Array<[string, number, number[]]> = []
  const check = async (): Promise<boolean> => {
    missing = []
    for (const cabinet of cabinets) {
      const stored = await storedSeqs(cabinet.id)
      const lost = [...cabinet.acked].filter(seq => !stored.has(seq))
      if (lost.length > 0) missing.push([cabinet.id, lost.length, lost.slice(0, 10)])
    }
    return missing.length === 0
  }
  await waitFor(check, 'every acknowledged message stored', 60_000).catch(() => undefined)
  const acked = cabinets.reduce((n, c) => n + c.acked.size, 0)
  t.same(missing, [], `all ${acked} acknowledged messages stored`)
  t.ok(acked > 0, `${acked} messages acknowledged during the fault`)
}
