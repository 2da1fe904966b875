import t from 'tap'
import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import mqtt, { type MqttClient } from 'mqtt'
import { pino } from 'pino'
import { randomBytes } from 'node:crypto'
import { FLEET_SUBSCRIPTIONS } from '@aed/core/protocol'
import { ConfigError } from '@aed/core/validated-input'
import { createTestCertificates } from '@aed/testkit/test-certificates'
import { startTestBroker } from '@aed/testkit/test-broker'
import { startBroker } from './broker.ts'
import { loadBrokerConfig as loadConfig } from './config.ts'
import { mqttTlsFromConfig } from './listeners.ts'

const loadBrokerConfig = (env: Record<string, string>) => loadConfig({ CREDENTIALS_HASH_KEY: randomBytes(32).toString('base64'), ...env })

const certs = await createTestCertificates()
t.teardown(() => certs.remove())
const ca = await readFile(certs.ca.cert)
const tls = { cert: await readFile(certs.server.cert), key: await readFile(certs.server.key) }

const broker = await startTestBroker({ tls })
t.teardown(() => broker.close())

/** Sends a plain MQTT 3.1.1 CONNECT (client id "x") and tells whether a CONNACK comes back before the connection closes. */
async function plainConnack (port: number): Promise<boolean> {
  const socket = connect(port, '127.0.0.1')
  const connectPacket = Buffer.from([0x10, 13, 0, 4, ...Buffer.from('MQTT'), 4, 2, 0, 60, 0, 1, ...Buffer.from('x')])
  socket.on('connect', () => socket.write(connectPacket))
  const received: Buffer[] = []
  socket.on('data', chunk => received.push(chunk))
  await new Promise<void>(resolve => {
    const timer = setTimeout(() => { socket.destroy(); resolve() }, 5000)
    socket.on('close', () => { clearTimeout(timer); resolve() })
    socket.on('error', () => {})
  })
  return Buffer.concat(received)[0] === 0x20
}

function nextMessage (client: MqttClient): Promise<{ topic: string, payload: string }> {
  return new Promise(resolve => client.once('message', (topic, payload) => resolve({ topic, payload: payload.toString() })))
}

async function fleetObserver (url: string): Promise<MqttClient> {
  const { username, password } = await broker.addService('monitor')
  const client = await mqtt.connectAsync(url, { ca, clientId: `observer-${randomBytes(4).toString('hex')}`, username, password, reconnectPeriod: 0 })
  await client.subscribeAsync(FLEET_SUBSCRIPTIONS, { qos: 1 })
  return client
}

t.test('a cabinet connects over TLS (mqtts://) with its secret, and the service receives what it publishes', async t => {
  t.ok(broker.tlsPort !== undefined && broker.tlsPort !== broker.port, 'TLS on a port of its own, beside plain MQTT')
  const observer = await fleetObserver(broker.tlsUrl!)
  const secret = await broker.addCabinet('pernik-aed-01')
  const cabinet = await mqtt.connectAsync(broker.tlsUrl!, { ca, clientId: 'pernik-aed-01', username: 'pernik-aed-01', password: secret, reconnectPeriod: 0 })
  const received = nextMessage(observer)
  await cabinet.publishAsync('aed/v1/pernik-aed-01/door', '{"state":"open"}', { qos: 1 })
  t.same(await received, { topic: 'aed/v1/pernik-aed-01/door', payload: '{"state":"open"}' })
  await Promise.all([cabinet.endAsync(), observer.endAsync()])
})

t.test('mosquitto_pub connects over TLS with --cafile and the cabinet\'s secret', async t => {
  const observer = await fleetObserver(broker.url)
  const secret = await broker.addCabinet('pernik-aed-02')
  const received = nextMessage(observer)
  await promisify(execFile)('mosquitto_pub', ['-h', 'localhost', '-p', String(broker.tlsPort), '--cafile', certs.ca.cert, '-V', 'mqttv311', '-q', '1',
    '-i', 'pernik-aed-02', '-u', 'pernik-aed-02', '-P', secret, '-t', 'aed/v1/pernik-aed-02/door', '-m', '{"state":"closed"}'], { timeout: 30_000 })
  t.same(await received, { topic: 'aed/v1/pernik-aed-02/door', payload: '{"state":"closed"}' })
  await observer.endAsync()
})

t.test('a client that does not trust the broker\'s CA does not connect', async t => {
  const secret = await broker.addCabinet('pernik-aed-03')
  await t.rejects(mqtt.connectAsync(broker.tlsUrl!, { clientId: 'pernik-aed-03', username: 'pernik-aed-03', password: secret, reconnectPeriod: 0, connectTimeout: 5000 }),
    /self.signed|unable to (get|verify)|certificate/i)
})

t.test('with plain MQTT off the broker listens on TLS only', async t => {
  const tlsOnly = await startTestBroker({ tls, plain: false })
  t.teardown(() => tlsOnly.close())
  t.equal(tlsOnly.server, tlsOnly.tlsServer, 'the only listener is the TLS one')
  t.match(tlsOnly.url, /^mqtts:\/\/localhost:\d+$/)
  const secret = await tlsOnly.addCabinet('pernik-aed-04')
  const cabinet = await mqtt.connectAsync(tlsOnly.url, { ca, clientId: 'pernik-aed-04', username: 'pernik-aed-04', password: secret, reconnectPeriod: 0 })
  t.equal(cabinet.connected, true)
  await cabinet.endAsync()
  t.equal(await plainConnack(tlsOnly.tlsPort!), false, 'plain MQTT on the TLS port gets no CONNACK')
  t.equal(await plainConnack(broker.port), true, 'where a plain listener runs, the same CONNECT is answered (here: refused)')
})

t.test('a broker with neither listener does not start', async t => {
  await t.rejects(startBroker({ credentialsFile: join(certs.dir, 'none.json'), credentialsHashKey: randomBytes(32).toString('base64'), logger: pino({ level: 'silent' }) }), /no MQTT listener/)
})

t.test('an encrypted server key is read with MQTT_TLS_KEY_PASSPHRASE', async t => {
  const passphrase = randomBytes(32).toString('base64')
  const config = loadBrokerConfig({
    MQTT_TLS_CERT_FILE: certs.server.cert,
    MQTT_TLS_KEY_FILE: await certs.encryptedServerKey(passphrase),
    MQTT_TLS_KEY_PASSPHRASE: passphrase
  })
  const options = await mqttTlsFromConfig(config)
  t.match(options?.key.toString(), /ENCRYPTED PRIVATE KEY/)
  const encrypted = await startTestBroker({ tls: options!, plain: false })
  t.teardown(() => encrypted.close())
  const secret = await encrypted.addCabinet('pernik-aed-05')
  const cabinet = await mqtt.connectAsync(encrypted.url, { ca, clientId: 'pernik-aed-05', username: 'pernik-aed-05', password: secret, reconnectPeriod: 0 })
  t.equal(cabinet.connected, true)
  await cabinet.endAsync()
})

t.test('certificate files that are missing or not PEM stop the start, each named by its setting', async t => {
  const notPem = join(certs.dir, 'not-pem.crt')
  await writeFile(notPem, 'hello')
  const config = loadBrokerConfig({ MQTT_TLS_CERT_FILE: notPem, MQTT_TLS_KEY_FILE: join(certs.dir, 'missing.key'), MQTT_TLS_CA_FILE: join(certs.dir, 'missing-ca.crt') })
  const error = await mqttTlsFromConfig(config).then(() => undefined, (err: unknown) => err) as ConfigError
  t.ok(error instanceof ConfigError)
  t.match(error.problems.join('\n'), /^MQTT_TLS_CERT_FILE: .*not-pem\.crt is not a PEM file$/m)
  t.match(error.problems.join('\n'), /^MQTT_TLS_KEY_FILE: cannot read .*missing\.key \(ENOENT\)$/m)
  t.match(error.problems.join('\n'), /^MQTT_TLS_CA_FILE: cannot read .*missing-ca\.crt \(ENOENT\)$/m)
  t.equal(await mqttTlsFromConfig(loadBrokerConfig({})), undefined, 'no certificate: no TLS')
})
