import t from 'tap'
import { execFile } from 'node:child_process'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { FLEET_SUBSCRIPTIONS } from '@aed/core/protocol'
import { createTestCertificates } from '@aed/testkit/test-certificates'
import { startTestBroker } from '@aed/testkit/test-broker'

// A cabinet may prove who it is with a client certificate instead of its
// secret: signed by MQTT_TLS_CA_FILE, CN = its cabinet id = its client id,
// and the cabinet in the credentials file.

const certs = await createTestCertificates()
const stranger = await createTestCertificates('Some other CA')
t.teardown(async () => { await certs.remove(); await stranger.remove() })
const ca = await readFile(certs.ca.cert)
const tls = { cert: await readFile(certs.server.cert), key: await readFile(certs.server.key), ca }

const broker = await startTestBroker({ tls, plain: false })
t.teardown(() => broker.close())

async function withCertificate (clientId: string, commonName: string, options: IClientOptions = {}, authority = certs): Promise<MqttClient> {
  const files = await authority.client(commonName)
  return await mqtt.connectAsync(broker.url, {
    ca, cert: await readFile(files.cert), key: await readFile(files.key), clientId, reconnectPeriod: 0, connectTimeout: 5000, ...options
  })
}

async function fleetObserver (): Promise<MqttClient> {
  const { username, password } = await broker.addService('monitor')
  const client = await mqtt.connectAsync(broker.url, { ca, clientId: `observer-${Math.random()}`, username, password, reconnectPeriod: 0 })
  await client.subscribeAsync(FLEET_SUBSCRIPTIONS, { qos: 1 })
  return client
}

function nextMessage (client: MqttClient): Promise<{ topic: string, payload: string }> {
  return new Promise(resolve => client.once('message', (topic, payload) => resolve({ topic, payload: payload.toString() })))
}

t.test('mosquitto_pub with a certificate for its cabinet id connects without a password, and the service receives its message', async t => {
  await broker.addCabinet('pernik-aed-01')
  const files = await certs.client('pernik-aed-01')
  const observer = await fleetObserver()
  const received = nextMessage(observer)
  await promisify(execFile)('mosquitto_pub', ['-h', 'localhost', '-p', String(broker.tlsPort), '-V', 'mqttv311', '-q', '1',
    '--cafile', certs.ca.cert, '--cert', files.cert, '--key', files.key,
    '-i', 'pernik-aed-01', '-t', 'aed/v1/pernik-aed-01/door', '-m', '{"state":"open"}'], { timeout: 30_000 })
  t.same(await received, { topic: 'aed/v1/pernik-aed-01/door', payload: '{"state":"open"}' })
  await observer.endAsync()
})

t.test('a cabinet authenticated by certificate is still confined to its own topics', async t => {
  await broker.addCabinet('pernik-aed-02')
  const cabinet = await withCertificate('pernik-aed-02', 'pernik-aed-02')
  t.equal(cabinet.connected, true, 'connected without username or password')
  const closed = new Promise<void>(resolve => cabinet.once('close', () => resolve()))
  cabinet.publish('aed/v1/pernik-aed-01/door', '{}', { qos: 1 })
  await closed
  t.pass('publishing to another cabinet\'s topic closed the connection')
  await cabinet.endAsync(true)
})

t.test('a certificate for one cabinet cannot be used as another: client id and username must be its CN', async t => {
  await broker.addCabinet('pernik-aed-03')
  await broker.addCabinet('pernik-aed-04')
  await t.rejects(withCertificate('pernik-aed-04', 'pernik-aed-03'), { code: 2 }, 'another client id')
  await t.rejects(withCertificate('pernik-aed-03', 'pernik-aed-03', { username: 'pernik-aed-04' }), { code: 2 }, 'another username')
  const own = await withCertificate('pernik-aed-03', 'pernik-aed-03', { username: 'pernik-aed-03' })
  t.equal(own.connected, true, 'its own id as username too is fine')
  await own.endAsync()
})

t.test('a certificate for a cabinet that is not in the credentials file is refused', async t => {
  await t.rejects(withCertificate('pernik-aed-99', 'pernik-aed-99'), { code: 5 })
})

t.test('a certificate the CA did not sign proves nothing: the cabinet needs its secret', async t => {
  const secret = await broker.addCabinet('pernik-aed-05')
  await t.rejects(withCertificate('pernik-aed-05', 'pernik-aed-05', {}, stranger), { code: 4 })
  const withSecret = await withCertificate('pernik-aed-05', 'pernik-aed-05', { username: 'pernik-aed-05', password: secret }, stranger)
  t.equal(withSecret.connected, true)
  await withSecret.endAsync()
})

t.test('a certificate connection outlives a new secret, and ends when the cabinet leaves the credentials file', async t => {
  await broker.addCabinet('pernik-aed-06')
  const cabinet = await withCertificate('pernik-aed-06', 'pernik-aed-06')
  await broker.addCabinet('pernik-aed-06')
  await new Promise(resolve => setTimeout(resolve, 500))
  t.equal(cabinet.connected, true, 'issuing a new secret does not close it (the broker checks every 100 ms here)')

  const closed = new Promise<void>(resolve => cabinet.once('close', () => resolve()))
  const file = JSON.parse(await readFile(broker.credentials.path, 'utf8')) as { principals: Record<string, unknown> }
  delete file.principals['pernik-aed-06']
  await writeFile(`${broker.credentials.path}.tmp`, JSON.stringify(file), { mode: 0o600 })
  await rename(`${broker.credentials.path}.tmp`, broker.credentials.path)
  await closed
  t.pass('removed from the file: closed')
  await cabinet.endAsync(true)
  await t.rejects(withCertificate('pernik-aed-06', 'pernik-aed-06'), { code: 5 }, 'and it cannot come back')
})

t.test('without MQTT_TLS_CA_FILE no certificate is asked for: a cabinet needs its secret', async t => {
  const noCa = await startTestBroker({ tls: { cert: tls.cert, key: tls.key }, plain: false })
  t.teardown(() => noCa.close())
  await noCa.addCabinet('pernik-aed-07')
  const files = await certs.client('pernik-aed-07')
  await t.rejects(mqtt.connectAsync(noCa.url, { ca, cert: await readFile(files.cert), key: await readFile(files.key), clientId: 'pernik-aed-07', reconnectPeriod: 0 }), { code: 4 })
})
