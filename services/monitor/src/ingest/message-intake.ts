import { UPLINK_CHANNELS, decodeUplink } from '@aed/core/protocol'
import type { Clock } from '@aed/core/time'
import type { MonitorBus } from '../events.ts'
import { DuplicateFilter } from './duplicate-filter.ts'
import type { Lane } from './mqtt-subscriber.ts'

const CHANNEL_INDEX = new Map(UPLINK_CHANNELS.map((channel, i) => [channel, i]))
const LANE_INDEX: Record<Lane, number> = { fleet: 0, doors: 1 }

/**
 * The first step of one MQTT message: validate and drop duplicates, then
 * announce it on the bus (`message`, `rejected` or `duplicate`). It never
 * throws, so one broken cabinet cannot stop the others. Storing, tracking
 * and counting are the listeners' business.
 */
export class MessageIntake {
  private readonly duplicates = new DuplicateFilter()

  constructor (private readonly bus: MonitorBus, private readonly clock: Clock) {}

  /**
   * `lane`: the connection it came on. Door messages come on two (see
   * LANES): the second lane's copy is dropped without a word, while a
   * repeat on the same connection is a redelivery (`duplicate`).
   */
  handle (topic: string, payload: Buffer, lane: Lane = 'fleet'): void {
    const decoded = decodeUplink(topic, payload)
    // The fleet subscription also matches the commands sent to cabinets, ours included: not telemetry.
    if (decoded.kind === 'downlink') return
    if (decoded.kind === 'rejected') {
      this.bus.emit('rejected', decoded.reason, topic, decoded.cabinetId, decoded.code)
      return
    }
    const { message } = decoded
    const { seq, ts } = message.payload
    // The last will and a bare status carry no seq/ts: nothing to deduplicate them by, and replaying one is harmless.
    if (seq !== undefined && ts !== undefined) {
      const seenOn = this.duplicates.firstSeenOn(message.cabinetId, CHANNEL_INDEX.get(message.channel) ?? 0, seq, Date.parse(ts), LANE_INDEX[lane])
      if (seenOn !== undefined) {
        if (seenOn === LANE_INDEX[lane]) this.bus.emit('duplicate', message)
        return
      }
    }
    this.bus.emit('message', message, this.clock.now())
  }
}
