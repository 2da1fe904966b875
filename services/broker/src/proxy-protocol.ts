import { BlockList, isIPv4, type Socket } from 'node:net'
import { systemTime, type Time } from '@aed/core/time'
import { parseProxyHeader } from './proxy-header.ts'

/**
 * The balancers whose connections begin with a PROXY header: addresses
 * ("10.0.0.5") and CIDR blocks ("172.30.0.0/24", "fd00::/64"), as
 * MQTT_TRUSTED_PROXIES lists them. A header is read only from these: anyone
 * else could name any address in one.
 */
export class TrustedProxies {
  private readonly list = new BlockList()
  readonly size: number

  constructor (entries: readonly string[]) {
    for (const entry of entries) {
      const [address = '', prefix] = entry.split('/')
      const family = isIPv4(address) ? 'ipv4' : 'ipv6'
      if (prefix === undefined) this.list.addAddress(address, family)
      else this.list.addSubnet(address, Number(prefix), family)
    }
    this.size = entries.length
  }

  has (address: string | undefined): boolean {
    if (address === undefined || this.size === 0) return false
    // A dual-stack listener reports an IPv4 peer as ::ffff:a.b.c.d.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
    if (mapped !== null) return this.list.check(mapped[1]!, 'ipv4')
    return this.list.check(address, isIPv4(address) ? 'ipv4' : 'ipv6')
  }
}

/** A connection from a trusted balancer that did not begin with a valid PROXY header: it is closed. */
export class ProxyHeaderError extends Error {
  constructor (readonly balancerAddress: string | undefined, readonly reason: string) {
    super(`PROXY header from ${balancerAddress ?? 'an unknown address'}: ${reason}`)
    this.name = 'ProxyHeaderError'
  }
}

/**
 * Reads the PROXY header off a balancer's connection and answers with the
 * client's address: the header's source, or the balancer's own address for
 * its health checks (LOCAL). The bytes after the header are put back, and
 * the socket is left paused, for whoever takes the connection next (Aedes,
 * or the TLS handshake when the balancer passes TLS through). The wait is
 * bounded in time (`timeoutMs`) and in size (parseProxyHeader decides
 * within 1 KiB): a balancer writes its header at once, so a peer that
 * dawdles is not one.
 */
export function readProxyHeader (socket: Socket, timeoutMs: number,
  done: (error: ProxyHeaderError | undefined, clientAddress?: string) => void, time: Time = systemTime): void {
  const balancer = socket.remoteAddress
  let received: Buffer = Buffer.alloc(0)
  let finished = false
  const finish = (error: ProxyHeaderError | undefined, clientAddress?: string): void => {
    if (finished) return
    finished = true
    time.clear(timer)
    socket.off('data', onData)
    socket.off('end', onEnd)
    socket.off('error', onError)
    socket.off('close', onEnd)
    if (error !== undefined) {
      // A late error of the destroyed socket has nobody else to hear it.
      socket.on('error', () => {})
      socket.destroy()
    }
    done(error, clientAddress)
  }
  const onData = (chunk: Buffer): void => {
    received = received.length === 0 ? chunk : Buffer.concat([received, chunk])
    const header = parseProxyHeader(received)
    if (header.kind === 'incomplete') return
    if (header.kind === 'invalid') return finish(new ProxyHeaderError(balancer, header.reason))
    socket.pause()
    if (received.length > header.length) socket.unshift(received.subarray(header.length))
    finish(undefined, header.kind === 'proxied' ? header.source.address : balancer)
  }
  const onEnd = (): void => finish(new ProxyHeaderError(balancer, `connection ended after ${received.length} bytes, before the header did`))
  const onError = (err: Error): void => finish(new ProxyHeaderError(balancer, `connection failed before the header ended: ${err.message}`))
  const timer = time.setTimeout(() => finish(new ProxyHeaderError(balancer, `no whole header within ${timeoutMs} ms (${received.length} bytes)`)), timeoutMs)
  socket.on('data', onData)
  socket.once('end', onEnd)
  socket.once('error', onError)
  socket.once('close', onEnd)
}
