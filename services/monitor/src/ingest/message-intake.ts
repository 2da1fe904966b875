import type { Logger } from 'pino'
import { UPLINK_CHANNELS, decodeUplink, type UplinkMessage } from '@aed/core/protocol'
import type { Clock } from '../clock.ts'
import type { MonitorBus } from '../events.ts'
import { DuplicateFilter } from './duplicate-filter.ts'
import type { IngestCounters } from './ingest-counters.ts'

const CHANNEL_INDEX = new Map(UPLINK_CHANNELS.map((channel, i) => [channel, i]))

export interface IntakeSinks {
  /** Storage of every accepted message (the telemetry writer). */
  store (message: UplinkMessage): void
  /** Live state; false when the cabinet is not in the fleet file. */
  track (message: UplinkMessage, receivedAtMs: number): boolean
}

/**
 * The path of one MQTT message: validate, drop duplicates, store, track.
 * A bad message is counted, logged with its reason and announced; it never
 * throws, so one broken cabinet cannot stop the others.
 */
export class MessageIntake {
  private readonly duplicates = new DuplicateFilter()
  private readonly warnedUnregistered = new Set<string>()

  constructor (
    private readonly sinks: IntakeSinks,
    private readonly bus: MonitorBus,
    private readonly counters: IngestCounters,
    private readonly clock: Clock,
    private readonly logger: Logger
  ) {}

  handle (topic: string, payload: Buffer): void {
    this.counters.received++
    const decoded = decodeUplink(topic, payload)
    if (!decoded.ok) {
      this.counters.countRejected(topic.slice(topic.lastIndexOf('/') + 1))
      this.logger.warn({ topic, cabinetId: decoded.cabinetId, reason: decoded.reason }, 'message rejected')
      this.bus.emit('rejected', decoded.reason, topic, decoded.cabinetId)
      return
    }
    const { message } = decoded
    const { seq, ts } = message.payload
    // The last will and a bare status carry no seq/ts: nothing to deduplicate them by, and replaying one is harmless.
    if (seq !== undefined && ts !== undefined &&
        !this.duplicates.firstTime(message.cabinetId, CHANNEL_INDEX.get(message.channel) ?? 0, seq, Date.parse(ts))) {
      this.counters.duplicates++
      return
    }
    this.counters.accepted++
    this.sinks.store(message)
    if (!this.sinks.track(message, this.clock.now())) {
      this.counters.unregistered++
      if (!this.warnedUnregistered.has(message.cabinetId)) {
        this.warnedUnregistered.add(message.cabinetId)
        this.logger.warn({ cabinetId: message.cabinetId }, 'cabinet is not in the fleet file: its telemetry is stored but not monitored')
      }
    }
  }
}
