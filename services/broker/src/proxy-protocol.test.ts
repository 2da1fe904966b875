import t from 'tap'
import { once } from 'node:events'
import { connect, createServer, type AddressInfo, type Socket } from 'node:net'
import { ManualTime } from '@aed/testkit/manual-time'
import { ProxyHeaderError, readProxyHeader, TrustedProxies } from './proxy-protocol.ts'

/** A loopback connection: the balancer's end to write with, the broker's end to read the header from. */
async function connection (teardown: (fn: () => void) => void): Promise<{ balancer: Socket, accepted: Socket, balancerClosed: Promise<unknown> }> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const arrived = once(server, 'connection') as Promise<[Socket]>
  const balancer = connect((server.address() as AddressInfo).port, '127.0.0.1')
  balancer.on('error', () => {})
  const balancerClosed = once(balancer, 'close')
  const [accepted] = await arrived
  teardown(() => { balancer.destroy(); accepted.destroy(); server.close() })
  return { balancer, accepted, balancerClosed }
}

function read (socket: Socket, timeoutMs: number, time?: ManualTime): Promise<{ error?: ProxyHeaderError, clientAddress?: string }> {
  return new Promise(resolve => readProxyHeader(socket, timeoutMs, (error, clientAddress) => resolve({ ...(error !== undefined ? { error } : {}), ...(clientAddress !== undefined ? { clientAddress } : {}) }), time))
}

/** Everything the socket delivers from now until `bytes` have arrived. */
async function readBytes (socket: Socket, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let total = 0
  socket.on('data', (chunk: Buffer) => { chunks.push(chunk); total += chunk.length })
  socket.resume()
  while (total < bytes) await once(socket, 'data')
  return Buffer.concat(chunks)
}

t.test('the client\'s bytes that came with the header are handed on, in order, after it', async t => {
  const { balancer, accepted } = await connection(t.teardown)
  const mqtt = Buffer.from('\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00', 'latin1')
  balancer.write(Buffer.concat([Buffer.from('PROXY TCP4 203.0.113.7 127.0.0.1 56324 1883\r\n'), mqtt.subarray(0, 5)]))
  t.same(await read(accepted, 10_000), { clientAddress: '203.0.113.7' })
  t.equal(accepted.isPaused(), true, 'paused until the next reader takes the socket')
  balancer.write(mqtt.subarray(5))
  t.same(await readBytes(accepted, mqtt.length), mqtt, 'what followed the header in its chunk, then the rest')
})

t.test('a header that arrives a byte at a time is read whole', async t => {
  const { balancer, accepted } = await connection(t.teardown)
  const reading = read(accepted, 10_000)
  for (const byte of Buffer.from('PROXY TCP6 2001:db8::7 ::1 40000 1883\r\n')) balancer.write(Buffer.from([byte]))
  t.same(await reading, { clientAddress: '2001:db8::7' })
})

t.test('a LOCAL header (a health check) leaves the balancer\'s own address', async t => {
  const { balancer, accepted } = await connection(t.teardown)
  balancer.write(Buffer.from('0d0a0d0a000d0a515549540a20000000', 'hex'))
  t.same(await read(accepted, 10_000), { clientAddress: '127.0.0.1' })
})

t.test('a connection that does not begin with a header is closed, with the reason and the balancer\'s address', async t => {
  const { balancer, accepted, balancerClosed } = await connection(t.teardown)
  balancer.write(Buffer.from([0x10, 0x0c, 0x00, 0x04]))
  const { error } = await read(accepted, 10_000)
  t.match(error, { name: 'ProxyHeaderError', balancerAddress: '127.0.0.1', reason: 'not a PROXY protocol header', message: 'PROXY header from 127.0.0.1: not a PROXY protocol header' })
  await balancerClosed
  t.equal(accepted.destroyed, true)
})

t.test('an oversize header is refused as soon as it is known to be one', async t => {
  const { balancer, accepted } = await connection(t.teardown)
  balancer.write(`PROXY TCP4 ${'9'.repeat(200)}`)
  t.match((await read(accepted, 10_000)).error, { reason: /longer than 107 bytes/ })
})

t.test('a peer that closes before its header ended is told apart from one that sent a bad one', async t => {
  const { balancer, accepted } = await connection(t.teardown)
  balancer.end('PROXY TCP4 203.0.')
  t.match((await read(accepted, 10_000)).error, { reason: 'connection ended after 17 bytes, before the header did' })
})

t.test('slow: a peer whose header is not whole within the timeout is closed at the timeout', async t => {
  const time = new ManualTime()
  const { balancer, accepted, balancerClosed } = await connection(t.teardown)
  let settled = false
  const reading = read(accepted, 5000, time).finally(() => { settled = true })
  balancer.write('PROXY TCP4 203.0.')
  await time.advance(4999)
  t.equal(settled, false, 'still waiting a millisecond before the timeout')
  balancer.write('113.7 127.0')
  await time.advance(1)
  t.match((await reading).error, { reason: 'no whole header within 5000 ms (28 bytes)' }, 'bytes trickling in do not extend it')
  await balancerClosed
})

t.test('trusted balancers are listed by address or CIDR block, IPv4 and IPv6', async t => {
  const trusted = new TrustedProxies(['10.0.0.5', '172.30.0.0/24', 'fd00:1::/64'])
  t.ok(trusted.has('10.0.0.5'))
  t.notOk(trusted.has('10.0.0.6'))
  t.ok(trusted.has('172.30.0.200'))
  t.notOk(trusted.has('172.30.1.1'))
  t.ok(trusted.has('::ffff:10.0.0.5'), 'an IPv4 peer on a dual-stack listener')
  t.ok(trusted.has('fd00:1::abcd'))
  t.notOk(trusted.has('fd00:2::1'))
  t.notOk(trusted.has(undefined), 'a socket that lost its peer')
  t.notOk(new TrustedProxies([]).has('127.0.0.1'), 'none by default')
})
