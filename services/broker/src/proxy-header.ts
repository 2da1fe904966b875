import { isIPv4, isIPv6 } from 'node:net'

/*
 * The PROXY protocol header a TCP balancer (HAProxy `send-proxy` /
 * `send-proxy-v2`) writes before the client's first byte, naming the client
 * it accepted the connection from. Section numbers refer to HAProxy's
 * specification, doc/proxy-protocol.txt.
 */

/** The 12 bytes that open a version 2 header (section 2.2). */
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a])
/** Signature, version and command, family and protocol, length (section 2.2). */
const V2_FIXED_BYTES = 16
const V1_PREFIX = Buffer.from('PROXY ', 'latin1')

/** The longest version 1 line, "\r\n" included (section 2.1). */
export const MAX_V1_HEADER_BYTES = 107
/**
 * The longest version 2 header taken: the addresses need at most 216 bytes
 * (two UNIX paths), which leaves room for the TLVs a balancer may append.
 * A peer announcing more is refused from its first 16 bytes.
 */
export const MAX_V2_HEADER_BYTES = 1024

export interface Endpoint {
  address: string
  port: number
}

export type ProxyHeader =
  /** A client's connection, relayed: the source is the client. */
  | { kind: 'proxied', version: 1 | 2, source: Endpoint, destination: Endpoint, length: number }
  /**
   * A connection of the balancer's own (v2 LOCAL: its health checks), or
   * one whose addresses are not TCP's (v1 UNKNOWN, v2 UNSPEC, UNIX or UDP):
   * the receiver keeps the connection's own address (sections 2.1, 2.2).
   */
  | { kind: 'local', version: 1 | 2, length: number }

export type ProxyHeaderParse =
  | ProxyHeader
  /** What arrived so far begins a header; more bytes are needed. */
  | { kind: 'incomplete' }
  | { kind: 'invalid', reason: string }

/**
 * Reads a PROXY header, version 1 or 2, from the first bytes of a
 * connection. `length` is how many bytes the header took: the client's own
 * bytes follow it. Never asks for more than MAX_V1_HEADER_BYTES or
 * MAX_V2_HEADER_BYTES before it decides.
 */
export function parseProxyHeader (bytes: Buffer): ProxyHeaderParse {
  if (startsLike(bytes, V2_SIGNATURE)) return bytes.length < V2_SIGNATURE.length ? { kind: 'incomplete' } : parseV2(bytes)
  if (startsLike(bytes, V1_PREFIX)) return bytes.length < V1_PREFIX.length ? { kind: 'incomplete' } : parseV1(bytes)
  return { kind: 'invalid', reason: 'not a PROXY protocol header' }
}

/** Whether the bytes so far agree with `prefix` (all of them, or as many as there are). */
function startsLike (bytes: Buffer, prefix: Buffer): boolean {
  const n = Math.min(bytes.length, prefix.length)
  return bytes.subarray(0, n).equals(prefix.subarray(0, n))
}

// "PROXY TCP4 192.0.2.1 198.51.100.2 56324 1883\r\n", or "PROXY UNKNOWN …\r\n" (section 2.1).
function parseV1 (bytes: Buffer): ProxyHeaderParse {
  const newline = bytes.subarray(0, MAX_V1_HEADER_BYTES).indexOf(0x0a)
  if (newline < 0) {
    return bytes.length >= MAX_V1_HEADER_BYTES
      ? { kind: 'invalid', reason: `v1 header longer than ${MAX_V1_HEADER_BYTES} bytes` }
      : { kind: 'incomplete' }
  }
  if (bytes[newline - 1] !== 0x0d) return { kind: 'invalid', reason: 'v1 header not ended by CRLF' }
  const length = newline + 1
  const fields = bytes.subarray(0, newline - 1).toString('latin1').split(' ')
  const protocol = fields[1]
  if (protocol === 'UNKNOWN') return { kind: 'local', version: 1, length }
  if (protocol !== 'TCP4' && protocol !== 'TCP6') return { kind: 'invalid', reason: `v1 protocol ${JSON.stringify(protocol)} is not TCP4, TCP6 or UNKNOWN` }
  if (fields.length !== 6) return { kind: 'invalid', reason: `v1 ${protocol} header has ${fields.length - 2} fields, not 4` }
  const [, , sourceAddress, destinationAddress, sourcePort, destinationPort] = fields as [string, string, string, string, string, string]
  const isFamily = protocol === 'TCP4' ? isIPv4 : isIPv6
  for (const address of [sourceAddress, destinationAddress]) {
    if (!isFamily(address)) return { kind: 'invalid', reason: `v1 ${protocol} address ${JSON.stringify(address)} is not one` }
  }
  for (const port of [sourcePort, destinationPort]) {
    // Decimal without leading zeros, 0 to 65535 (section 2.1).
    if (!/^(0|[1-9]\d{0,4})$/.test(port) || Number(port) > 65535) return { kind: 'invalid', reason: `v1 port ${JSON.stringify(port)} is not one` }
  }
  return {
    kind: 'proxied',
    version: 1,
    source: { address: sourceAddress, port: Number(sourcePort) },
    destination: { address: destinationAddress, port: Number(destinationPort) },
    length
  }
}

const LOCAL = 0x0
const PROXY = 0x1
const AF_INET = 0x1
const AF_INET6 = 0x2
const STREAM = 0x1

function parseV2 (bytes: Buffer): ProxyHeaderParse {
  if (bytes.length < V2_FIXED_BYTES) return { kind: 'incomplete' }
  const version = bytes[12]! >> 4
  const command = bytes[12]! & 0x0f
  if (version !== 2) return { kind: 'invalid', reason: `v2 signature with version ${version}` }
  if (command !== LOCAL && command !== PROXY) return { kind: 'invalid', reason: `v2 command ${command} is neither LOCAL nor PROXY` }
  const length = V2_FIXED_BYTES + bytes.readUInt16BE(14)
  if (length > MAX_V2_HEADER_BYTES) return { kind: 'invalid', reason: `v2 header announces ${length} bytes, more than the limit of ${MAX_V2_HEADER_BYTES}` }
  if (bytes.length < length) return { kind: 'incomplete' }
  // LOCAL: the balancer speaking for itself; whatever addresses follow are ignored (section 2.2).
  if (command === LOCAL) return { kind: 'local', version: 2, length }
  const family = bytes[13]! >> 4
  const transport = bytes[13]! & 0x0f
  if (transport !== STREAM || (family !== AF_INET && family !== AF_INET6)) return { kind: 'local', version: 2, length }
  const addressBytes = family === AF_INET ? 4 : 16
  if (length - V2_FIXED_BYTES < 2 * addressBytes + 4) {
    return { kind: 'invalid', reason: `v2 ${family === AF_INET ? 'TCP4' : 'TCP6'} header has ${length - V2_FIXED_BYTES} bytes of addresses, fewer than ${2 * addressBytes + 4}` }
  }
  const format = family === AF_INET ? formatIPv4 : formatIPv6
  const at = V2_FIXED_BYTES
  return {
    kind: 'proxied',
    version: 2,
    source: { address: format(bytes.subarray(at, at + addressBytes)), port: bytes.readUInt16BE(at + 2 * addressBytes) },
    destination: { address: format(bytes.subarray(at + addressBytes, at + 2 * addressBytes)), port: bytes.readUInt16BE(at + 2 * addressBytes + 2) },
    length
  }
}

function formatIPv4 (bytes: Buffer): string {
  return [...bytes].join('.')
}

/** RFC 5952 text, as Node writes a socket's remoteAddress: an IPv4-mapped address ends in dotted IPv4. */
function formatIPv6 (bytes: Buffer): string {
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(2 * i))
  if (groups.slice(0, 5).every(group => group === 0) && groups[5] === 0xffff) return `::ffff:${formatIPv4(bytes.subarray(12))}`
  // The longest run of two or more zero groups, the first of equals, becomes "::".
  let bestStart = -1
  let bestLength = 1
  for (let start = 0; start < 8;) {
    let end = start
    while (end < 8 && groups[end] === 0) end++
    if (end - start > bestLength) { bestStart = start; bestLength = end - start }
    start = end === start ? start + 1 : end
  }
  const hex = groups.map(group => group.toString(16))
  if (bestStart < 0) return hex.join(':')
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`
}
