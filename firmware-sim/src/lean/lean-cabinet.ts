import { connect as connectTcp, type Socket } from 'node:net'
import { generate, parser as packetParser, type Packet, type Parser } from 'mqtt-packet'
import { CommandSchema, cabinetTopic, type Battery, type CommandResult, type Heartbeat, type Pads, type Selftest, type UplinkChannel } from '@aed/core/protocol'
import type { ScheduledTimer, Time } from '@aed/core/time'
import { backoffDelayMs, type BackoffPolicy } from './reconnect-backoff.ts'

/** What a lean cabinet is: the few settings its connection and heartbeat need. */
export interface LeanCabinetSettings {
  host: string
  port: number
  /** Source address of the TCP connection (127.0.0.2, …): spreads a fleet over more ephemeral ports. */
  localAddress?: string | undefined
  heartbeatIntervalMs: number
  /** Share of the interval each heartbeat moves at random, both ways: 0.1 = ±10 %. */
  heartbeatJitter: number
  keepaliveS: number
  connectTimeoutMs: number
  backoff: BackoffPolicy
  /** false (as firmware): a persistent session, so the broker keeps the cmd subscription and QoS 1 commands. */
  clean: boolean
}

/** Counts shared by every cabinet of a fleet; plain numbers, so reading them costs nothing. */
export interface LeanCounts {
  /** TCP connections opened. */
  attempts: number
  /** CONNACKs that accepted. */
  connects: number
  /** Of them, connects of a cabinet that had been connected before. */
  reconnects: number
  /** CONNACKs that refused (bad credentials, server unavailable). */
  refused: number
  /** Attempts that ended without a CONNACK: refused TCP connection, closed socket, timeout. */
  failures: number
  /** Connections lost after the CONNACK. */
  disconnects: number
  heartbeatsSent: number
  /** Heartbeats the broker acknowledged (PUBACK). */
  heartbeatsAcked: number
  /** Commands received on cmd. */
  commands: number
  /** Cabinets connected now. */
  connected: number
}

export function zeroCounts (): LeanCounts {
  return { attempts: 0, connects: 0, reconnects: 0, refused: 0, failures: 0, disconnects: 0, heartbeatsSent: 0, heartbeatsAcked: 0, commands: 0, connected: 0 }
}

/**
 * Limits the connection attempts in flight (TCP connect to CONNACK) of one
 * process. Turns are handed out in a loop, never by recursion: a fleet
 * stopped with thousands waiting gives each turn straight back.
 */
export class ConnectGate {
  private inFlight = 0
  private waiting: Array<() => void> = []
  private head = 0
  private draining = false

  constructor (private readonly limit: number) {}

  /** `go` runs when a turn is free; it must call leave() once its attempt is over. */
  enter (go: () => void): void {
    this.waiting.push(go)
    this.drain()
  }

  leave (): void {
    this.inFlight--
    this.drain()
  }

  private drain (): void {
    if (this.draining) return
    this.draining = true
    try {
      while (this.inFlight < this.limit && this.head < this.waiting.length) {
        const go = this.waiting[this.head]!
        this.head++
        this.inFlight++
        go()
      }
      // Drop the turns handed out, now and then, instead of shifting the array at each.
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.waiting = this.waiting.slice(this.head)
        this.head = 0
      }
    } finally {
      this.draining = false
    }
  }
}

/** What a cabinet tells its fleet besides the counts. */
export interface LeanCabinetObserver {
  backoff? (cabinetId: string, attempt: number, delayMs: number): void
  connected? (cabinetId: string): void
  disconnected? (cabinetId: string): void
}

export interface LeanCabinetParts {
  time: Time
  random: () => number
  gate: ConnectGate
  counts: LeanCounts
  observer: LeanCabinetObserver
}

type State = 'off' | 'waiting' | 'queued' | 'connecting' | 'online'

const FW = 'aed-sim-lean/1.0.0'

/**
 * One simulated cabinet on one TCP connection, as lean as the wire protocol
 * allows, so that one process holds thousands: MQTT 3.1.1 packets built and
 * parsed by mqtt-packet on a net.Socket, no client library. It connects with
 * client id = username = its id and a retained-status last will, subscribes
 * to its cmd topic, publishes status online and a heartbeat (QoS 1) every
 * interval, moved at random by the jitter; it answers `report` with every
 * reading and `selftest` with a pass. A lost or failed connection is tried
 * again after a jittered exponential backoff (reconnect-backoff.ts).
 *
 * Leaner than firmware: readings are fixed, heartbeats due while offline are
 * skipped, not queued, and a QoS 1 message the broker did not acknowledge
 * before the connection dropped is not sent again.
 */
export class LeanCabinet {
  private state: State = 'off'
  private socket: Socket | undefined
  private parser: Parser | undefined
  private connectTimer: ScheduledTimer | undefined
  private heartbeatTimer: ScheduledTimer | undefined
  private keepaliveTimer: ScheduledTimer | undefined
  private retryTimer: ScheduledTimer | undefined
  private holdingGate = false
  /** Counted in `connected` until its socket closes, whether lost or stopped. */
  private countedOnline = false
  private refusedByBroker = false
  private everConnected = false
  /** Failed attempts since the last CONNACK: the backoff's exponent. */
  private failedAttempts = 0
  private messageId = 0
  private seq = 0
  private unackedHeartbeats: number[] = []
  private lastSentMs = 0
  private lastReceivedMs = 0
  private pingSentMs: number | undefined
  private readonly startedMs: number
  private closed: (() => void) | undefined

  constructor (readonly id: string, private readonly secret: string, private readonly settings: LeanCabinetSettings, private readonly parts: LeanCabinetParts) {
    this.startedMs = parts.time.now()
  }

  get online (): boolean {
    return this.state === 'online'
  }

  start (): void {
    if (this.state !== 'off') return
    this.attempt()
  }

  /** Disconnects cleanly (DISCONNECT: the broker withholds the will) and stops trying. */
  async stop (): Promise<void> {
    const { time } = this.parts
    const wasOnline = this.state === 'online'
    this.state = 'off'
    time.clear(this.retryTimer)
    const socket = this.socket
    if (socket === undefined) return
    const closed = new Promise<void>(resolve => { this.closed = resolve })
    if (wasOnline) {
      socket.end(generate({ cmd: 'disconnect' }))
      // A broker that never closes its side must not hold the stop up.
      time.setTimeout(() => socket.destroy(), 2000)
    } else {
      socket.destroy()
    }
    await closed
  }

  private attempt (): void {
    this.state = 'queued'
    this.parts.gate.enter(() => this.open())
  }

  private open (): void {
    this.holdingGate = true
    if (this.state !== 'queued') {
      this.leaveGate()
      return
    }
    const { counts, time } = this.parts
    counts.attempts++
    this.state = 'connecting'
    this.refusedByBroker = false
    const socket = connectTcp({ host: this.settings.host, port: this.settings.port, localAddress: this.settings.localAddress })
    socket.setNoDelay(true)
    const parser = packetParser({ protocolVersion: 4 })
    this.socket = socket
    this.parser = parser
    parser.on('packet', packet => this.onPacket(packet))
    parser.on('error', err => socket.destroy(err))
    socket.on('data', data => parser.parse(data))
    // 'close' follows every error; the outcome is counted there.
    socket.on('error', () => undefined)
    socket.on('close', () => this.onClose(socket))
    this.connectTimer = time.setTimeout(() => socket.destroy(), this.settings.connectTimeoutMs)
    this.write({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clientId: this.id,
      username: this.id,
      password: Buffer.from(this.secret),
      clean: this.settings.clean,
      keepalive: this.settings.keepaliveS,
      will: { topic: cabinetTopic(this.id, 'status'), payload: Buffer.from('{"online":false}'), qos: 1, retain: true }
    })
  }

  private onPacket (packet: Packet): void {
    const { counts, time } = this.parts
    this.lastReceivedMs = time.now()
    this.pingSentMs = undefined
    switch (packet.cmd) {
      case 'connack':
        time.clear(this.connectTimer)
        this.leaveGate()
        if (packet.returnCode !== 0) {
          counts.refused++
          this.refusedByBroker = true
          this.socket?.destroy()
          return
        }
        this.onConnected(packet.sessionPresent)
        return
      case 'puback': {
        const index = this.unackedHeartbeats.indexOf(packet.messageId ?? -1)
        if (index >= 0) {
          this.unackedHeartbeats.splice(index, 1)
          counts.heartbeatsAcked++
        }
        return
      }
      case 'publish':
        if (packet.qos > 0) this.write({ cmd: 'puback', messageId: packet.messageId })
        this.onCommand(packet.payload)
    }
  }

  private onConnected (sessionPresent: boolean): void {
    const { counts, time, random } = this.parts
    this.state = 'online'
    this.countedOnline = true
    this.failedAttempts = 0
    counts.connects++
    counts.connected++
    if (this.everConnected) counts.reconnects++
    this.everConnected = true
    if (!sessionPresent) {
      this.write({ cmd: 'subscribe', messageId: this.nextMessageId(), subscriptions: [{ topic: cabinetTopic(this.id, 'cmd'), qos: 1 }] })
    }
    this.publish('status', { online: true, ts: this.now(), seq: this.seq++ }, true)
    // The first heartbeat at a random point of the interval: a fleet that connected in a
    // burst does not keep heartbeating in one.
    this.scheduleHeartbeat(random() * this.settings.heartbeatIntervalMs)
    const keepaliveMs = this.settings.keepaliveS * 1000
    if (keepaliveMs > 0) this.keepaliveTimer = time.setInterval(() => this.checkKeepalive(keepaliveMs), keepaliveMs / 2)
    this.parts.observer.connected?.(this.id)
  }

  /**
   * [MQTT-3.1.2-23]: something must be sent within the keep-alive; a PINGREQ
   * when nothing else was. A PINGREQ unanswered by the next check means a
   * half-dead link: close it and connect again.
   */
  private checkKeepalive (keepaliveMs: number): void {
    const now = this.parts.time.now()
    if (this.pingSentMs !== undefined && this.lastReceivedMs < this.pingSentMs) {
      this.socket?.destroy()
      return
    }
    if (now - this.lastSentMs >= keepaliveMs / 2) {
      this.pingSentMs = now
      this.write({ cmd: 'pingreq' })
    }
  }

  private scheduleHeartbeat (delayMs: number): void {
    this.heartbeatTimer = this.parts.time.setTimeout(() => {
      if (this.state !== 'online') return
      this.heartbeat()
      const { heartbeatIntervalMs, heartbeatJitter } = this.settings
      this.scheduleHeartbeat(heartbeatIntervalMs * (1 + heartbeatJitter * (2 * this.parts.random() - 1)))
    }, delayMs)
  }

  private heartbeat (): void {
    const payload: Heartbeat = {
      ts: this.now(),
      seq: this.seq++,
      temperatureC: 21,
      fw: FW,
      mains: true,
      rssiDbm: -70,
      uptimeS: Math.floor((this.parts.time.now() - this.startedMs) / 1000)
    }
    const messageId = this.publish('heartbeat', payload)
    this.unackedHeartbeats.push(messageId)
    this.parts.counts.heartbeatsSent++
  }

  private onCommand (payload: Buffer | string): void {
    this.parts.counts.commands++
    let parsed: unknown
    try { parsed = JSON.parse(payload.toString()) } catch { return }
    const command = CommandSchema.safeParse(parsed)
    if (!command.success) return
    if (command.data.cmd === 'report') {
      this.heartbeat()
      const battery: Battery = { ts: this.now(), seq: this.seq++, percent: 100, expires: '2030-01-01' }
      const pads: Pads = { ts: this.now(), seq: this.seq++, expires: '2029-01-01', type: 'adult', lot: 'SIM-LEAN' }
      this.publish('battery', battery)
      this.publish('pads', pads)
      this.publish('door', { ts: this.now(), seq: this.seq++, state: 'closed' })
    } else {
      const selftest: Selftest = { ts: this.now(), seq: this.seq++, result: 'pass', kind: 'manual' }
      this.publish('selftest', selftest)
    }
    const result: CommandResult = { ts: this.now(), seq: this.seq++, id: command.data.id, cmd: command.data.cmd, ok: true }
    this.publish('cmd/result', result)
  }

  private onClose (socket: Socket): void {
    if (socket !== this.socket) return
    const { counts, time } = this.parts
    time.clear(this.connectTimer)
    time.clear(this.heartbeatTimer)
    time.clear(this.keepaliveTimer)
    this.socket = undefined
    this.parser = undefined
    this.unackedHeartbeats = []
    this.pingSentMs = undefined
    this.leaveGate()
    if (this.state === 'connecting' && !this.refusedByBroker) counts.failures++
    if (this.countedOnline) {
      this.countedOnline = false
      counts.connected--
      if (this.state === 'online') counts.disconnects++
      this.parts.observer.disconnected?.(this.id)
    }
    if (this.state === 'off') {
      this.closed?.()
      this.closed = undefined
      return
    }
    const attempt = this.failedAttempts++
    const delayMs = backoffDelayMs(attempt, this.settings.backoff, this.parts.random)
    this.state = 'waiting'
    this.parts.observer.backoff?.(this.id, attempt, delayMs)
    this.retryTimer = time.setTimeout(() => {
      if (this.state === 'waiting') this.attempt()
    }, delayMs)
  }

  private leaveGate (): void {
    if (!this.holdingGate) return
    this.holdingGate = false
    this.parts.gate.leave()
  }

  private publish (channel: UplinkChannel | 'status', body: object, retain = false): number {
    const messageId = this.nextMessageId()
    this.write({ cmd: 'publish', topic: cabinetTopic(this.id, channel), payload: JSON.stringify(body), qos: 1, retain, dup: false, messageId })
    return messageId
  }

  private write (packet: Packet): void {
    const socket = this.socket
    if (socket === undefined || socket.destroyed) return
    this.lastSentMs = this.parts.time.now()
    socket.write(generate(packet))
  }

  private nextMessageId (): number {
    this.messageId = this.messageId % 65_535 + 1
    return this.messageId
  }

  private now (): string {
    return new Date(this.parts.time.now()).toISOString()
  }
}
