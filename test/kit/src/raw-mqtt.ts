import { connect, isIPv4, type Socket } from 'node:net'
import { connect as connectTls } from 'node:tls'
import { once } from 'node:events'

/**
 * MQTT 3.1.1 packets built byte by byte, and a socket that sends them: for
 * tests that must send what no client library would (a CONNECT announcing
 * 256 MB, QoS 2 messages never released, random frames), and read the
 * broker's answers as raw packets.
 */

/** The remaining length as MQTT encodes it [MQTT-2.2.3]: 7 bits a byte, 1 to 4 bytes. */
export function remainingLength (length: number): Buffer {
  const bytes: number[] = []
  do {
    let byte = length % 128
    length = Math.floor(length / 128)
    if (length > 0) byte |= 0x80
    bytes.push(byte)
  } while (length > 0)
  return Buffer.from(bytes)
}

/** A whole packet: the first byte (type << 4 | flags), the remaining length, the body. */
export function packet (firstByte: number, body: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([Buffer.from([firstByte]), remainingLength(body.length), body])
}

/** Only the fixed header of a packet that announces `length` bytes, none of which follow. */
export function announcedHeader (firstByte: number, length: number): Buffer {
  return Buffer.concat([Buffer.from([firstByte]), remainingLength(length)])
}

/** A UTF-8 string with its 2-byte length [MQTT-1.5.3]. */
export function mqttString (value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value
  const length = Buffer.alloc(2)
  length.writeUInt16BE(bytes.length)
  return Buffer.concat([length, bytes])
}

export interface ConnectFields {
  clientId: string
  username?: string
  password?: string
  keepaliveS?: number
  clean?: boolean
  will?: { topic: string, payload: string, qos?: 0 | 1 | 2, retain?: boolean }
  /** 4 for MQTT 3.1.1. */
  protocolLevel?: number
}

export function connectPacket (fields: ConnectFields): Buffer {
  const { will } = fields
  let flags = fields.clean === false ? 0 : 0x02
  if (will !== undefined) flags |= 0x04 | ((will.qos ?? 0) << 3) | (will.retain === true ? 0x20 : 0)
  if (fields.password !== undefined) flags |= 0x40
  if (fields.username !== undefined) flags |= 0x80
  const keepalive = Buffer.alloc(2)
  keepalive.writeUInt16BE(fields.keepaliveS ?? 60)
  return packet(0x10, Buffer.concat([
    mqttString('MQTT'), Buffer.from([fields.protocolLevel ?? 4, flags]), keepalive,
    mqttString(fields.clientId),
    ...(will !== undefined ? [mqttString(will.topic), mqttString(will.payload)] : []),
    ...(fields.username !== undefined ? [mqttString(fields.username)] : []),
    ...(fields.password !== undefined ? [mqttString(fields.password)] : [])
  ]))
}

export interface PublishFields {
  topic: string | Buffer
  payload: string | Buffer
  qos?: 0 | 1 | 2
  retain?: boolean
  dup?: boolean
  messageId?: number
}

export function publishPacket (fields: PublishFields): Buffer {
  const qos = fields.qos ?? 0
  const firstByte = 0x30 | (fields.dup === true ? 0x08 : 0) | (qos << 1) | (fields.retain === true ? 0x01 : 0)
  const id = Buffer.alloc(qos > 0 ? 2 : 0)
  if (qos > 0) id.writeUInt16BE(fields.messageId ?? 1)
  const payload = typeof fields.payload === 'string' ? Buffer.from(fields.payload, 'utf8') : fields.payload
  return packet(firstByte, Buffer.concat([mqttString(fields.topic), id, payload]))
}

/** A PROXY protocol v1 line naming `source` as the client (TCP4 or TCP6 by its form). */
export function proxyHeaderV1 (source: string, sourcePort = 40000): Buffer {
  return Buffer.from(`PROXY ${isIPv4(source) ? 'TCP4' : 'TCP6'} ${source} ${isIPv4(source) ? '127.0.0.1' : '::1'} ${sourcePort} 1883\r\n`, 'latin1')
}

/** A PROXY protocol v2 header: PROXY naming an IPv4 `source` as the client, or LOCAL (a balancer's health check) without one. */
export function proxyHeaderV2 (source: string | 'LOCAL', sourcePort = 40000): Buffer {
  const signature = Buffer.from('0d0a0d0a000d0a515549540a', 'hex')
  if (source === 'LOCAL') return Buffer.concat([signature, Buffer.from([0x20, 0x00, 0x00, 0x00])])
  const addresses = Buffer.alloc(12)
  Buffer.from(source.split('.').map(Number)).copy(addresses, 0)
  Buffer.from([127, 0, 0, 1]).copy(addresses, 4)
  addresses.writeUInt16BE(sourcePort, 8)
  addresses.writeUInt16BE(1883, 10)
  return Buffer.concat([signature, Buffer.from([0x21, 0x11, 0x00, 12]), addresses])
}

export const PACKET = { CONNACK: 2, PUBLISH: 3, PUBACK: 4, PUBREC: 5, PUBREL: 6, PUBCOMP: 7, SUBACK: 9 } as const

export interface ReceivedPacket {
  type: number
  flags: number
  body: Buffer
}

export interface OpenOptions {
  /** 127.0.0.1 by default. */
  host?: string
  /** The address to connect from: another loopback address (127.0.0.2) is another client. */
  localAddress?: string
  /** Written before any MQTT byte, as a balancer writes its PROXY header (proxyHeaderV1, proxyHeaderV2). */
  preamble?: Buffer
}

/** One TCP connection to the broker, speaking raw bytes; what the broker sends is split into packets. */
export class RawMqttConnection {
  readonly received: ReceivedPacket[] = []
  /** Resolves when the socket has closed, whoever closed it. */
  readonly closed: Promise<void>
  private buffered = Buffer.alloc(0)
  private readonly waiters: Array<() => void> = []

  private constructor (readonly socket: Socket) {
    socket.on('data', chunk => this.take(chunk))
    // Writes into a socket the broker has just closed fail; that is what many tests provoke.
    socket.on('error', () => {})
    this.closed = new Promise(resolve => socket.once('close', () => resolve()))
    void this.closed.then(() => this.wake())
  }

  static async open (port: number, options: OpenOptions = {}): Promise<RawMqttConnection> {
    const socket = connect({ port, host: options.host ?? '127.0.0.1', ...(options.localAddress !== undefined ? { localAddress: options.localAddress } : {}) })
    await once(socket, 'connect')
    if (options.preamble !== undefined) socket.write(options.preamble)
    return new RawMqttConnection(socket)
  }

  /**
   * The same over TLS, trusting `ca` for the broker's certificate (issued
   * for localhost); a `preamble` goes before the handshake, as a balancer
   * passing TLS through writes its PROXY header.
   */
  static async openTls (port: number, ca: Buffer, preamble?: Buffer): Promise<RawMqttConnection> {
    let tcp: Socket | undefined
    if (preamble !== undefined) {
      tcp = connect(port, '127.0.0.1')
      await once(tcp, 'connect')
      tcp.write(preamble)
    }
    const socket = connectTls({ ...(tcp !== undefined ? { socket: tcp } : { port, host: '127.0.0.1' }), servername: 'localhost', ca })
    await once(socket, 'secureConnect')
    return new RawMqttConnection(socket)
  }

  get isClosed (): boolean {
    return this.socket.destroyed
  }

  /** Writes bytes; resolves once they are handed to the kernel, or the socket failed. */
  send (bytes: Buffer): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve()
    return new Promise(resolve => this.socket.write(bytes, () => resolve()))
  }

  /**
   * Writes `total` bytes of `fill` in chunks, as fast as the socket takes
   * them, and stops early when the broker closes the connection. Returns
   * how many bytes the socket accepted.
   */
  async stream (total: number, chunkBytes = 64 * 1024, fill = 0x41): Promise<number> {
    const chunk = Buffer.alloc(chunkBytes, fill)
    let written = 0
    while (written < total && !this.socket.destroyed) {
      const part = total - written >= chunkBytes ? chunk : chunk.subarray(0, total - written)
      await this.send(part)
      written += part.length
    }
    return written
  }

  /** The next packet of this type the broker sends; rejects if the connection closes first. */
  async next (type: number): Promise<ReceivedPacket> {
    for (;;) {
      const index = this.received.findIndex(p => p.type === type)
      if (index >= 0) return this.received.splice(index, 1)[0]!
      if (this.socket.destroyed) throw new Error(`connection closed before packet type ${type} arrived`)
      await new Promise<void>(resolve => this.waiters.push(resolve))
    }
  }

  /** Sends a CONNECT and returns the CONNACK return code. */
  async connect (fields: ConnectFields): Promise<number> {
    await this.send(connectPacket(fields))
    const connack = await this.next(PACKET.CONNACK)
    return connack.body[1]!
  }

  destroy (): void {
    this.socket.destroy()
  }

  private take (chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk])
    for (;;) {
      let length = 0
      let multiplier = 1
      let i = 1
      for (; i < this.buffered.length && i <= 4; i++) {
        length += (this.buffered[i]! & 0x7f) * multiplier
        multiplier *= 128
        if ((this.buffered[i]! & 0x80) === 0) break
      }
      if (i >= this.buffered.length || this.buffered.length < i + 1 + length) break
      const first = this.buffered[0]!
      this.received.push({ type: first >> 4, flags: first & 0x0f, body: this.buffered.subarray(i + 1, i + 1 + length) })
      this.buffered = this.buffered.subarray(i + 1 + length)
    }
    this.wake()
  }

  private wake (): void {
    for (const resolve of this.waiters.splice(0)) resolve()
  }
}
