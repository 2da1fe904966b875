import { Duplex } from 'node:stream'
import type { Socket } from 'node:net'

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

/**
 * The connection as Aedes sees it: the socket's bytes pass through a
 * PacketSizeScanner before they are buffered for the parser, and a packet
 * over the limit destroys the connection with a PacketRefusedError. Aedes
 * takes any duplex stream (`aedes.handle`). Reading follows the parser's
 * pace: the socket is paused while this stream's buffer is full, so an
 * unauthenticated client, whose packets Aedes does not read while it
 * checks the CONNECT, holds no more than the buffers' high-water marks.
 */
export class SizeLimitedConnection extends Duplex {
  private readonly scanner: PacketSizeScanner
  /**
   * Who is connected: the client's address (behind a balancer, the one its
   * PROXY header named), taken when the connection is handed over, since a
   * TLS socket forgets its peer once destroyed.
   */
  readonly remoteAddress: string | undefined

  constructor (readonly socket: Socket, limits: PacketSizeLimits, clientAddress: string | undefined = socket.remoteAddress) {
    super({ allowHalfOpen: false })
    this.scanner = new PacketSizeScanner(limits)
    this.remoteAddress = clientAddress
    socket.on('data', chunk => {
      const refusal = this.scanner.scan(chunk)
      if (refusal !== undefined) {
        this.destroy(refusal)
        return
      }
      if (!this.push(chunk)) socket.pause()
    })
    socket.once('end', () => this.push(null))
    socket.once('error', err => this.destroy(err))
    socket.once('close', () => this.destroy())
  }


  override _read (): void {
    this.socket.resume()
  }

  override _write (chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.socket.write(chunk, encoding, callback)
  }

  override _writev (chunks: Array<{ chunk: Buffer, encoding: BufferEncoding }>, callback: (error?: Error | null) => void): void {
    this.socket.cork()
    chunks.forEach(({ chunk, encoding }, i) => this.socket.write(chunk, encoding, i === chunks.length - 1 ? callback : undefined))
    this.socket.uncork()
  }

  override _final (callback: (error?: Error | null) => void): void {
    this.socket.end(callback)
  }

  override _destroy (error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy()
    callback(error)
  }
}
