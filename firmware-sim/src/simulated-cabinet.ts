import { EventEmitter } from 'node:events'
import mqtt, { type MqttClient } from 'mqtt'
import {
  CommandSchema, cabinetTopic, type Battery, type Command, type CommandResult, type DoorState, type Heartbeat,
  type Pads, type Selftest, type UplinkChannel
} from '@aed/core/protocol'

const DAY_MS = 86_400_000

export interface SimulatedCabinetOptions {
  id: string
  secret: string
  brokerUrl: string
  heartbeatIntervalS?: number
  /** Time runs this many times faster for heartbeats, self-tests and battery drain. */
  speed?: number
  /** Battery charge at start, %. */
  batteryPercent?: number
  /** Battery charge lost per (simulated) day, %. */
  batteryDrainPerDay?: number
  batteryExpires?: string
  padsExpires?: string
  padsType?: 'adult' | 'pediatric'
  padsLot?: string
  /** Mean cabinet temperature, °C; readings wander around it. */
  temperatureC?: number
  fw?: string
  /** Longest wait between reconnect attempts, ms. */
  maxReconnectDelayMs?: number
  /** Messages kept while the broker is unreachable. */
  maxQueued?: number
}

export interface SimulatedCabinetEvents {
  connected: []
  disconnected: []
  published: [channel: UplinkChannel, payload: object]
  command: [command: Command]
  error: [error: Error]
}

function addDays (days: number, from = Date.now()): string {
  return new Date(from + days * DAY_MS).toISOString().slice(0, 10)
}

/**
 * A cabinet controller speaking protocol v1, as real firmware would: QoS 1,
 * a persistent session, a retained status with a last will, heartbeats, a
 * daily self-test, battery drain, reconnect with exponential backoff, and
 * messages queued while offline sent later with their original timestamps.
 */
export class SimulatedCabinet extends EventEmitter<SimulatedCabinetEvents> {
  readonly id: string
  private client: MqttClient | undefined
  private readonly queue: Array<{ channel: UplinkChannel, payload: string }> = []
  private timers: NodeJS.Timeout[] = []
  private seq = 0
  private reconnectDelayMs = 1000
  private powered = false
  private offlineUntil: NodeJS.Timeout | undefined

  door: DoorState = 'closed'
  batteryPercent: number
  batteryExpires: string
  padsExpires: string
  temperatureC: number
  /** Fault codes the next self-tests report; empty means they pass. */
  faults: string[] = []
  private readonly startedAt = Date.now()

  constructor (private readonly options: SimulatedCabinetOptions) {
    super()
    this.id = options.id
    this.batteryPercent = options.batteryPercent ?? 100
    this.batteryExpires = options.batteryExpires ?? addDays(4 * 365)
    this.padsExpires = options.padsExpires ?? addDays(2 * 365)
    this.temperatureC = options.temperatureC ?? 21
  }

  get connected (): boolean {
    return this.client?.connected === true
  }

  get queued (): number {
    return this.queue.length
  }

  /** Powers the controller on: connects and starts its periodic behaviour. */
  start (): void {
    if (this.powered) return
    this.powered = true
    this.connect()
    const speed = this.options.speed ?? 1
    const heartbeatMs = (this.options.heartbeatIntervalS ?? 60) * 1000 / speed
    this.every(heartbeatMs, () => {
      this.drainBattery(heartbeatMs * speed)
      this.heartbeat()
    })
    this.every(DAY_MS / speed, () => { this.selftest('daily') })
    // A real controller reports everything once after power-on.
    this.report()
    this.selftest('daily')
  }

  /** Powers off cleanly: stops timers, sends what is queued if it can, disconnects. */
  async stop (): Promise<void> {
    this.powered = false
    for (const timer of this.timers.splice(0)) clearInterval(timer)
    if (this.offlineUntil !== undefined) clearTimeout(this.offlineUntil)
    await this.client?.endAsync()
    this.client = undefined
  }

  openDoor (): void { this.setDoor('open') }
  closeDoor (): void { this.setDoor('closed') }

  setDoor (state: DoorState): void {
    this.door = state
    this.send('door', { state })
  }

  /** Runs a self-test now; it fails with the given fault codes, or with the injected ones. */
  selftest (kind: Selftest['kind'] = 'manual', faults = this.faults): void {
    this.send('selftest', { result: faults.length > 0 ? 'fail' : 'pass', kind, ...(faults.length > 0 ? { faults: [...faults] } : {}) })
    this.sendBattery()
  }

  failSelftest (faults: string[] = ['E-ELECTRODE']): void {
    this.faults = faults
    this.selftest('manual')
  }

  passSelftest (): void {
    this.faults = []
    this.selftest('manual')
  }

  setBattery (percent: number): void {
    this.batteryPercent = Math.max(0, Math.min(100, percent))
    this.sendBattery()
  }

  setTemperature (celsius: number): void {
    this.temperatureC = celsius
    this.heartbeat()
  }

  setPadsExpiry (date: string): void {
    this.padsExpires = date
    this.sendPads()
  }

  setBatteryExpiry (date: string): void {
    this.batteryExpires = date
    this.sendBattery()
  }

  /**
   * Loses the connection as a power or network failure would (no DISCONNECT,
   * so the broker publishes the last will). Readings keep being produced and
   * queued; the cabinet comes back after `forMs`, or on goOnline().
   */
  goOffline (forMs?: number): void {
    const client = this.client
    this.client = undefined
    if (client !== undefined) {
      client.removeAllListeners('close')
      client.stream?.destroy()
      client.end(true)
    }
    this.emit('disconnected')
    if (forMs !== undefined) this.offlineUntil = setTimeout(() => this.goOnline(), forMs)
  }

  goOnline (): void {
    if (this.offlineUntil !== undefined) clearTimeout(this.offlineUntil)
    this.offlineUntil = undefined
    if (this.client === undefined && this.powered) this.connect()
  }

  /** Publishes every reading now (the answer to a `report` command). */
  report (): void {
    this.heartbeat()
    this.sendBattery()
    this.sendPads()
    this.send('door', { state: this.door })
  }

  heartbeat (): void {
    const payload: Omit<Heartbeat, 'ts' | 'seq'> = {
      temperatureC: Math.round((this.temperatureC + (Math.random() - 0.5) * 0.4) * 10) / 10,
      fw: this.options.fw ?? 'aed-sim/1.0.0',
      mains: true,
      rssiDbm: -60 - Math.round(Math.random() * 20),
      uptimeS: Math.floor((Date.now() - this.startedAt) / 1000)
    }
    this.send('heartbeat', payload)
  }

  private sendBattery (): void {
    const payload: Omit<Battery, 'ts' | 'seq'> = { percent: Math.round(this.batteryPercent * 10) / 10, expires: this.batteryExpires }
    this.send('battery', payload)
  }

  private sendPads (): void {
    const payload: Omit<Pads, 'ts' | 'seq'> = { expires: this.padsExpires, type: this.options.padsType ?? 'adult', lot: this.options.padsLot ?? 'SIM-0001' }
    this.send('pads', payload)
  }

  private drainBattery (elapsedMs: number): void {
    this.batteryPercent = Math.max(0, this.batteryPercent - (this.options.batteryDrainPerDay ?? 0.02) * elapsedMs / DAY_MS)
  }

  /** Stamps a message with ts and seq now; sends it or queues it while offline. */
  private send (channel: UplinkChannel, body: object): void {
    const payload = { ...body, ts: new Date().toISOString(), seq: this.seq++ }
    const text = JSON.stringify(payload)
    this.emit('published', channel, payload)
    if (this.client?.connected === true) {
      this.client.publish(cabinetTopic(this.id, channel), text, { qos: 1 }, err => { if (err) this.emit('error', err) })
      return
    }
    this.queue.push({ channel, payload: text })
    const max = this.options.maxQueued ?? 10_000
    if (this.queue.length > max) this.queue.splice(0, this.queue.length - max)
  }

  private connect (): void {
    const client = mqtt.connect(this.options.brokerUrl, {
      clientId: this.id,
      username: this.id,
      password: this.options.secret,
      clean: false,
      protocolVersion: 4,
      keepalive: 30,
      reconnectPeriod: this.reconnectDelayMs,
      connectTimeout: 10_000,
      will: { topic: cabinetTopic(this.id, 'status'), payload: Buffer.from('{"online":false}'), qos: 1, retain: true }
    })
    this.client = client
    client.on('connect', () => {
      this.reconnectDelayMs = 1000
      client.options.reconnectPeriod = this.reconnectDelayMs
      client.subscribe(cabinetTopic(this.id, 'cmd'), { qos: 1 })
      client.publish(cabinetTopic(this.id, 'status'), JSON.stringify({ online: true, ts: new Date().toISOString(), seq: this.seq++ }), { qos: 1, retain: true })
      // Queued readings go out in the order they happened, with their original ts.
      for (const { channel, payload } of this.queue.splice(0)) client.publish(cabinetTopic(this.id, channel), payload, { qos: 1 })
      this.emit('connected')
    })
    client.on('close', () => {
      // Exponential backoff: a fleet coming back after a broker outage must not reconnect in lock-step.
      this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, this.options.maxReconnectDelayMs ?? 60_000)
      client.options.reconnectPeriod = Math.round(this.reconnectDelayMs * (0.75 + Math.random() * 0.5))
      this.emit('disconnected')
    })
    client.on('error', err => this.emit('error', err))
    client.on('message', (_topic, payload) => this.onCommand(payload))
  }

  private onCommand (payload: Buffer): void {
    let parsed: unknown
    try { parsed = JSON.parse(payload.toString('utf8')) } catch { return }
    const command = CommandSchema.safeParse(parsed)
    if (!command.success) return
    this.emit('command', command.data)
    if (command.data.cmd === 'selftest') this.selftest('manual')
    else this.report()
    const result: Omit<CommandResult, 'ts' | 'seq'> = { id: command.data.id, cmd: command.data.cmd, ok: true }
    this.send('cmd/result', result)
  }

  private every (ms: number, fn: () => void): void {
    const timer = setInterval(fn, ms)
    timer.unref()
    this.timers.push(timer)
  }
}
