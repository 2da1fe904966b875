import t from 'tap'
import { AckSecretError, ackLink, createAckToken, createShortAckToken, shortAckLink, verifyAckToken, verifyAnyAckToken, verifyShortAckToken, type ShortAckLookup } from './signed-link.ts'

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

// The short format (ack2): the alert id and a 64-bit tag naming the person.

const HOUR = 3_600_000
const alertOpenedAt = Date.parse('2026-11-24T09:30:00Z')
const lookup: ShortAckLookup = {
  alertOpenedAtMs: alertId => ['Xk3f9QaB', 'Qafecr7h'].includes(alertId) ? alertOpenedAt : undefined,
  personIds: () => ['ivan-petrov', 'john-smith', 'maria-ivanova'],
  ttlMs: 72 * HOUR
}

t.test('a short token is the 8-character alert id and an 11-character tag, URL-safe', async t => {
  const token = createShortAckToken({ alertId: 'Xk3f9QaB', personId: 'ivan-petrov' }, secret)
  t.match(token, /^Xk3f9QaB[A-Za-z0-9_-]{11}$/)
  t.equal(token.length, 19)
  t.not(createShortAckToken({ alertId: 'Xk3f9QaB', personId: 'john-smith' }, secret), token, 'another person, another tag')
  t.equal(createShortAckToken({ alertId: 'Xk3f9QaB', personId: 'ivan-petrov' }, secret), token, 'the same person and alert, the same token')
})

t.test('a short token verifies as the person whose tag it carries, expiring the link lifetime after the alert opened', async t => {
  const token = createShortAckToken({ alertId: 'Xk3f9QaB', personId: 'john-smith' }, secret)
  const exp = (alertOpenedAt + 72 * HOUR) / 1000
  t.same(verifyShortAckToken(token, secret, lookup, now), { ok: true, claims: { alertId: 'Xk3f9QaB', personId: 'john-smith', exp } })
  t.same(verifyShortAckToken(token, secret, lookup, new Date(alertOpenedAt + 72 * HOUR - 1)), { ok: true, claims: { alertId: 'Xk3f9QaB', personId: 'john-smith', exp } })
  t.same(verifyShortAckToken(token, secret, lookup, new Date(alertOpenedAt + 72 * HOUR)), { ok: false, reason: 'expired', claims: { alertId: 'Xk3f9QaB', personId: 'john-smith', exp } })
})

t.test('a short token for another alert, another secret, an unknown person or an unknown alert is a bad signature, alike', async t => {
  const ivansTag = createShortAckToken({ alertId: 'Xk3f9QaB', personId: 'ivan-petrov' }, secret).slice(8)
  const bad = { ok: false, reason: 'bad_signature' }
  t.same(verifyShortAckToken(`Qafecr7h${ivansTag}`, secret, lookup, now), bad, 'the tag of another alert')
  t.same(verifyShortAckToken(createShortAckToken({ alertId: 'Xk3f9QaB', personId: 'ivan-petrov' }, secret.replace('test', 'prod')), secret, lookup, now), bad, 'another secret')
  t.same(verifyShortAckToken(createShortAckToken({ alertId: 'Xk3f9QaB', personId: 'eve' }, secret), secret, lookup, now), bad, 'a person the routing does not know')
  t.same(verifyShortAckToken(createShortAckToken({ alertId: 'Unknown1', personId: 'ivan-petrov' }, secret), secret, lookup, now), bad, 'an alert the monitor does not know, even with a good tag')
})

t.test('every single-character change to a short token is refused, the last character\'s unused bits included', async t => {
  const token = createShortAckToken({ alertId: 'Xk3f9QaB', personId: 'ivan-petrov' }, secret)
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  let accepted = 0
  for (let i = 0; i < token.length; i++) {
    for (const c of alphabet) {
      if (c === token[i]) continue
      if (verifyShortAckToken(token.slice(0, i) + c + token.slice(i + 1), secret, lookup, now).ok) accepted++
    }
  }
  t.equal(accepted, 0)
})

t.test('anything but 19 base64url characters is a malformed short token', async t => {
  const token = createShortAckToken({ alertId: 'Xk3f9QaB', personId: 'ivan-petrov' }, secret)
  for (const bad of ['', token.slice(0, 18), token + 'A', token.slice(0, 18) + '=', token.slice(0, 18) + '/', 'x'.repeat(10_000)]) {
    t.same(verifyShortAckToken(bad, secret, lookup, now), { ok: false, reason: 'malformed' }, JSON.stringify(bad.slice(0, 25)))
  }
})

t.test('a short token cannot carry an alert id of another length or alphabet', async t => {
  for (const alertId of ['', 'door-1', 'Xk3f9QaBC', 'Xk3f9Qa~']) {
    t.throws(() => createShortAckToken({ alertId, personId: 'ivan-petrov' }, secret), /8 base64url characters/, alertId)
  }
  t.throws(() => createShortAckToken({ alertId: 'Xk3f9QaB', personId: 'x' }, 'short'), AckSecretError)
})

t.test('either format verifies: a long token as before, a short one against the alert and the people', async t => {
  const long = createAckToken({ alertId: 'Xk3f9QaB', personId: 'ivan-petrov', expiresAt: inOneDay }, secret)
  t.same(verifyAnyAckToken(long, secret, lookup, now), verifyAckToken(long, secret, now))
  t.match(verifyAnyAckToken(long, secret, lookup, now), { ok: true, claims: { personId: 'ivan-petrov' } })
  const short = createShortAckToken({ alertId: 'Xk3f9QaB', personId: 'maria-ivanova' }, secret)
  t.match(verifyAnyAckToken(short, secret, lookup, now), { ok: true, claims: { alertId: 'Xk3f9QaB', personId: 'maria-ivanova' } })
  t.same(verifyAnyAckToken('garbage', secret, lookup, now), { ok: false, reason: 'malformed' })
})

t.test('the link for a person is short for the alert book\'s ids, and long, expiring at the same time, for others', async t => {
  const options = { secret, ttlMs: 72 * HOUR }
  const openedAt = new Date(alertOpenedAt).toISOString()
  const link = shortAckLink('https://aed.pernik.bg/', { id: 'Xk3f9QaB', openedAt }, 'ivan-petrov', options)
  t.equal(link, `https://aed.pernik.bg/a/${createShortAckToken({ alertId: 'Xk3f9QaB', personId: 'ivan-petrov' }, secret)}`)
  t.equal(link.length, 43)

  const fallback = shortAckLink('https://aed.pernik.bg', { id: 'door-1', openedAt }, 'ivan-petrov', options)
  const token = fallback.slice('https://aed.pernik.bg/a/'.length)
  t.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/)
  t.same(verifyAckToken(token, secret, now), { ok: true, claims: { alertId: 'door-1', personId: 'ivan-petrov', exp: (alertOpenedAt + 72 * HOUR) / 1000 } })
})
