import t from 'tap'
import { generateSecret, legacyScryptHash, SecretHasher, secretHashKeyId, secretHashScheme } from './secret-hash.ts'

const hasher = new SecretHasher(generateSecret())

t.test('a secret verifies against its own hash and nothing else does', async t => {
  const secret = generateSecret()
  t.match(secret, /^[A-Za-z0-9_-]{32}$/)
  const hash = hasher.hash(secret)
  t.match(hash, /^hmac-sha256\$[A-Za-z0-9_-]{8}\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/, 'versioned: scheme, key id, salt, MAC')
  t.notOk(hash.includes(secret), 'the hash does not contain the secret')
  t.equal(await hasher.verify(secret, hash), true)
  t.equal(hasher.verifyNow(secret, hash), true)
  t.equal(await hasher.verify(secret + 'x', hash), false)
  t.equal(await hasher.verify(generateSecret(), hash), false)
})

t.test('two hashes of one secret differ (salted)', async t => {
  const secret = generateSecret()
  t.not(hasher.hash(secret), hasher.hash(secret))
})

t.test('a hash made under another key names that key and verifies under no other', async t => {
  const other = new SecretHasher(generateSecret())
  const secret = generateSecret()
  const hash = other.hash(secret)
  t.not(other.keyId, hasher.keyId)
  t.equal(secretHashKeyId(hash), other.keyId)
  t.equal(await hasher.verify(secret, hash), false)
  t.equal(hasher.isCurrent(hash), false)
  t.equal(other.isCurrent(hash), true)
  // Same key id with a forged MAC: still refused.
  const forged = hash.split('$')
  forged[1] = hasher.keyId
  t.equal(await hasher.verify(secret, forged.join('$')), false)
})

t.test('the key id is the same for the same key, in any process', async t => {
  t.equal(new SecretHasher('an example key of 32 characters!').keyId, new SecretHasher('an example key of 32 characters!').keyId)
})

t.test('a key shorter than 16 bytes is refused', async t => {
  t.throws(() => new SecretHasher('short'), { name: 'WeakHashKeyError' })
})

t.test('legacy scrypt hashes keep verifying, and are not current', async t => {
  const secret = generateSecret()
  const legacy = await legacyScryptHash(secret)
  t.equal(secretHashScheme(legacy), 'scrypt')
  t.equal(await hasher.verify(secret, legacy), true)
  t.equal(await hasher.verify(secret + 'x', legacy), false)
  t.equal(hasher.verifyNow(secret, legacy), false, 'only the current scheme is verified without waiting')
  t.equal(hasher.isCurrent(legacy), false)
})

t.test('a malformed stored hash never matches and never throws', async t => {
  const stored = [
    '', 'plain-text', 'scrypt$x$y$z$a$b', 'scrypt$16384$8$1$AAAA$AAAA', 'bcrypt$2b$10$abc',
    'scrypt$3$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    `hmac-sha256$${hasher.keyId}$AAAA$AAAA`, `hmac-sha256$${hasher.keyId}$$`, 'hmac-sha256$', `hmac-sha256$${hasher.keyId}$a$b$c`
  ]
  for (const hash of stored) t.equal(await hasher.verify('anything', hash), false, hash)
})
