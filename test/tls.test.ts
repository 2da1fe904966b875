import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { pino } from 'pino'
import { ConfigError } from '@aed/core/validated-input'
import { createTestCertificates } from '@aed/testkit/test-certificates'
import { startTestBroker } from '@aed/testkit/test-broker'
import { waitFor } from '@aed/testkit/wait-for'
import { MonitorConfigSchema } from '../services/monitor/src/config.ts'
import { startMonitorService } from '../services/monitor/src/service.ts'
import { strongTestSecret } from './support/stack.ts'

// TLS end to end: a broker that speaks MQTT over TLS only, the monitor
// connecting to it over mqtts:// with MQTT_CA_FILE, its API over HTTPS, and
// a cabinet proving who it is with a client certificate (mosquitto_pub).
// InfluxDB is not needed here: the monitor keeps telemetry buffered.

const run = promisify(execFile)
const certs = await createTestCertificates()
const broker = await startTestBroker({
  tls: { cert: await readFile(certs.server.cert), key: await readFile(certs.server.key), ca: await readFile(certs.ca.cert) },
  plain: false
})
const dataDir = await mkdtemp(join(tmpdir(), 'aed-monitor-tls-'))
const adminToken = strongTestSecret()
const settings = {
  HOST: '127.0.0.1',
  PORT: '0',
  HTTPS_CERT_FILE: certs.server.cert,
  HTTPS_KEY_FILE: certs.server.key,
  AED_ADMIN_TOKEN: adminToken,
  MQTT_URL: broker.url,
  MQTT_CA_FILE: certs.ca.cert,
  MQTT_PASSWORD: strongTestSecret(),
  MQTT_CLIENT_ID: `aed-monitor-tls-${process.pid}`,
  CREDENTIALS_FILE: broker.credentials.path,
  CREDENTIALS_HASH_KEY: broker.credentialsHashKey,
  DATA_DIR: dataDir,
  INFLUX_URL: 'http://127.0.0.1:9',
  ALERT_LINK_SECRET: strongTestSecret(),
  LOG_LEVEL: 'silent',
  // The test polls the API while it waits; the limits are tested in rate-limits.test.ts.
  API_RATE_LIMIT: '1000000'
}
const service = await startMonitorService(MonitorConfigSchema.parse(settings), pino({ level: 'silent' }))
t.teardown(async () => {
  await service.close()
  await broker.close()
  await certs.remove()
  await rm(dataDir, { recursive: true, force: true })
})
const apiUrl = service.url.replace('127.0.0.1', 'localhost')

/** fetch in a Node process that trusts the test CA (NODE_EXTRA_CA_CERTS), as a client configured for it would. */
async function trustingFetch (path: string, method = 'GET'): Promise<{ status: number, body: any }> {
  const script = 'const [url, init] = JSON.parse(process.argv[1]); fetch(url, init).then(async r => console.log(JSON.stringify({ status: r.status, text: await r.text() })), e => { console.error(String(e.cause ?? e)); process.exit(1) })'
  const init = { method, headers: { authorization: `Bearer ${adminToken}` } }
  const { stdout } = await run(process.execPath, ['-e', script, JSON.stringify([`${apiUrl}${path}`, init])],
    { env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: certs.ca.cert }, timeout: 30_000 })
  const { status, text } = JSON.parse(stdout) as { status: number, text: string }
  return { status, body: text === '' ? undefined : JSON.parse(text) }
}

t.test('the monitor connects over mqtts:// to a TLS-only broker, checking its certificate against MQTT_CA_FILE', async t => {
  t.match(broker.url, /^mqtts:\/\//)
  await waitFor(() => service.monitor.health.health().mqtt, 'the monitor connected over TLS')
  t.pass('connected')
})

t.test('the API speaks HTTPS: a client trusting the CA gets its answers, one that does not is refused', async t => {
  t.match(service.url, /^https:\/\/127\.0\.0\.1:\d+$/)
  const { status, body } = await trustingFetch('/api/v1/cabinets')
  t.equal(status, 200)
  t.same(body.cabinets.map((c: { id: string }) => c.id), ['pernik-aed-01', 'pernik-aed-02', 'pernik-aed-03'])
  const failure = (url: string): Promise<string | undefined> => fetch(url).then(() => undefined, (err: Error) => (err.cause as NodeJS.ErrnoException | undefined)?.code)
  t.match(await failure(`${apiUrl}/healthz`), /SELF_SIGNED|UNABLE_TO_VERIFY/, 'without the CA the certificate is not trusted')
  t.ok(await failure(`${apiUrl.replace('https:', 'http:')}/healthz`), 'plain HTTP is not served')
})

t.test('a cabinet with a client certificate opens its door over TLS (mosquitto_pub) and the monitor raises door_open', async t => {
  t.equal((await trustingFetch('/api/v1/cabinets/pernik-aed-01/credentials', 'POST')).status, 201, 'the cabinet is in the credentials file')
  const files = await certs.client('pernik-aed-01')
  await run('mosquitto_pub', ['-h', 'localhost', '-p', String(broker.tlsPort), '-V', 'mqttv311', '-q', '1',
    '--cafile', certs.ca.cert, '--cert', files.cert, '--key', files.key, '-i', 'pernik-aed-01',
    '-t', 'aed/v1/pernik-aed-01/door', '-m', JSON.stringify({ ts: new Date().toISOString(), seq: 1, state: 'open' })], { timeout: 30_000 })
  await waitFor(async () => (await trustingFetch('/api/v1/alerts?status=open')).body.alerts.length > 0, 'an open alert')
  t.match((await trustingFetch('/api/v1/alerts?status=open')).body.alerts, [{ cabinetId: 'pernik-aed-01', kind: 'door_open', status: 'open' }])
})

t.test('certificate files that cannot be read stop the start, all listed, each named by its setting', async t => {
  const config = MonitorConfigSchema.parse({ ...settings, HTTPS_KEY_FILE: join(certs.dir, 'missing.key'), MQTT_CA_FILE: join(certs.dir, 'missing-ca.crt') })
  const error = await startMonitorService(config, pino({ level: 'silent' })).then(() => undefined, (err: unknown) => err) as ConfigError
  t.ok(error instanceof ConfigError)
  t.match(error.problems.sort(), [/^HTTPS_KEY_FILE: cannot read .*missing\.key \(ENOENT\)$/, /^MQTT_CA_FILE: cannot read .*missing-ca\.crt \(ENOENT\)$/])
})
