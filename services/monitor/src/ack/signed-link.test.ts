import t from 'tap'
import { AckSecretError, ackLink, createAckToken, verifyAckToken } from './signed-link.ts'

const secret = 'test-secret-0123456789-abcdefghijklmnop'
const now = new Date('2026-11-24T10:00:00Z')
const inOneDay = new Date('2026-11-25T10:00:00Z')

t.test('a token verifies with the secret that signed it and carries alert, person and expiry', async t => {
  const token = createAckToken({ alertId: 'alr-01JD3X9Q', personId: 'ivan-petrov', expiresAt: inOneDay }, secret)
  t.same(verifyAckToken(token, secret, now), {
    ok: true,
    claims: { alertId: 'alr-01JD3X9Q', personId: 'ivan-petrov', exp: inOneDay.getTime() / 1000 }
  })
})

t.test('a token is compact and URL-safe: under 70 characters for realistic ids', async t => {
  const token = createAckToken({ alertId: 'alr-01JD3X9Q4T', personId: 'ivan-petrov', expiresAt: inOneDay }, secret)
  t.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/)
  t.ok(token.length < 70, `token is ${token.length} characters`)
  t.equal(ackLink('https://aed.pernik.bg/', token), `https://aed.pernik.bg/a/${token}`)
})

t.test('an alert id may contain the separator and any Unicode', async t => {
  const token = createAckToken({ alertId: 'door~pernik-aed-01~Ä', personId: 'maria', expiresAt: inOneDay }, secret)
  const check = verifyAckToken(token, secret, now)
  t.ok(check.ok)
  if (check.ok) t.equal(check.claims.alertId, 'door~pernik-aed-01~Ä')
})

t.test('an expired token is reported as expired, with its claims', async t => {
  const token = createAckToken({ alertId: 'a1', personId: 'maria', expiresAt: now }, secret)
  const check = verifyAckToken(token, secret, now)
  t.same(check, { ok: false, reason: 'expired', claims: { alertId: 'a1', personId: 'maria', exp: now.getTime() / 1000 } })
})

t.test('another secret, a changed payload or a changed tag is a bad signature', async t => {
  const token = createAckToken({ alertId: 'a1', personId: 'maria', expiresAt: inOneDay }, secret)
  t.same(verifyAckToken(token, secret.replace('test', 'prod'), now), { ok: false, reason: 'bad_signature' })

  const [payload = '', tag = ''] = token.split('.')
  const forgedPayload = Buffer.from(Buffer.from(payload, 'base64url').toString().replace('maria', 'ivan')).toString('base64url')
  t.same(verifyAckToken(`${forgedPayload}.${tag}`, secret, now), { ok: false, reason: 'bad_signature' })

  const flipped = (tag[0] === 'A' ? 'B' : 'A') + tag.slice(1)
  t.same(verifyAckToken(`${payload}.${flipped}`, secret, now), { ok: false, reason: 'bad_signature' })
})

t.test('anything that is not two base64url parts with a 16-byte tag is malformed', async t => {
  for (const token of ['', 'abc', 'a.b.c', 'a b.c', 'YWJj.', '.YWJj', 'YWJj.YWJj', 'x'.repeat(10_000)]) {
    t.same(verifyAckToken(token, secret, now), { ok: false, reason: 'malformed' }, JSON.stringify(token.slice(0, 20)))
  }
})

t.test('a correctly signed payload without the expected fields is malformed', async t => {
  const { createHmac } = await import('node:crypto')
  const payload = Buffer.from('not-a-claim').toString('base64url')
  const tag = createHmac('sha256', secret).update('ack1.' + payload).digest().subarray(0, 16).toString('base64url')
  t.same(verifyAckToken(`${payload}.${tag}`, secret, now), { ok: false, reason: 'malformed' })
})

t.test('a short secret is refused rather than used', async t => {
  t.throws(() => createAckToken({ alertId: 'a', personId: 'b', expiresAt: inOneDay }, 'short'), AckSecretError)
  t.throws(() => verifyAckToken('a.b', 'short'), AckSecretError)
})
