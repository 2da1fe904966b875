import { Socket } from 'node:net'

/** MQTT 3.1.1 control packet types, table 2.1, by the high nibble of the first byte. */
const PACKET_TYPES = ['reserved', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP',
  'SUBSCRIBE', 'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'reserved']
const CONNECT = 1

export interface PacketSizeLimits {
  /** Largest first packet, fixed header included: the CONNECT [MQTT-3.1.0-1]. */
  maxConnectBytes: number
  /** Largest packet after the CONNECT, fixed header included. */
  maxPacketBytes: number
}

/**
 * A packet the broker refuses from its fixed header alone. It carries no
 * `code`, so the connection counts as closed by the broker, not lost
 * (last-will.ts), and the client's will is withheld.
 */
export class PacketRefusedError extends Error {
  constructor (readonly packetType: string, readonly reason: string) {
    super(`${packetType} refused: ${reason}`)
    this.name = 'PacketRefusedError'
  }
}

/**
 * Follows the packet boundaries of an MQTT byte stream through the fixed
 * headers only (type byte, then the remaining length in 1 to 4 bytes of 7
 * bits [MQTT-2.2.3]) and skips the bodies, so it can judge a packet by the
 * size it announces before any of its body is buffered. mqtt-packet, which
 * Aedes parses with, has no size limit: it collects a packet's announced
 * length in memory, up to 256 MB, before parsing it.
 */
export class PacketSizeScanner {
  private packets = 0
  private state: 'type' | 'length' | 'body' = 'type'
  private type = 0
  private length = 0
  private lengthBytes = 0
  private bodyLeft = 0

  constructor (private readonly limits: PacketSizeLimits) {}

  /** Takes the next chunk of the stream; returns why the connection must be closed, or undefined. */
  scan (chunk: Buffer): PacketRefusedError | undefined {
    let i = 0
    while (i < chunk.length) {
      if (this.state === 'body') {
        const skipped = Math.min(this.bodyLeft, chunk.length - i)
        this.bodyLeft -= skipped
        i += skipped
        if (this.bodyLeft === 0) this.state = 'type'
        continue
      }
      const byte = chunk[i++]!
      if (this.state === 'type') {
        this.type = byte >> 4
        if (this.packets === 0 && this.type !== CONNECT) {
          return new PacketRefusedError(PACKET_TYPES[this.type]!, 'the first packet must be a CONNECT [MQTT-3.1.0-1]')
        }
        this.state = 'length'
        this.length = 0
        this.lengthBytes = 0
        continue
      }
      this.length += (byte & 0x7f) * 128 ** this.lengthBytes
      this.lengthBytes++
      if ((byte & 0x80) !== 0) {
        if (this.lengthBytes === 4) return new PacketRefusedError(PACKET_TYPES[this.type]!, 'remaining length longer than 4 bytes [MQTT-2.2.3]')
        continue
      }
      const size = 1 + this.lengthBytes + this.length
      const limit = this.packets === 0 ? this.limits.maxConnectBytes : this.limits.maxPacketBytes
      if (size > limit) return new PacketRefusedError(PACKET_TYPES[this.type]!, `announces ${size} bytes, more than the limit of ${limit}`)
      this.packets++
      this.bodyLeft = this.length
      this.state = this.length === 0 ? 'type' : 'body'
    }
    return undefined
  }
}

const SCANNER = Symbol('packet size scanner')
type LimitedSocket = Socket & { [SCANNER]: PacketSizeScanner }

/**
 * Puts a PacketSizeScanner between the socket and Aedes, which reads each
 * connection with `read()` when the socket is readable (lib/client.js):
 * every chunk it is handed has passed the scanner, and a packet over the
 * limit destroys the socket with a PacketRefusedError before the parser
 * sees a byte of the chunk. The socket buffers no more than its high-water
 * mark before Aedes reads: while Aedes checks a CONNECT it does not read,
 * so the socket stops reading from the network.
 *
 * The socket itself is what Aedes gets, with `read` replaced on it: a
 * Duplex around every connection cost about 1.3 KB of heap per cabinet
 * (its two stream states, its event table, the listeners it put on the
 * socket), more than a tenth of what a connected cabinet costs the broker.
 */
export function limitPacketSize (socket: Socket, limits: PacketSizeLimits): void {
  const limited = socket as LimitedSocket
  limited[SCANNER] = new PacketSizeScanner(limits)
  limited.read = readScanned
}

// One function for every socket: Node's streams call `read` with the socket as `this`.
function readScanned (this: LimitedSocket, size?: number): Buffer | null {
  const chunk = Socket.prototype.read.call(this, size) as Buffer | null
  if (chunk === null) return chunk
  const refusal = this[SCANNER].scan(chunk)
  if (refusal === undefined) return chunk
  this.destroy(refusal)
  return null
}
