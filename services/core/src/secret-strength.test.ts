import t from 'tap'
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { validate } from './validated-input.ts'
import { generateSecret } from './credentials/secret-hash.ts'
import { estimateSecret, secretWeakness, strongSecret } from './secret-strength.ts'

t.test('every placeholder of .env.example is refused as a placeholder, with how to generate a secret', async t => {
  const example = await readFile(new URL('../../../.env.example', import.meta.url), 'utf8')
  const placeholders = [...example.matchAll(/^[A-Z0-9_]*(?:PASSWORD|TOKEN|SECRET)=(.+)$/gm)].map(m => m[1]!)
  t.ok(placeholders.length >= 5, `${placeholders.length} placeholders found`)
  for (const value of placeholders) t.match(secretWeakness(value), /^a placeholder, not a secret; generate one with `openssl rand -base64 32`$/, value)
})

t.test('short, repeated, sequential and dictionary values are refused', async t => {
  for (const value of ['changeme', 'password', 'hunter2', 'CHANGEME-0000', 'replace-me']) t.ok(secretWeakness(value), value)
  for (const value of ['x'.repeat(40), 'ab'.repeat(20), '0123456789abcdefghijklmnopqrstuvwxyz', 'qwertyuiopasdfghjklzxcvbnm1234567890', 'P@ssw0rdP@ssw0rdP@ssw0rd2024']) {
    t.match(secretWeakness(value), /^too predictable for a secret: .* leave about \d+ bits; generate one with/, value)
  }
  for (const value of ['test-admin-token-0123456789', 'monitor-test-password-0123456789', 'test-link-secret-0123456789abcdefghijklmnop']) {
    t.match(secretWeakness(value), /too predictable/, `the test suite's old secret ${value}`)
  }
  t.match(secretWeakness('Xk3-pQ9z'), /^too short for a secret: about \d+ bits, at least 128 needed/)
})

t.test('what the usual generators make passes, a Twilio auth token (32 hex digits, exactly 128 bits) included', async t => {
  const generators: Record<string, () => string> = {
    'openssl rand -base64 32': () => randomBytes(32).toString('base64'),
    'openssl rand -hex 24': () => randomBytes(24).toString('hex'),
    'a Twilio auth token': () => randomBytes(16).toString('hex'),
    'the same in capitals': () => randomBytes(16).toString('hex').toUpperCase(),
    '16 bytes in base64url': () => randomBytes(16).toString('base64url'),
    'a cabinet secret (generateSecret)': generateSecret,
    'an InfluxDB 2.x token': () => randomBytes(64).toString('base64')
  }
  for (const [name, generate] of Object.entries(generators)) {
    const refused = Array.from({ length: 2000 }, generate).filter(value => secretWeakness(value) !== undefined)
    t.same(refused, [], name)
  }
})

t.test('the estimate counts the alphabet a value draws from', async t => {
  t.equal(estimateSecret('0123456789abcdef0123456789abcdef').alphabetBits, 128, '32 hex digits')
  t.equal(estimateSecret('A'.repeat(11) + 'b'.repeat(11)).alphabetBits, 132, '22 base64 characters')
  t.ok(estimateSecret('x'.repeat(32)).unpatternedBits < 10, 'a run counts as two characters')
})

t.test('as a zod refinement: the problem is listed under the setting, the value is never quoted, an unset optional secret passes', async t => {
  const schema = z.object({
    API_TOKEN: z.string().superRefine(strongSecret),
    OTHER_TOKEN: z.string().optional().superRefine(strongSecret)
  })
  const weak = 'hunter2hunter2hunter2hunter2'
  const result = validate(schema, { API_TOKEN: weak, OTHER_TOKEN: 'change-me-other-token' })
  t.equal(result.ok, false)
  const problems = result.ok ? [] : result.problems
  t.match(problems, [/^API_TOKEN: too predictable for a secret/, /^OTHER_TOKEN: a placeholder, not a secret/])
  t.notMatch(problems.join('\n'), weak)
  t.ok(validate(schema, { API_TOKEN: randomBytes(32).toString('base64') }).ok)
})
