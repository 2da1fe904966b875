import { isIPv6, type Socket } from 'node:net'
import type { Client } from 'aedes'

/**
 * The key under which a remote address is counted and throttled: an IPv4
 * address as it is, an IPv4-mapped IPv6 address as its IPv4 address, and an
 * IPv6 address by its /64 prefix, the smallest block a network hands one
 * subscriber (a mobile network gives each cabinet a /64 of its own).
 */
export function addressKey (remoteAddress: string | undefined): string {
  if (remoteAddress === undefined) return 'unknown'
  if (!isIPv6(remoteAddress)) return remoteAddress
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remoteAddress)
  if (mapped !== null) return mapped[1]!
  const [head = '', tail = ''] = remoteAddress.toLowerCase().split('%')[0]!.split('::')
  const headGroups = head === '' ? [] : head.split(':')
  const tailGroups = remoteAddress.includes('::') ? (tail === '' ? [] : tail.split(':')) : []
  const groups = [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups]
  return `${groups.slice(0, 4).map(group => group.replace(/^0+(?=.)/, '')).join(':')}::/64`
}

/** Address keys of connections, each taken once, while its socket is open. */
const socketAddressKeys = new WeakMap<Socket, string>()

/**
 * The address key of a connection: its client's, as given to
 * `rememberClientAddress` (behind a balancer, the address its PROXY header
 * names), else the socket's peer. Kept with the socket: a TLS socket no
 * longer tells its peer's address once it is destroyed, and a refusal is
 * often logged after that.
 */
export function socketAddressKey (socket: Socket): string {
  let key = socketAddressKeys.get(socket)
  if (key === undefined) {
    key = addressKey(socket.remoteAddress)
    socketAddressKeys.set(socket, key)
  }
  return key
}

/** Whom a socket's connection comes from, for its limits, its login throttle and the logs; the broker says so as it hands the socket to Aedes. */
export function rememberClientAddress (socket: Socket, clientAddress: string | undefined): void {
  socketAddressKeys.set(socket, addressKey(clientAddress))
}

/** The address key of a client's connection (the socket Aedes reads). */
export function clientAddressKey (client: Client): string {
  return socketAddressKey(client.conn as Socket)
}

export interface ConnectionLimitSettings {
  maxConnections: number
  maxConnectionsPerAddress: number
}

/**
 * Counts open connections, in the whole process and per address, and
 * refuses one over either cap before a byte of it is read. MQTT has no way
 * to answer "busy" before the CONNECT, so a refused socket is just closed.
 */
export class ConnectionLimits {
  private open = 0
  private readonly perAddress = new Map<string, number>()
  /**
   * One listener for every socket, which Node calls with the socket as
   * `this`; a closure per connection (and `once`'s wrapper around it) would
   * cost a few hundred bytes a cabinet. A socket closes once.
   */
  private readonly onClose: (this: Socket) => void

  constructor (private readonly settings: ConnectionLimitSettings) {
    const limits = this
    this.onClose = function () { limits.release(socketAddressKey(this)) }
  }

  /**
   * Counts the socket under its client's address until it closes; returns
   * why it is refused instead, or undefined. Behind a balancer the client's
   * address is the one its PROXY header names, not the socket's peer.
   */
  admit (socket: Socket, clientAddress: string | undefined): string | undefined {
    rememberClientAddress(socket, clientAddress)
    const address = socketAddressKey(socket)
    const fromAddress = this.perAddress.get(address) ?? 0
    if (this.open >= this.settings.maxConnections) return `the broker holds its limit of ${this.settings.maxConnections} connections`
    if (fromAddress >= this.settings.maxConnectionsPerAddress) return `the address holds its limit of ${this.settings.maxConnectionsPerAddress} connections`
    this.open++
    this.perAddress.set(address, fromAddress + 1)
    socket.on('close', this.onClose)
    return undefined
  }

  private release (address: string): void {
    this.open--
    const left = (this.perAddress.get(address) ?? 1) - 1
    if (left === 0) this.perAddress.delete(address)
    else this.perAddress.set(address, left)
  }
}
