/**
 * Drops QoS 1 redeliveries. A duplicate is the same message again: the same
 * channel, seq and ts. Comparing ts as well as seq means a cabinet whose
 * counter restarts at 0 after a reboot is not mistaken for a duplicate.
 *
 * The monitor takes door messages on two connections (the door lane and
 * the fleet's): each slot also says which connection a message came on, so
 * the second lane's copy is told apart from a redelivery.
 *
 * Per cabinet it keeps a ring of the last RING_SIZE messages. The rings of
 * BLOCK_CABINETS cabinets share one block of typed arrays: a typed array of
 * its own per cabinet costs an ArrayBuffer object and a separately
 * allocated backing store each, twice the ring itself (1 KB per cabinet,
 * 100 MB for a national fleet). No allocation per message, fixed memory per
 * cabinet: 16 bytes per remembered message and 1 for its channel and connection.
 */
const RING_SIZE = 32
const BLOCK_CABINETS = 1024
/** A slot's byte holds the channel (low 4 bits) and the connection it came on (high 4 bits). */
const CHANNEL_BITS = 0x0f

interface Block {
  /** seq and ts of each remembered message, RING_SIZE pairs per cabinet; NaN in a slot never used (NaN equals nothing). */
  seqTs: Float64Array
  channels: Uint8Array
  /** Each cabinet's next slot to overwrite. */
  next: Uint8Array
}

export class DuplicateFilter {
  /** cabinetId → its ring's number: block = ring / BLOCK_CABINETS. */
  private readonly rings = new Map<string, number>()
  private readonly blocks: Block[] = []

  /** True the first time a (cabinet, channel, seq, ts) is seen, false for a repeat. */
  firstTime (cabinetId: string, channelIndex: number, seq: number, tsMs: number): boolean {
    return this.firstSeenOn(cabinetId, channelIndex, seq, tsMs, 0) === undefined
  }

  /**
   * Undefined the first time a (cabinet, channel, seq, ts) is seen, and it
   * is remembered as seen on `connection` (0–15); for a repeat, the
   * connection it was first seen on. A repeat on the same connection is a
   * redelivery; on another, the copy that connection also carries.
   */
  firstSeenOn (cabinetId: string, channelIndex: number, seq: number, tsMs: number, connection: number): number | undefined {
    let ring = this.rings.get(cabinetId)
    if (ring === undefined) {
      ring = this.rings.size
      if (ring % BLOCK_CABINETS === 0) this.blocks.push(newBlock())
      this.rings.set(cabinetId, ring)
    }
    const { seqTs, channels, next } = this.blocks[Math.floor(ring / BLOCK_CABINETS)]!
    const cabinet = ring % BLOCK_CABINETS
    const first = cabinet * RING_SIZE
    for (let slot = first; slot < first + RING_SIZE; slot++) {
      if (seqTs[2 * slot] === seq && seqTs[2 * slot + 1] === tsMs && (channels[slot]! & CHANNEL_BITS) === channelIndex) return channels[slot]! >> 4
    }
    const slot = first + next[cabinet]!
    seqTs[2 * slot] = seq
    seqTs[2 * slot + 1] = tsMs
    channels[slot] = channelIndex | (connection << 4)
    next[cabinet] = (next[cabinet]! + 1) % RING_SIZE
    return undefined
  }
}

function newBlock (): Block {
  return {
    seqTs: new Float64Array(BLOCK_CABINETS * RING_SIZE * 2).fill(Number.NaN),
    channels: new Uint8Array(BLOCK_CABINETS * RING_SIZE),
    next: new Uint8Array(BLOCK_CABINETS)
  }
}
