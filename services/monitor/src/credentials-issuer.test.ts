import t from 'tap'
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CredentialFile, generateSecret, legacyScryptHash, SecretHasher } from '@aed/core/credentials'
import { CredentialsIssuer } from './credentials-issuer.ts'

async function issuerFor (t: { teardown (fn: () => Promise<void>): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'aed-issuer-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = new CredentialFile(join(dir, 'credentials.json'))
  const hasher = new SecretHasher(generateSecret())
  return { dir, file, hasher, issuer: new CredentialsIssuer(file, hasher) }
}

t.test('a cabinet secret is stored as an hmac-sha256 hash under the configured key, in a file only the owner reads', async t => {
  const { dir, file, hasher, issuer } = await issuerFor(t)
  const secret = await issuer.issueCabinetSecret('pernik-aed-01')
  const stored = await file.find('pernik-aed-01')
  t.match(stored?.secretHash, new RegExp(`^hmac-sha256\\$${hasher.keyId}\\$`))
  t.equal(await hasher.verify(secret, stored!.secretHash), true)
  t.notMatch(await readFile(file.path, 'utf8'), secret)
  t.equal((await stat(file.path)).mode & 0o777, 0o600)
  t.same(await readdir(dir), ['credentials.json'], 'no temporary file left behind')
})

t.test('a cabinet with a legacy scrypt hash gets a current one when its secret is issued again', async t => {
  const { file, hasher, issuer } = await issuerFor(t)
  const old = generateSecret()
  await file.put('pernik-aed-02', 'cabinet', await legacyScryptHash(old))
  const secret = await issuer.issueCabinetSecret('pernik-aed-02')
  const stored = (await file.find('pernik-aed-02'))!.secretHash
  t.equal(hasher.isCurrent(stored), true)
  t.equal(await hasher.verify(secret, stored), true)
  t.equal(await hasher.verify(old, stored), false, 'the old secret is revoked')
})

t.test('the service account is registered once, and its legacy scrypt hash is replaced at start-up', async t => {
  const { file, hasher, issuer } = await issuerFor(t)
  const secret = generateSecret()
  await file.put('service:monitor', 'service', await legacyScryptHash(secret))
  await issuer.registerServiceAccount('service:monitor', secret)
  const upgraded = (await file.find('service:monitor'))!
  t.equal(hasher.isCurrent(upgraded.secretHash), true, 'rehashed in the current scheme')
  t.equal(await hasher.verify(secret, upgraded.secretHash), true)
  await issuer.registerServiceAccount('service:monitor', secret)
  t.equal((await file.find('service:monitor'))!.secretHash, upgraded.secretHash, 'a current, matching hash is left as it is')
  const changed = generateSecret()
  await issuer.registerServiceAccount('service:monitor', changed)
  t.equal(await hasher.verify(changed, (await file.find('service:monitor'))!.secretHash), true, 'a changed MQTT_PASSWORD is registered')
})

t.test('a hash made under another key is replaced at start-up: the broker could not verify it', async t => {
  const { file, hasher, issuer } = await issuerFor(t)
  const secret = generateSecret()
  await file.put('service:monitor', 'service', new SecretHasher(generateSecret()).hash(secret))
  await issuer.registerServiceAccount('service:monitor', secret)
  t.equal(hasher.isCurrent((await file.find('service:monitor'))!.secretHash), true)
})
