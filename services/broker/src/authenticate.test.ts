import t from 'tap'
import mqtt from 'mqtt'
import type { Client } from 'aedes'
import { generateSecret, legacyScryptHash, SecretHasher, type Principal } from '@aed/core/credentials'
import { startTestBroker } from '@aed/testkit/test-broker'
import { createAuthenticate } from './authenticate.ts'

const broker = await startTestBroker()
t.teardown(() => broker.close())

function connect (clientId: string, username: string, password: string) {
  return mqtt.connectAsync(broker.url, { clientId, username, password, reconnectPeriod: 0, connectTimeout: 5000 })
}

t.test('a cabinet connects with its id as client id and username and its current secret', async t => {
  const secret = await broker.addCabinet('pernik-aed-01')
  const client = await connect('pernik-aed-01', 'pernik-aed-01', secret)
  t.equal(client.connected, true)
  await client.endAsync()
})

t.test('a wrong secret is refused with "bad user name or password"', async t => {
  await broker.addCabinet('pernik-aed-02')
  await t.rejects(connect('pernik-aed-02', 'pernik-aed-02', 'not-the-secret'), { code: 4 })
})

t.test('an unknown username is refused', async t => {
  await t.rejects(connect('nobody-here', 'nobody-here', 'whatever'), { code: 4 })
})

t.test('a cabinet using another client id than its own is refused', async t => {
  const secret = await broker.addCabinet('pernik-aed-03')
  await t.rejects(connect('someone-else', 'pernik-aed-03', secret), { code: 2 })
})

t.test('a cabinet using another client id with a wrong secret is refused as a wrong secret: code 2 would tell that the username exists', async t => {
  await broker.addCabinet('pernik-aed-04')
  await t.rejects(connect('someone-else', 'pernik-aed-04', 'not-the-secret'), { code: 4 })
})

t.test('an unknown username costs a secret verification against a hash, as a known one does', async t => {
  const hasher = new SecretHasher(generateSecret())
  const known: Principal = { username: 'pernik-aed-05', role: 'cabinet', secretHash: hasher.hash('the-secret'), issuedAt: new Date().toISOString() }
  const verified: string[] = []
  const authenticate = createAuthenticate({ find: async username => username === known.username ? known : undefined }, hasher, {
    async verifySecret (secret, stored) {
      verified.push(stored.split('$')[0]!)
      return stored === known.secretHash && secret === 'the-secret'
    }
  })
  const attempt = (username: string): Promise<number | undefined> => new Promise(resolve => {
    authenticate({ id: username } as Client, username, Buffer.from('a-guess'), err => resolve(err?.returnCode))
  })
  t.equal(await attempt('pernik-aed-05'), 4)
  t.equal(await attempt('nobody-here'), 4)
  t.same(verified, ['hmac-sha256', 'hmac-sha256'], 'one HMAC verification each')
})

t.test('a connection without credentials is refused', async t => {
  await t.rejects(mqtt.connectAsync(broker.url, { clientId: 'anonymous', reconnectPeriod: 0 }), { code: 4 })
})

t.test('after a new secret is issued the old one stops working and its connection is closed', async t => {
  const oldSecret = await broker.addCabinet('sofia-aed-10')
  const client = await connect('sofia-aed-10', 'sofia-aed-10', oldSecret)
  const closed = new Promise<void>(resolve => client.once('close', () => resolve()))
  const newSecret = await broker.addCabinet('sofia-aed-10')
  await closed
  t.equal(client.connected, false, 'the connection made with the old secret was closed')
  await client.endAsync(true)
  await t.rejects(connect('sofia-aed-10', 'sofia-aed-10', oldSecret), { code: 4 })
  const fresh = await connect('sofia-aed-10', 'sofia-aed-10', newSecret)
  t.equal(fresh.connected, true)
  await fresh.endAsync()
})

t.test('a service account connects with any client id', async t => {
  const { username, password } = await broker.addService('monitor')
  const client = await connect('monitor-replica-1', username, password)
  t.equal(client.connected, true)
  await client.endAsync()
})

t.test('a cabinet reconnecting with its secret is let in again; a wrong secret after a good one is still refused', async t => {
  const secret = await broker.addCabinet('pernik-aed-77')
  for (let i = 0; i < 3; i++) {
    const client = await connect('pernik-aed-77', 'pernik-aed-77', secret)
    t.equal(client.connected, true, `connect ${i + 1}`)
    await client.endAsync()
  }
  await t.rejects(connect('pernik-aed-77', 'pernik-aed-77', secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A')), { code: 4 })
})

t.test('a cabinet whose secret was hashed with scrypt (a credentials file from before hmac-sha256) still connects', async t => {
  const secret = generateSecret()
  await broker.credentials.put('pernik-aed-78', 'cabinet', await legacyScryptHash(secret))
  for (let i = 0; i < 2; i++) {
    const client = await connect('pernik-aed-78', 'pernik-aed-78', secret)
    t.equal(client.connected, true, `connect ${i + 1}`)
    await client.endAsync()
  }
  await t.rejects(connect('pernik-aed-78', 'pernik-aed-78', generateSecret()), { code: 4 })
})

t.test('a secret hashed under another key is refused as the server\'s problem (3), not as a wrong secret', async t => {
  const secret = generateSecret()
  await broker.credentials.put('pernik-aed-79', 'cabinet', new SecretHasher(generateSecret()).hash(secret))
  await t.rejects(connect('pernik-aed-79', 'pernik-aed-79', secret), { code: 3 })
})
