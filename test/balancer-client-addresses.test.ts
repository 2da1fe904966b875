import t from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CredentialFile, generateSecret, SecretHasher } from '@aed/core/credentials'
import { startBrokerProcess } from '@aed/testkit/broker-process'
import { startPrivateHaproxy } from '@aed/testkit/private-haproxy'
import { connectPacket, RawMqttConnection } from '@aed/testkit/raw-mqtt'

/*
 * The broker behind a real HAProxy (Debian's) that sends the PROXY protocol
 * v2 as infra/haproxy/haproxy.cfg does, from 127.0.0.9, the one address
 * the broker trusts (MQTT_TRUSTED_PROXIES). Clients connect to HAProxy from
 * distinct loopback addresses; the broker must tell them apart. Nothing is
 * asserted about how long anything takes.
 */
t.setTimeout(5 * 60_000)

const dir = await mkdtemp(join(tmpdir(), 'aed-balancer-addresses-'))
t.teardown(() => rm(dir, { recursive: true, force: true }))
const credentialsFile = join(dir, 'credentials.json')
const credentials = new CredentialFile(credentialsFile)
const hashKey = generateSecret()
const hasher = new SecretHasher(hashKey)
const secrets = new Map<string, string>()
for (const id of ['pernik-aed-01', 'pernik-aed-02', 'pernik-aed-03']) {
  secrets.set(id, generateSecret())
  await credentials.put(id, 'cabinet', hasher.hash(secrets.get(id)!))
}

const broker = await startBrokerProcess({
  env: {
    CREDENTIALS_FILE: credentialsFile,
    CREDENTIALS_HASH_KEY: hashKey,
    BROKER_PERSISTENCE: 'memory',
    MQTT_TRUSTED_PROXIES: '127.0.0.9',
    // Refusals are logged at info; a failed login's penalty far longer than a login takes.
    LOG_LEVEL: 'info',
    MQTT_REFUSAL_LOG_WINDOW_S: '1',
    MQTT_LOGIN_DELAY_BASE_MS: '8000',
    MQTT_LOGIN_DELAY_MAX_MS: '8000'
  }
})
t.teardown(() => broker.kill())
const lb = await startPrivateHaproxy({ backends: [broker.port], sendProxyV2: true, sourceAddress: '127.0.0.9', checkIntervalMs: 200 })
t.teardown(() => lb.stop())

const login = (id: string, password = secrets.get(id)!) => ({ clientId: id, username: id, password })

t.test('through HAProxy, a stranger failing logins from 127.0.0.2 is throttled; a cabinet from 127.0.0.3 still logs in at once', async t => {
  const stranger = await RawMqttConnection.open(lb.port, { localAddress: '127.0.0.2' })
  await stranger.send(connectPacket(login('pernik-aed-01', 'not-the-secret-of-pernik-aed-01')))
  await broker.logged(/"msg":"failed logins"/)
  t.match(broker.output(), /"address":"127\.0\.0\.2"[^\n]*"msg":"failed logins"/, 'the failed login is logged under the stranger\'s own address')

  const answered: string[] = []
  const attempt = async (from: string, id: string): Promise<number> => {
    const raw = await RawMqttConnection.open(lb.port, { localAddress: from })
    const code = await raw.connect(login(id))
    answered.push(from)
    raw.destroy()
    return code
  }
  const codes = await Promise.all([attempt('127.0.0.2', 'pernik-aed-02'), attempt('127.0.0.3', 'pernik-aed-03')])
  t.same(codes, [0, 0], 'both cabinets log in')
  t.same(answered, ['127.0.0.3', '127.0.0.2'], 'the cabinet from 127.0.0.3 is answered first; the one sharing the stranger\'s address waits out its penalty')
  stranger.destroy()
})

t.test('HAProxy\'s health checks (LOCAL headers) keep the broker up and are not refused', async t => {
  // Several check intervals have passed by now; a check the broker refused would be a "connections refused" line.
  await new Promise(resolve => setTimeout(resolve, 1500))
  const raw = await RawMqttConnection.open(lb.port, { localAddress: '127.0.0.4' })
  t.equal(await raw.connect(login('pernik-aed-01')), 0, 'HAProxy still sends connections to the broker')
  raw.destroy()
  t.notMatch(broker.output(), /PROXY header/, 'no connection of HAProxy\'s lacked a valid header')
  t.notMatch(broker.output(), /"address":"127\.0\.0\.9"/, 'nothing is counted against the balancer\'s own address')
  t.notMatch(broker.output(), /connections refused/, 'a check that ends with a reset is no refusal')
})

t.test('a client connecting to the broker directly, not through the balancer, is served under its own address', async t => {
  const direct = await RawMqttConnection.open(broker.port, { localAddress: '127.0.0.5' })
  t.equal(await direct.connect(login('pernik-aed-03')), 0)
  direct.destroy()
})
