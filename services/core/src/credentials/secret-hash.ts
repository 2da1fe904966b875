import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

/**
 * Cabinet and service secrets are stored only as scrypt hashes in a
 * self-describing string, scrypt$N$r$p$salt$hash, so the cost can be raised
 * later without invalidating hashes already issued.
 *
 * Secrets are 192-bit random strings issued by the service, not
 * human-chosen passwords: no dictionary attack applies, and the work factor
 * is set for a reconnect storm of a whole fleet after a broker restart
 * (N=2^12: a few ms of one libuv thread per verification, some hundreds of
 * connects per second on two cores; see test/bench/).
 */
const DEFAULT_COST = { N: 4096, r: 8, p: 1 }
const KEY_LENGTH = 32

function scryptAsync (secret: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_LENGTH, { ...options, maxmem: 64 * 1024 * 1024 }, (err, key) => {
      if (err) reject(err)
      else resolve(key)
    })
  })
}

/** A new random secret for a cabinet or a service account (32 URL-safe characters). */
export function generateSecret (): string {
  return randomBytes(24).toString('base64url')
}

export async function hashSecret (secret: string, cost = DEFAULT_COST): Promise<string> {
  const salt = randomBytes(16)
  const key = await scryptAsync(secret, salt, cost)
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$')
}

/** Constant-time check of a presented secret against a stored hash; a malformed hash never matches. */
export async function verifySecret (secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const [N, r, p] = parts.slice(1, 4).map(Number)
  if (!Number.isInteger(N) || !Number.isInteger(r) || !Number.isInteger(p)) return false
  const salt = Buffer.from(parts[4]!, 'base64url')
  const expected = Buffer.from(parts[5]!, 'base64url')
  if (expected.length !== KEY_LENGTH) return false
  const actual = await scryptAsync(secret, salt, { N: N!, r: r!, p: p! })
  return timingSafeEqual(actual, expected)
}
