import t from 'tap'
import { generateSecret, hashSecret, verifySecret } from './secret-hash.ts'

t.test('a secret verifies against its own hash and nothing else does', async t => {
  const secret = generateSecret()
  t.match(secret, /^[A-Za-z0-9_-]{32}$/)
  const hash = await hashSecret(secret)
  t.notOk(hash.includes(secret), 'the hash does not contain the secret')
  t.equal(await verifySecret(secret, hash), true)
  t.equal(await verifySecret(secret + 'x', hash), false)
  t.equal(await verifySecret(generateSecret(), hash), false)
})

t.test('two hashes of one secret differ (salted)', async t => {
  const secret = generateSecret()
  t.not(await hashSecret(secret), await hashSecret(secret))
})

t.test('a malformed stored hash never matches and never throws', async t => {
  for (const stored of ['', 'plain-text', 'scrypt$x$y$z$a$b', 'scrypt$16384$8$1$AAAA$AAAA', 'bcrypt$2b$10$abc']) {
    t.equal(await verifySecret('anything', stored), false, stored)
  }
})
