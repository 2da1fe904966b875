import type { Logger } from 'pino'
import type { RejectionCode, UplinkMessage } from '@aed/core/protocol'
import type { MonitorBus } from '../events.ts'
import type { Unit } from '../unit.ts'

/**
 * Counts what happened to incoming MQTT messages (for tests and benchmarks;
 * /metrics has its own counters in MonitorMetrics) and logs each rejection
 * with its reason, and each unregistered cabinet once.
 */
export class IngestCounters implements Unit {
  readonly name = 'ingest-counters'
  accepted = 0
  duplicates = 0
  rejected = 0
  /** Valid messages from cabinets the fleet file does not declare (stored, not tracked). */
  unregistered = 0
  /** Messages whose `ts` lay too far ahead of their arrival (a wrong cabinet clock). */
  clockSkewed = 0
  private readonly warnedUnregistered = new Set<string>()

  constructor (private readonly bus: MonitorBus, private readonly logger: Logger) {}

  get received (): number {
    return this.accepted + this.duplicates + this.rejected
  }

  start (): void {
    this.bus.on('message', this.onMessage)
    this.bus.on('duplicate', this.onDuplicate)
    this.bus.on('rejected', this.onRejected)
    this.bus.on('unregistered', this.onUnregistered)
    this.bus.on('clockSkew', this.onClockSkew)
  }

  stop (): void {
    this.bus.off('message', this.onMessage)
    this.bus.off('duplicate', this.onDuplicate)
    this.bus.off('rejected', this.onRejected)
    this.bus.off('unregistered', this.onUnregistered)
    this.bus.off('clockSkew', this.onClockSkew)
  }

  private readonly onMessage = (): void => { this.accepted++ }

  private readonly onDuplicate = (): void => { this.duplicates++ }

  private readonly onRejected = (reason: string, topic: string, cabinetId: string | undefined, code: RejectionCode): void => {
    this.rejected++
    this.logger.warn({ topic, cabinetId, reason, code }, 'message rejected')
  }

  private readonly onClockSkew = (message: UplinkMessage, aheadMs: number): void => {
    this.clockSkewed++
    this.logger.warn({ cabinetId: message.cabinetId, channel: message.channel, ts: message.payload.ts, aheadS: Math.round(aheadMs / 1000) }, 'cabinet clock ahead of the arrival: reading taken at its arrival time')
  }

  private readonly onUnregistered = (message: UplinkMessage): void => {
    this.unregistered++
    if (this.warnedUnregistered.has(message.cabinetId)) return
    this.warnedUnregistered.add(message.cabinetId)
    this.logger.warn({ cabinetId: message.cabinetId }, 'cabinet is not in the fleet file: its telemetry is stored but not monitored')
  }
}
