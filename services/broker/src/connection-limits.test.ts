import t from 'tap'
import { Writable } from 'node:stream'
import mqtt from 'mqtt'
import { pino, type Logger } from 'pino'
import { connectPacket, RawMqttConnection } from '@aed/testkit/raw-mqtt'
import { startTestBroker } from '@aed/testkit/test-broker'
import { waitFor } from '@aed/testkit/wait-for'
import { addressKey } from './connection-limits.ts'

function logSink (): { lines: Array<Record<string, unknown>>, logger: Logger } {
  const lines: Array<Record<string, unknown>> = []
  const sink = new Writable({ write (chunk, _encoding, done) { lines.push(JSON.parse(chunk.toString())); done() } })
  return { lines, logger: pino({ level: 'debug' }, sink) }
}

t.test('addresses are counted as IPv4, or by their IPv6 /64', async t => {
  t.equal(addressKey('203.0.113.7'), '203.0.113.7')
  t.equal(addressKey('::ffff:203.0.113.7'), '203.0.113.7', 'an IPv4-mapped address is its IPv4 address')
  t.equal(addressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd'), '2001:db8:1:2::/64')
  t.equal(addressKey('2001:db8:1:2::1'), '2001:db8:1:2::/64', 'the same /64, written short')
  t.equal(addressKey('2001:0db8:0000:0002::9'), '2001:db8:0:2::/64', 'leading zeros do not make another key')
  t.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64')
  t.equal(addressKey('::1'), '0:0:0:0::/64')
  t.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64', 'the zone is not part of the key')
  t.equal(addressKey(undefined), 'unknown')
})

t.test('connections over the per-address cap are closed at once; below it they are served', async t => {
  const { lines, logger } = logSink()
  const broker = await startTestBroker({ logger, limits: { maxConnectionsPerAddress: 3 } })
  const secret = await broker.addCabinet('pernik-aed-01')
  const held = await Promise.all([1, 2, 3].map(() => RawMqttConnection.open(broker.port)))
  const over = await RawMqttConnection.open(broker.port)
  await over.send(connectPacket({ clientId: 'pernik-aed-01', username: 'pernik-aed-01', password: secret }))
  await over.closed
  t.same(over.received, [], 'the fourth connection from the address got no CONNACK: it was closed unread')

  for (const raw of held) raw.destroy()
  await Promise.all(held.map(raw => raw.closed))
  await waitFor(async () => {
    const probe = await RawMqttConnection.open(broker.port)
    const code = await probe.connect({ clientId: 'pernik-aed-01', username: 'pernik-aed-01', password: secret }).catch(() => undefined)
    probe.destroy()
    return code === 0
  }, 'a connection once the others have closed')
  t.pass('once the held connections closed, the cabinet connects again')

  await broker.close()
  const refused = lines.filter(line => line.msg === 'connections refused')
  t.equal(refused.length, 1, 'one summary line for the address')
  t.match(refused[0], { level: 30, address: '127.0.0.1', reasons: { 'the address holds its limit of 3 connections': 1 } })
})

t.test('connections over the process cap are closed at once', async t => {
  const broker = await startTestBroker({ limits: { maxConnections: 2 } })
  t.teardown(() => broker.close())
  const held = await Promise.all([1, 2].map(() => RawMqttConnection.open(broker.port)))
  const over = await RawMqttConnection.open(broker.port)
  await over.closed
  t.pass('the third connection was closed')
  for (const raw of held) raw.destroy()
})

t.test('a socket that sends no CONNECT, or only part of one, is closed after the connect timeout', async t => {
  const { lines, logger } = logSink()
  const broker = await startTestBroker({ logger, limits: { connectTimeoutMs: 300 } })
  const silent = await RawMqttConnection.open(broker.port)
  const partial = await RawMqttConnection.open(broker.port)
  await partial.send(connectPacket({ clientId: 'pernik-aed-01', username: 'pernik-aed-01', password: 'x'.repeat(32) }).subarray(0, 20))
  await Promise.all([silent.closed, partial.closed])
  t.same([...silent.received, ...partial.received], [], 'both closed without a CONNACK')

  // A client that connects properly is not affected by the short timeout.
  const secret = await broker.addCabinet('pernik-aed-02')
  const cabinet = await mqtt.connectAsync(broker.url, { clientId: 'pernik-aed-02', username: 'pernik-aed-02', password: secret, reconnectPeriod: 0 })
  await new Promise(resolve => setTimeout(resolve, 600))
  t.equal(cabinet.connected, true, 'a connected cabinet stays connected past the connect timeout')
  await cabinet.endAsync()

  await broker.close()
  t.match(lines.filter(line => line.msg === 'connections refused'), [{ address: '127.0.0.1', count: 2, reasons: { 'connect did not arrive in time': 2 } }])
  t.notMatch(JSON.stringify(lines), /"stack"/, 'no stack trace in the log')
})
