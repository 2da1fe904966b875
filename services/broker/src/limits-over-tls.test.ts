import t from 'tap'
import { readFile } from 'node:fs/promises'
import { Writable } from 'node:stream'
import mqtt from 'mqtt'
import { pino } from 'pino'
import { announcedHeader, RawMqttConnection } from '@aed/testkit/raw-mqtt'
import { createTestCertificates } from '@aed/testkit/test-certificates'
import { startTestBroker } from '@aed/testkit/test-broker'

const certs = await createTestCertificates()
t.teardown(() => certs.remove())
const ca = await readFile(certs.ca.cert)
const tls = { cert: await readFile(certs.server.cert), key: await readFile(certs.server.key) }

const lines: Array<Record<string, unknown>> = []
const sink = new Writable({ write (chunk, _encoding, done) { lines.push(JSON.parse(chunk.toString())); done() } })
const broker = await startTestBroker({ tls, plain: false, logger: pino({ level: 'debug' }, sink), limits: { maxConnectionsPerAddress: 2, connectTimeoutMs: 300 } })
t.teardown(() => broker.close())

t.test('over TLS, a CONNECT announcing 256 MB is refused from its header', async t => {
  const raw = await RawMqttConnection.openTls(broker.port, ca)
  await raw.send(announcedHeader(0x10, 268_435_455))
  const written = await raw.stream(64 * 1024 * 1024)
  await raw.closed
  t.ok(written < 64 * 1024 * 1024, `closed after ${written} bytes`)
  t.same(raw.received, [], 'no CONNACK')
})

t.test('over TLS, a connection over the per-address cap is closed before its handshake', async t => {
  const held = await Promise.all([1, 2].map(() => RawMqttConnection.open(broker.port)))
  const over = await RawMqttConnection.open(broker.port)
  await over.closed
  t.pass('the third TCP connection was closed')
  for (const raw of held) raw.destroy()
  await Promise.all(held.map(raw => raw.closed))
})

t.test('a TLS handshake that never starts is abandoned after the connect timeout', async t => {
  const silent = await RawMqttConnection.open(broker.port)
  await silent.closed
  t.pass('closed')

  const secret = await broker.addCabinet('pernik-aed-01')
  const cabinet = await mqtt.connectAsync(broker.url, { clientId: 'pernik-aed-01', username: 'pernik-aed-01', password: secret, ca, reconnectPeriod: 0 })
  await cabinet.publishAsync('aed/v1/pernik-aed-01/heartbeat', '{}', { qos: 1 })
  t.pass('a cabinet still connects over TLS and publishes')
  await cabinet.endAsync()
})

t.test('refusals at the TLS listener are summarised per address, without a stack', async t => {
  const garbage = await RawMqttConnection.open(broker.port)
  await garbage.send(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))
  await garbage.closed
  await broker.close()
  const refused = lines.filter(line => line.msg === 'connections refused')
  t.equal(refused.length, 1, 'one line for the address')
  t.match(refused[0], {
    address: '127.0.0.1',
    reasons: {
      'the address holds its limit of 2 connections': 1,
      'TLS handshake failed: TLS handshake timeout': 1,
      'CONNECT refused: announces 268435460 bytes, more than the limit of 2048': 1
    }
  })
  t.ok(Object.keys(refused[0]!.reasons as object).some(reason => /^TLS handshake failed: .*http request/.test(reason)), 'and the plain-text request')
  t.notMatch(JSON.stringify(lines), /"stack"/, 'no stack trace')
})
