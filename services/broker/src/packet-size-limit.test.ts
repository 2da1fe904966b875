import t, { type Test } from 'tap'
import { once } from 'node:events'
import { createServer, connect, type Socket } from 'node:net'
import mqtt from 'mqtt'
import { FLEET_SUBSCRIPTIONS } from '@aed/core/protocol'
import { announcedHeader, connectPacket, publishPacket, RawMqttConnection } from '@aed/testkit/raw-mqtt'
import { startTestBroker } from '@aed/testkit/test-broker'
import { limitPacketSize, PacketRefusedError, PacketSizeScanner } from './packet-size-limit.ts'

const LIMITS = { maxConnectBytes: 1024, maxPacketBytes: 4096 }
const CONNECT = connectPacket({ clientId: 'pernik-aed-01', username: 'pernik-aed-01', password: 'x'.repeat(32) })

t.test('the scanner follows packet boundaries across chunks of any size', async t => {
  const stream = Buffer.concat([CONNECT, publishPacket({ topic: 'a/b', payload: 'y'.repeat(4000) }), Buffer.from([0xc0, 0x00]),
    publishPacket({ topic: 'a/b', payload: 'z'.repeat(300) })])
  for (const chunkBytes of [1, 2, 3, 7, 64, 1000, stream.length]) {
    const scanner = new PacketSizeScanner(LIMITS)
    const refusals = []
    for (let i = 0; i < stream.length; i += chunkBytes) refusals.push(scanner.scan(stream.subarray(i, i + chunkBytes)))
    t.same(refusals.filter(r => r !== undefined), [], `chunks of ${chunkBytes} bytes`)
  }
})

t.test('the scanner refuses a packet from the header that announces too much, before its body', async t => {
  const connect = new PacketSizeScanner(LIMITS)
  t.match(connect.scan(announcedHeader(0x10, 268_435_455)), { packetType: 'CONNECT', reason: /announces 268435460 bytes, more than the limit of 1024/ })

  const publish = new PacketSizeScanner(LIMITS)
  t.equal(publish.scan(CONNECT), undefined)
  const header = announcedHeader(0x32, 100 * 1024 * 1024)
  t.equal(publish.scan(header.subarray(0, 2)), undefined, 'half a length is not judged yet')
  t.match(publish.scan(header.subarray(2)), { packetType: 'PUBLISH', reason: /more than the limit of 4096/ })

  const exact = new PacketSizeScanner(LIMITS)
  t.equal(exact.scan(Buffer.concat([CONNECT, publishPacket({ topic: 't', payload: Buffer.alloc(4096 - 2 - 3 - 2) })])), undefined, 'a packet of exactly the limit passes')
})

t.test('the scanner refuses a first packet that is not a CONNECT and a length longer than 4 bytes', async t => {
  t.match(new PacketSizeScanner(LIMITS).scan(Buffer.from('GET / HTTP/1.1\r\n')), { reason: /first packet must be a CONNECT/ })
  const scanner = new PacketSizeScanner(LIMITS)
  scanner.scan(CONNECT)
  t.match(scanner.scan(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])), { reason: /longer than 4 bytes/ })
})

/** Both ends of a loopback TCP connection; the server's end is limited as the broker limits it. */
async function limitedPair (t: Test): Promise<{ server: Socket, client: Socket }> {
  const listener = createServer()
  listener.listen(0, '127.0.0.1')
  await once(listener, 'listening')
  const { port } = listener.address() as { port: number }
  const client = connect(port, '127.0.0.1')
  const [server] = await once(listener, 'connection') as [Socket]
  limitPacketSize(server, LIMITS)
  t.teardown(() => { client.destroy(); server.destroy(); listener.close() })
  return { server, client }
}

/** What the socket hands a reader once it is readable, as Aedes reads it (lib/client.js, nextBatch). */
async function readWhenReadable (socket: Socket): Promise<Buffer | null> {
  await once(socket, 'readable')
  return socket.read() as Buffer | null
}

t.test('a limited socket hands its reader the packets within the limits, as they came', async t => {
  const { server, client } = await limitedPair(t)
  const stream = Buffer.concat([CONNECT, publishPacket({ topic: 'a/b', payload: 'y'.repeat(4000) })])
  client.write(stream)
  const read: Buffer[] = []
  while (Buffer.concat(read).length < stream.length) read.push((await readWhenReadable(server))!)
  t.same(Buffer.concat(read), stream)
  t.notOk(server.destroyed)
})

t.test('a limited socket hands its reader nothing of a packet over the limit, and is destroyed with the refusal', async t => {
  const { server, client } = await limitedPair(t)
  client.write(CONNECT)
  t.same(await readWhenReadable(server), CONNECT)
  const failed = once(server, 'error')
  client.write(announcedHeader(0x32, 100 * 1024 * 1024))
  t.equal(await readWhenReadable(server), null)
  const [error] = await failed as [Error]
  t.ok(error instanceof PacketRefusedError)
  t.match(error, { packetType: 'PUBLISH', reason: /more than the limit of 4096/ })
  t.ok(server.destroyed)
})

t.test('over TCP: a CONNECT announcing 256 MB is refused at its header, and the socket is closed while the client still writes', async t => {
  const broker = await startTestBroker({ limits: { maxConnectBytes: 1024 } })
  t.teardown(() => broker.close())
  const raw = await RawMqttConnection.open(broker.port)
  await raw.send(announcedHeader(0x10, 268_435_455))
  const written = await raw.stream(64 * 1024 * 1024)
  await raw.closed
  t.ok(written < 64 * 1024 * 1024, `the broker closed the connection after ${written} of 64 MiB were written`)
  t.same(raw.received, [], 'no CONNACK')
})

t.test('over TCP: an authenticated cabinet publishing over the limit loses its connection, without its will, and nothing is forwarded', async t => {
  const broker = await startTestBroker({ limits: { maxPacketBytes: 64 * 1024 } })
  t.teardown(() => broker.close())
  const secret = await broker.addCabinet('pernik-aed-01')
  const service = await broker.addService('monitor')
  const monitor = await mqtt.connectAsync(broker.url, { clientId: 'monitor', username: service.username, password: service.password, reconnectPeriod: 0 })
  t.teardown(() => monitor.endAsync(true))
  await monitor.subscribeAsync(FLEET_SUBSCRIPTIONS, { qos: 1 })
  const received: string[] = []
  monitor.on('message', topic => received.push(topic))

  const raw = await RawMqttConnection.open(broker.port)
  t.equal(await raw.connect({ clientId: 'pernik-aed-01', username: 'pernik-aed-01', password: secret, will: { topic: 'aed/v1/pernik-aed-01/status', payload: '{"online":false}', qos: 1, retain: true } }), 0)
  await raw.send(announcedHeader(0x32, 100 * 1024 * 1024))
  await raw.stream(16 * 1024 * 1024)
  await raw.closed

  // A message at the limit still goes through, on a new connection, and arrives after anything published before it.
  const cabinet = await mqtt.connectAsync(broker.url, { clientId: 'pernik-aed-01', username: 'pernik-aed-01', password: secret, reconnectPeriod: 0 })
  await cabinet.publishAsync('aed/v1/pernik-aed-01/heartbeat', Buffer.alloc(60 * 1024, 0x20), { qos: 1 })
  await cabinet.endAsync()
  const arrived = new Promise<void>(resolve => { monitor.once('message', () => resolve()) })
  if (!received.includes('aed/v1/pernik-aed-01/heartbeat')) await arrived
  t.same(received, ['aed/v1/pernik-aed-01/heartbeat'], 'neither the oversized message nor the will reached the monitor')
})
