import t from 'tap'
import { readFile } from 'node:fs/promises'
import { Writable } from 'node:stream'
import type { Client } from 'aedes'
import mqtt from 'mqtt'
import { pino, type Logger } from 'pino'
import { connectPacket, proxyHeaderV1, proxyHeaderV2, RawMqttConnection } from '@aed/testkit/raw-mqtt'
import { createTestCertificates } from '@aed/testkit/test-certificates'
import { startTestBroker } from '@aed/testkit/test-broker'
import { waitFor } from '@aed/testkit/wait-for'
import { clientAddressKey } from './connection-limits.ts'

/*
 * Every connection here comes from 127.0.0.1, which the broker is told is
 * its balancer (MQTT_TRUSTED_PROXIES): the PROXY header each writes first
 * names the client the broker should see.
 */

function logSink (): { lines: Array<Record<string, unknown>>, logger: Logger } {
  const lines: Array<Record<string, unknown>> = []
  const sink = new Writable({ write (chunk, _encoding, done) { lines.push(JSON.parse(chunk.toString())); done() } })
  return { lines, logger: pino({ level: 'debug' }, sink) }
}

const refusals = (lines: Array<Record<string, unknown>>) => lines.filter(line => line.msg === 'connections refused')

t.test('the per-address cap counts the client the PROXY header names, not the balancer', async t => {
  const { lines, logger } = logSink()
  const broker = await startTestBroker({ logger, trustedProxies: ['127.0.0.1'], limits: { maxConnectionsPerAddress: 2 } })
  const secrets = await Promise.all(['01', '02', '03', '04'].map(n => broker.addCabinet(`pernik-aed-${n}`)))
  const login = (n: number) => ({ clientId: `pernik-aed-0${n}`, username: `pernik-aed-0${n}`, password: secrets[n - 1]! })

  const held = [await RawMqttConnection.open(broker.port, { preamble: proxyHeaderV2('203.0.113.7') }), await RawMqttConnection.open(broker.port, { preamble: proxyHeaderV1('203.0.113.7') })]
  t.same(await Promise.all(held.map((raw, i) => raw.connect(login(i + 1)))), [0, 0], 'two cabinets behind 203.0.113.7, by a v2 and a v1 header')
  const over = await RawMqttConnection.open(broker.port, { preamble: proxyHeaderV2('203.0.113.7') })
  await over.send(connectPacket(login(3)))
  await over.closed
  t.same(over.received, [], 'a third from 203.0.113.7 is closed unread')
  const elsewhere = await RawMqttConnection.open(broker.port, { preamble: proxyHeaderV2('198.51.100.9') })
  t.equal(await elsewhere.connect(login(4)), 0, 'a cabinet behind 198.51.100.9 comes in through the same balancer')

  for (const raw of [...held, elsewhere]) raw.destroy()
  await broker.close()
  t.match(refusals(lines), [{ address: '203.0.113.7', reasons: { 'the address holds its limit of 2 connections': 1 } }])
  t.equal(refusals(lines).length, 1, 'nothing refused under the balancer\'s address')
})

t.test('the login throttle penalises the client the PROXY header names; another client behind the balancer is not held back', async t => {
  const { lines, logger } = logSink()
  const broker = await startTestBroker({
    logger,
    trustedProxies: ['127.0.0.1'],
    // A penalty far longer than a login takes, so that which answer comes first tells who waited.
    limits: { loginDelayBaseMs: 5000, loginDelayMaxMs: 5000, refusalLogWindowMs: 50 }
  })
  t.teardown(() => broker.close())
  const secrets = await Promise.all(['01', '02', '03'].map(n => broker.addCabinet(`pernik-aed-${n}`)))
  const stranger = await RawMqttConnection.open(broker.port, { preamble: proxyHeaderV2('203.0.113.7') })
  await stranger.send(connectPacket({ clientId: 'pernik-aed-01', username: 'pernik-aed-01', password: 'not-the-secret-of-pernik-aed-01' }))
  await waitFor(() => lines.some(line => line.msg === 'failed logins'), 'the failed login is recorded')
  t.match(lines.find(line => line.msg === 'failed logins'), { address: '203.0.113.7', reasons: { 'wrong secret': 1 } }, 'logged under the client\'s address')

  const answered: string[] = []
  const attempt = async (address: string, n: string, secret: string): Promise<number> => {
    const raw = await RawMqttConnection.open(broker.port, { preamble: proxyHeaderV2(address) })
    const code = await raw.connect({ clientId: `pernik-aed-${n}`, username: `pernik-aed-${n}`, password: secret })
    answered.push(address)
    raw.destroy()
    return code
  }
  const codes = await Promise.all([attempt('203.0.113.7', '02', secrets[1]!), attempt('198.51.100.9', '03', secrets[2]!)])
  t.same(codes, [0, 0], 'both log in')
  t.same(answered, ['198.51.100.9', '203.0.113.7'], 'the cabinet behind another address is answered first; the one behind the penalised address waits out its penalty')
  stranger.destroy()
})

t.test('a peer that is not a trusted balancer cannot name another address: its PROXY header is not MQTT', async t => {
  const { lines, logger } = logSink()
  const broker = await startTestBroker({ logger, trustedProxies: ['192.0.2.10'] })
  const secret = await broker.addCabinet('pernik-aed-01')
  for (const header of [proxyHeaderV1('203.0.113.7'), proxyHeaderV2('203.0.113.7')]) {
    const spoofing = await RawMqttConnection.open(broker.port, { preamble: header })
    await spoofing.send(connectPacket({ clientId: 'pernik-aed-01', username: 'pernik-aed-01', password: secret }))
    await spoofing.closed
    t.same(spoofing.received, [], 'closed without a CONNACK')
  }
  const cabinet = await mqtt.connectAsync(broker.url, { clientId: 'pernik-aed-01', username: 'pernik-aed-01', password: secret, reconnectPeriod: 0 })
  t.equal(cabinet.connected, true, 'a client of its own from the same address connects as ever')
  await cabinet.endAsync()
  await broker.close()
  t.match(refusals(lines), [{ address: '127.0.0.1', count: 2 }], 'refused under its own address')
  t.notMatch(JSON.stringify(lines), /203\.0\.113\.7/, 'the address it named appears nowhere')
})

t.test('a trusted balancer\'s connection without a PROXY header, or with its header late, is refused and the reason logged', async t => {
  const { lines, logger } = logSink()
  const broker = await startTestBroker({ logger, trustedProxies: ['127.0.0.1'], limits: { connectTimeoutMs: 300 } })
  const secret = await broker.addCabinet('pernik-aed-01')
  const bare = await RawMqttConnection.open(broker.port)
  await bare.send(connectPacket({ clientId: 'pernik-aed-01', username: 'pernik-aed-01', password: secret }))
  const silent = await RawMqttConnection.open(broker.port)
  const partial = await RawMqttConnection.open(broker.port, { preamble: proxyHeaderV2('203.0.113.7').subarray(0, 20) })
  await Promise.all([bare.closed, silent.closed, partial.closed])
  t.same([...bare.received, ...silent.received, ...partial.received], [], 'all closed without a CONNACK')
  await broker.close()
  t.match(refusals(lines), [{
    address: '127.0.0.1',
    reasons: {
      'PROXY header: not a PROXY protocol header': 1,
      'PROXY header: no whole header within 300 ms (0 bytes)': 1,
      'PROXY header: no whole header within 300 ms (20 bytes)': 1
    }
  }])
})

t.test('a LOCAL header (the balancer\'s health check) leaves the balancer\'s own address', async t => {
  const broker = await startTestBroker({ trustedProxies: ['127.0.0.1'] })
  t.teardown(() => broker.close())
  const { username, password } = await broker.addService('monitor')
  const raw = await RawMqttConnection.open(broker.port, { preamble: proxyHeaderV2('LOCAL') })
  t.equal(await raw.connect({ clientId: 'aed-monitor', username, password }), 0)
  t.equal((broker.aedes as unknown as { clients: Record<string, { conn: { remoteAddress?: string } }> }).clients['aed-monitor']?.conn.remoteAddress, '127.0.0.1')
  raw.destroy()
})

t.test('MQTT over TLS passed through: the header comes before the handshake and names the client', async t => {
  const certs = await createTestCertificates()
  t.teardown(() => certs.remove())
  const ca = await readFile(certs.ca.cert)
  const { lines, logger } = logSink()
  const broker = await startTestBroker({
    logger,
    tls: { cert: await readFile(certs.server.cert), key: await readFile(certs.server.key) },
    plain: false,
    trustedProxies: ['127.0.0.1'],
    limits: { maxConnectionsPerAddress: 1, refusalLogWindowMs: 50 }
  })
  const secret = await broker.addCabinet('pernik-aed-01')
  const cabinet = await RawMqttConnection.openTls(broker.port, ca, proxyHeaderV2('203.0.113.7'))
  t.equal(await cabinet.connect({ clientId: 'pernik-aed-01', username: 'pernik-aed-01', password: secret }), 0)
  const client = (broker.aedes as unknown as { clients: Record<string, Client | undefined> }).clients['pernik-aed-01']
  t.equal(client === undefined ? undefined : clientAddressKey(client), '203.0.113.7', 'the connection Aedes reads is the client\'s, for its throttle and its logs')
  await t.rejects(RawMqttConnection.openTls(broker.port, ca, proxyHeaderV1('203.0.113.7')), 'a second from 203.0.113.7 is closed before its handshake')
  const wrong = await RawMqttConnection.openTls(broker.port, ca, proxyHeaderV1('198.51.100.9'))
  await wrong.send(connectPacket({ clientId: 'pernik-aed-02', username: 'pernik-aed-02', password: 'no-such-cabinet-secret' }))
  await waitFor(() => lines.some(line => line.msg === 'failed logins'), 'the failed login is recorded')
  cabinet.destroy()
  wrong.destroy()
  await broker.close()
  t.match(lines.find(line => line.msg === 'failed logins'), { address: '198.51.100.9' })
  t.match(refusals(lines), [{ address: '203.0.113.7', reasons: { 'the address holds its limit of 1 connections': 1 } }])
})

t.test('a stopping broker closes the connections still owing their PROXY header instead of waiting for them', async t => {
  const broker = await startTestBroker({ trustedProxies: ['127.0.0.1'], limits: { connectTimeoutMs: 600_000 } })
  const silent = await RawMqttConnection.open(broker.port)
  const partial = await RawMqttConnection.open(broker.port, { preamble: proxyHeaderV1('203.0.113.7').subarray(0, 10) })
  await broker.close()
  await Promise.all([silent.closed, partial.closed])
  t.pass('both closed by the stop, long before their header timeout')
})
