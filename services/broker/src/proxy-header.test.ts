import t from 'tap'
import { MAX_V1_HEADER_BYTES, MAX_V2_HEADER_BYTES, parseProxyHeader } from './proxy-header.ts'

const SIGNATURE = Buffer.from('0d0a0d0a000d0a515549540a', 'hex')

/** A v2 header as HAProxy's send-proxy-v2 writes it: command (0x20 LOCAL, 0x21 PROXY), family, then the address block. */
function v2 (command: number, family: number, addresses: Buffer): Buffer {
  const fixed = Buffer.from([command, family, 0, 0])
  fixed.writeUInt16BE(addresses.length, 2)
  return Buffer.concat([SIGNATURE, fixed, addresses])
}

function tcp4 (source: number[], destination: number[], sourcePort: number, destinationPort: number): Buffer {
  const ports = Buffer.alloc(4)
  ports.writeUInt16BE(sourcePort, 0)
  ports.writeUInt16BE(destinationPort, 2)
  return Buffer.concat([Buffer.from(source), Buffer.from(destination), ports])
}

function tcp6 (source: string, destination: string, sourcePort: number, destinationPort: number): Buffer {
  const ports = Buffer.alloc(4)
  ports.writeUInt16BE(sourcePort, 0)
  ports.writeUInt16BE(destinationPort, 2)
  return Buffer.concat([Buffer.from(source, 'hex'), Buffer.from(destination, 'hex'), ports])
}

const MQTT_CONNECT_START = Buffer.from([0x10, 0x20, 0x00, 0x04])

t.test('v1: a TCP4 line names the client; the bytes after its CRLF are the client\'s', async t => {
  const line = Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.2 56324 1883\r\n')
  t.same(parseProxyHeader(Buffer.concat([line, MQTT_CONNECT_START])), {
    kind: 'proxied',
    version: 1,
    source: { address: '203.0.113.7', port: 56324 },
    destination: { address: '10.0.0.2', port: 1883 },
    length: line.length
  })
})

t.test('v1: a TCP6 line names the client', async t => {
  t.match(parseProxyHeader(Buffer.from('PROXY TCP6 2001:db8:1:2::7 2001:db8::1 40000 8883\r\n')),
    { kind: 'proxied', source: { address: '2001:db8:1:2::7', port: 40000 }, destination: { address: '2001:db8::1', port: 8883 } })
})

t.test('v1: UNKNOWN leaves the connection its own address', async t => {
  const line = Buffer.from('PROXY UNKNOWN\r\n')
  t.same(parseProxyHeader(line), { kind: 'local', version: 1, length: line.length })
  t.match(parseProxyHeader(Buffer.from('PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n')), { kind: 'local' }, 'whatever follows UNKNOWN is ignored')
})

t.test('v2: PROXY over TCP4 names the client; the bytes after the header are the client\'s', async t => {
  const header = v2(0x21, 0x11, tcp4([203, 0, 113, 7], [10, 0, 0, 2], 56324, 1883))
  t.same(parseProxyHeader(Buffer.concat([header, MQTT_CONNECT_START])), {
    kind: 'proxied',
    version: 2,
    source: { address: '203.0.113.7', port: 56324 },
    destination: { address: '10.0.0.2', port: 1883 },
    length: 28
  })
})

t.test('v2: PROXY over TCP6 names the client as Node would write its address', async t => {
  const header = v2(0x21, 0x21, tcp6('20010db8000100020000000000000007', '20010db8000000000000000000000001', 40000, 8883))
  t.match(parseProxyHeader(header), { kind: 'proxied', source: { address: '2001:db8:1:2::7', port: 40000 }, destination: { address: '2001:db8::1', port: 8883 }, length: 52 })
  const mapped = v2(0x21, 0x21, tcp6('00000000000000000000ffffcb007107', '00000000000000000000ffff0a000002', 1, 2))
  t.match(parseProxyHeader(mapped), { source: { address: '::ffff:203.0.113.7' } }, 'an IPv4-mapped address ends in dotted IPv4')
  const noZeros = v2(0x21, 0x21, tcp6('20010db8000100020003000400050006', '00000000000000000000000000000001', 1, 2))
  t.match(parseProxyHeader(noZeros), { source: { address: '2001:db8:1:2:3:4:5:6' }, destination: { address: '::1' } })
})

t.test('v2: TLVs after the addresses are part of the header, and skipped', async t => {
  const tlv = Buffer.from([0x04, 0x00, 0x03, 0x61, 0x62, 0x63]) // PP2_TYPE_NOOP, 3 bytes
  const header = v2(0x21, 0x11, Buffer.concat([tcp4([198, 51, 100, 9], [10, 0, 0, 2], 1, 2), tlv]))
  t.match(parseProxyHeader(Buffer.concat([header, MQTT_CONNECT_START])), { kind: 'proxied', source: { address: '198.51.100.9' }, length: header.length })
})

t.test('v2: LOCAL (a health check of the balancer) leaves the connection its own address', async t => {
  t.same(parseProxyHeader(v2(0x20, 0x00, Buffer.alloc(0))), { kind: 'local', version: 2, length: 16 })
  t.match(parseProxyHeader(v2(0x20, 0x11, tcp4([203, 0, 113, 7], [10, 0, 0, 2], 1, 2))), { kind: 'local', length: 28 }, 'addresses after LOCAL are ignored')
})

t.test('v2: PROXY over UNIX, UDP or an unspecified family leaves the connection its own address', async t => {
  t.match(parseProxyHeader(v2(0x21, 0x00, Buffer.alloc(0))), { kind: 'local' })
  t.match(parseProxyHeader(v2(0x21, 0x12, tcp4([203, 0, 113, 7], [10, 0, 0, 2], 1, 2))), { kind: 'local' }, 'UDP over IPv4')
  t.match(parseProxyHeader(v2(0x21, 0x31, Buffer.alloc(216))), { kind: 'local' }, 'UNIX stream')
})

t.test('truncated: every proper prefix of a header asks for more bytes', async t => {
  const headers = [
    Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.2 56324 1883\r\n'),
    v2(0x21, 0x11, tcp4([203, 0, 113, 7], [10, 0, 0, 2], 56324, 1883)),
    v2(0x21, 0x21, tcp6('20010db8000100020000000000000007', '20010db8000000000000000000000001', 40000, 8883)),
    v2(0x20, 0x00, Buffer.alloc(0))
  ]
  for (const header of headers) {
    const verdicts = new Set(Array.from({ length: header.length }, (_, n) => parseProxyHeader(header.subarray(0, n)).kind))
    t.same([...verdicts], ['incomplete'], `${header.length}-byte header`)
  }
})

t.test('malformed: MQTT, TLS or anything else where a header belongs is refused at its first wrong byte', async t => {
  t.match(parseProxyHeader(MQTT_CONNECT_START), { kind: 'invalid', reason: 'not a PROXY protocol header' }, 'a client that skipped the balancer')
  t.match(parseProxyHeader(Buffer.from([0x16, 0x03, 0x01])), { kind: 'invalid' }, 'a TLS ClientHello')
  t.match(parseProxyHeader(Buffer.from('PROXX')), { kind: 'invalid' })
  t.match(parseProxyHeader(Buffer.from('0d0a0d0a000d0a5155495420', 'hex')), { kind: 'invalid' }, 'a v2 signature wrong in its last byte')
})

t.test('malformed v1 lines are refused with the reason', async t => {
  const cases: Array<[string, RegExp]> = [
    ['PROXY TCP4 203.0.113.7 10.0.0.2 56324 1883\n', /not ended by CRLF/],
    ['PROXY UDP4 203.0.113.7 10.0.0.2 56324 1883\r\n', /protocol "UDP4"/],
    ['PROXY TCP4 203.0.113.7 10.0.0.2 56324\r\n', /3 fields, not 4/],
    ['PROXY TCP4 203.0.113.7  10.0.0.2 56324 1883\r\n', /5 fields, not 4/],
    ['PROXY TCP4 2001:db8::7 10.0.0.2 56324 1883\r\n', /address "2001:db8::7"/],
    ['PROXY TCP6 203.0.113.7 2001:db8::1 56324 1883\r\n', /address "203.0.113.7"/],
    ['PROXY TCP4 203.0.113.256 10.0.0.2 56324 1883\r\n', /address "203.0.113.256"/],
    ['PROXY TCP4 203.0.113.7 10.0.0.2 65536 1883\r\n', /port "65536"/],
    ['PROXY TCP4 203.0.113.7 10.0.0.2 056324 1883\r\n', /port "056324"/],
    ['PROXY TCP4 203.0.113.7 10.0.0.2 -1 1883\r\n', /port "-1"/]
  ]
  for (const [line, reason] of cases) t.match(parseProxyHeader(Buffer.from(line)), { kind: 'invalid', reason }, JSON.stringify(line))
})

t.test('malformed v2 headers are refused with the reason', async t => {
  t.match(parseProxyHeader(v2(0x11, 0x11, tcp4([1, 2, 3, 4], [5, 6, 7, 8], 1, 2))), { kind: 'invalid', reason: /version 1/ })
  t.match(parseProxyHeader(v2(0x22, 0x11, tcp4([1, 2, 3, 4], [5, 6, 7, 8], 1, 2))), { kind: 'invalid', reason: /command 2/ })
  t.match(parseProxyHeader(v2(0x21, 0x11, Buffer.alloc(11))), { kind: 'invalid', reason: /TCP4 header has 11 bytes of addresses, fewer than 12/ })
  t.match(parseProxyHeader(v2(0x21, 0x21, Buffer.alloc(12))), { kind: 'invalid', reason: /TCP6 header has 12 bytes of addresses, fewer than 36/ })
})

t.test('oversize: a v1 line with no CRLF in its 107 bytes, a v2 header announcing more than 1 KiB, are refused before the rest arrives', async t => {
  t.match(parseProxyHeader(Buffer.from(`PROXY TCP4 ${'1'.repeat(MAX_V1_HEADER_BYTES)}`)), { kind: 'invalid', reason: /longer than 107 bytes/ })
  t.equal(parseProxyHeader(Buffer.from(`PROXY TCP4 ${'1'.repeat(MAX_V1_HEADER_BYTES - 12)}`)).kind, 'incomplete', 'one byte under the limit, it may still end')
  const announced = v2(0x21, 0x11, Buffer.alloc(0))
  announced.writeUInt16BE(MAX_V2_HEADER_BYTES - 15, 14)
  t.match(parseProxyHeader(announced), { kind: 'invalid', reason: /announces 1025 bytes, more than the limit of 1024/ }, 'judged from the 16 fixed bytes alone')
  announced.writeUInt16BE(MAX_V2_HEADER_BYTES - 16, 14)
  t.equal(parseProxyHeader(announced).kind, 'incomplete', 'exactly 1 KiB is waited for')
})
