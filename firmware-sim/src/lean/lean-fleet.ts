import { EventEmitter } from 'node:events'
import { systemTime, type Time } from '@aed/core/time'
import { ConnectGate, LeanCabinet, zeroCounts, type LeanCabinetSettings, type LeanCounts } from './lean-cabinet.ts'
import { backoffProblems, DEFAULT_BACKOFF, type BackoffPolicy } from './reconnect-backoff.ts'

export interface CabinetCredentials {
  id: string
  secret: string
}

/** Everything but the cabinets and the time can cross a process boundary (lean-fleet-processes.ts). */
export interface LeanFleetSettings {
  /** mqtt://host:port (the lean mode speaks plain MQTT only). */
  brokerUrl: string
  /** Source addresses the cabinets' connections are spread over, round robin; none = the system's choice. */
  localAddresses?: string[] | undefined
  /** Default 60. */
  heartbeatIntervalS?: number | undefined
  /** Share of the interval each heartbeat moves at random, both ways; default 0.1 (±10 %). */
  heartbeatJitter?: number | undefined
  /** MQTT keep-alive, s; default 90 (above the heartbeat interval, so heartbeats keep the connection alive). */
  keepaliveS?: number | undefined
  /** Longest wait for a CONNACK, s; default 30. */
  connectTimeoutS?: number | undefined
  backoff?: Partial<BackoffPolicy> | undefined
  /** Connection attempts in flight at once in this process (TCP connect to CONNACK); default 64. */
  connectConcurrency?: number | undefined
  /** Default false: persistent sessions, as firmware. */
  clean?: boolean | undefined
}

export interface LeanFleetOptions extends LeanFleetSettings {
  cabinets: readonly CabinetCredentials[]
  /** Timers and timestamps; the real clock by default, ManualTime in tests. */
  time?: Time | undefined
  /** Draws the jitter; Math.random by default. */
  random?: (() => number) | undefined
}

export interface LeanFleetEvents {
  /** A cabinet will try again after `delayMs`; `attempt` counts failed tries since its last connect. */
  backoff: [cabinetId: string, attempt: number, delayMs: number]
  connected: [cabinetId: string]
  disconnected: [cabinetId: string]
}

/** The broker's host and port from an mqtt:// URL. */
export function brokerAddress (url: string): { host: string, port: number } {
  const parsed = new URL(url)
  if (parsed.protocol !== 'mqtt:') throw new Error(`lean cabinets speak plain MQTT: ${url} is not mqtt://host:port`)
  return { host: parsed.hostname, port: parsed.port === '' ? 1883 : Number(parsed.port) }
}

/**
 * Many lean cabinets (lean-cabinet.ts) in this process, sharing one gate
 * for connection attempts and one set of counts. start() returns at once;
 * waitUntilConnected() resolves when enough of them are in.
 */
export class LeanFleet extends EventEmitter<LeanFleetEvents> {
  private readonly live = zeroCounts()
  private readonly cabinets: LeanCabinet[]

  constructor (options: LeanFleetOptions) {
    super()
    const { host, port } = brokerAddress(options.brokerUrl)
    const backoff = { ...DEFAULT_BACKOFF, ...options.backoff }
    const problems = backoffProblems(backoff)
    if (problems.length > 0) throw new Error(problems.join('; '))
    const addresses = options.localAddresses ?? []
    const parts = {
      time: options.time ?? systemTime,
      random: options.random ?? Math.random,
      gate: new ConnectGate(options.connectConcurrency ?? 64),
      counts: this.live,
      observer: {
        backoff: (id: string, attempt: number, delayMs: number) => this.emit('backoff', id, attempt, delayMs),
        connected: (id: string) => this.emit('connected', id),
        disconnected: (id: string) => this.emit('disconnected', id)
      }
    }
    this.cabinets = options.cabinets.map(({ id, secret }, i) => {
      const settings: LeanCabinetSettings = {
        host,
        port,
        localAddress: addresses.length > 0 ? addresses[i % addresses.length] : undefined,
        heartbeatIntervalMs: (options.heartbeatIntervalS ?? 60) * 1000,
        heartbeatJitter: options.heartbeatJitter ?? 0.1,
        keepaliveS: options.keepaliveS ?? 90,
        connectTimeoutMs: (options.connectTimeoutS ?? 30) * 1000,
        backoff,
        clean: options.clean ?? false
      }
      return new LeanCabinet(id, secret, settings, parts)
    })
    this.setMaxListeners(0)
  }

  get size (): number {
    return this.cabinets.length
  }

  /** A copy of the counts now. */
  counts (): LeanCounts {
    return { ...this.live }
  }

  start (): void {
    for (const cabinet of this.cabinets) cabinet.start()
  }

  /** Every cabinet disconnects cleanly and stops trying. */
  async stop (): Promise<void> {
    await Promise.all(this.cabinets.map(c => c.stop()))
  }

  /**
   * Resolves once `count` cabinets (default: all) are connected at the same
   * time; rejects with the counts after `timeoutMs` of real time.
   */
  async waitUntilConnected (count = this.size, timeoutMs = 120_000): Promise<void> {
    if (this.live.connected >= count) return
    await new Promise<void>((resolve, reject) => {
      const onConnected = (): void => {
        if (this.live.connected < count) return
        cleanup()
        resolve()
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(new Error(`${this.live.connected} of ${count} cabinets connected after ${timeoutMs} ms: ${JSON.stringify(this.live)}`))
      }, timeoutMs)
      const cleanup = (): void => {
        clearTimeout(timer)
        this.off('connected', onConnected)
      }
      this.on('connected', onConnected)
    })
  }
}
