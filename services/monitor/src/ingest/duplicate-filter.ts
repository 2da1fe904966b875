/**
 * Drops QoS 1 redeliveries. A duplicate is the same message again: the same
 * channel, seq and ts. Comparing ts as well as seq means a cabinet whose
 * counter restarts at 0 after a reboot is not mistaken for a duplicate.
 *
 * The monitor takes door messages on two connections (the door lane and
 * the fleet's): each slot also says which connection a message came on, so
 * the second lane's copy is told apart from a redelivery.
 *
 * Per cabinet it keeps a ring of the last RING_SIZE messages as numbers in
 * one typed array: no allocation per message, fixed memory per cabinet.
 */
const RING_SIZE = 32
/** The channel and the connection share a slot: channel + connection × this (channels are fewer). */
const CONNECTIONS = 256

export class DuplicateFilter {
  private readonly rings = new Map<string, { slots: Float64Array, next: number }>()

  /** True the first time a (cabinet, channel, seq, ts) is seen, false for a repeat. */
  firstTime (cabinetId: string, channelIndex: number, seq: number, tsMs: number): boolean {
    return this.firstSeenOn(cabinetId, channelIndex, seq, tsMs, 0) === undefined
  }

  /**
   * Undefined the first time a (cabinet, channel, seq, ts) is seen, and it
   * is remembered as seen on `connection` (a small number); for a repeat,
   * the connection it was first seen on. A repeat on the same connection
   * is a redelivery; on another, the copy that connection also carries.
   */
  firstSeenOn (cabinetId: string, channelIndex: number, seq: number, tsMs: number, connection: number): number | undefined {
    let ring = this.rings.get(cabinetId)
    if (ring === undefined) {
      ring = { slots: new Float64Array(RING_SIZE * 3).fill(Number.NaN), next: 0 }
      this.rings.set(cabinetId, ring)
    }
    const { slots } = ring
    for (let i = 0; i < slots.length; i += 3) {
      if (slots[i] === seq && slots[i + 1] === tsMs && slots[i + 2]! % CONNECTIONS === channelIndex) return Math.floor(slots[i + 2]! / CONNECTIONS)
    }
    const at = ring.next * 3
    slots[at] = seq
    slots[at + 1] = tsMs
    slots[at + 2] = channelIndex + connection * CONNECTIONS
    ring.next = (ring.next + 1) % RING_SIZE
    return undefined
  }
}
