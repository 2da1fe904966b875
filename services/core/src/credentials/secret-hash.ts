import { createHmac, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

/**
 * Cabinet and service secrets are stored only as hashes in a
 * self-describing string, so the scheme can change without invalidating
 * hashes already issued:
 *
 *   hmac-sha256$KEYID$SALT$MAC   the current scheme: MAC = HMAC-SHA-256(key, SALT ‖ secret)
 *   scrypt$N$r$p$SALT$HASH       the scheme before it, still verified
 *
 * Secrets are 192-bit random strings issued by the service, never chosen by
 * people: nobody can guess one, so a slow password KDF buys nothing and
 * costs a reconnect storm of the whole fleet minutes of CPU. The key
 * (CREDENTIALS_HASH_KEY) lives in the configuration of the broker and the
 * monitor, never in the credentials file: the file alone lets nobody check
 * a guess offline. KEYID names the key, so a hash made under another key is
 * told apart from a wrong secret. docs/guarantees.md#cabinet-secrets has the
 * reasoning.
 */
export const SECRET_HASH_SCHEME = 'hmac-sha256'
export const LEGACY_SECRET_HASH_SCHEME = 'scrypt'
export type SecretHashScheme = typeof SECRET_HASH_SCHEME | typeof LEGACY_SECRET_HASH_SCHEME

const MAC_LENGTH = 32
const SALT_LENGTH = 16
// Domain separation: the key id is an HMAC of this, never of anything a client sends.
const KEY_ID_LABEL = 'aed-fleet credentials key id v1'

/** A new random secret for a cabinet or a service account: 192 bits, 32 URL-safe characters. */
export function generateSecret (): string {
  return randomBytes(24).toString('base64url')
}

/** The scheme a stored hash says it was made with; undefined for anything else. */
export function secretHashScheme (stored: string): SecretHashScheme | undefined {
  const scheme = stored.slice(0, stored.indexOf('$'))
  return scheme === SECRET_HASH_SCHEME || scheme === LEGACY_SECRET_HASH_SCHEME ? scheme : undefined
}

/** The key id of an hmac-sha256 hash; undefined for another scheme. */
export function secretHashKeyId (stored: string): string | undefined {
  const parts = stored.split('$')
  return parts.length === 4 && parts[0] === SECRET_HASH_SCHEME ? parts[1] : undefined
}

export class WeakHashKeyError extends Error {
  constructor () {
    super('the credentials hash key must be at least 16 bytes')
    this.name = 'WeakHashKeyError'
  }
}

/**
 * Hashes and verifies secrets under one key. hash() is synchronous and
 * takes microseconds; verify() also takes the legacy scrypt hashes, which
 * cost milliseconds of a libuv thread.
 */
export class SecretHasher {
  /** Names the key in every hash made with it; reveals nothing of the key. */
  readonly keyId: string
  private readonly key: Buffer

  /** `key` as configured (CREDENTIALS_HASH_KEY); its UTF-8 bytes are the HMAC key. */
  constructor (key: string) {
    this.key = Buffer.from(key, 'utf8')
    // The settings refuse weak keys with a reason; this only stops an empty or toy key in code.
    if (this.key.length < 16) throw new WeakHashKeyError()
    this.keyId = createHmac('sha256', this.key).update(KEY_ID_LABEL).digest().subarray(0, 6).toString('base64url')
  }

  hash (secret: string): string {
    const salt = randomBytes(SALT_LENGTH)
    return [SECRET_HASH_SCHEME, this.keyId, salt.toString('base64url'), this.mac(salt, secret).toString('base64url')].join('$')
  }

  /** True when `stored` is an hmac-sha256 hash made with this key; anything else is due to be replaced. */
  isCurrent (stored: string): boolean {
    return secretHashKeyId(stored) === this.keyId
  }

  /**
   * Constant-time check of a presented secret against a stored hash. A
   * malformed hash, or one made under another key, never matches and never
   * throws.
   */
  async verify (secret: string, stored: string): Promise<boolean> {
    if (secretHashScheme(stored) === LEGACY_SECRET_HASH_SCHEME) return await verifyScryptHash(secret, stored)
    return this.verifyNow(secret, stored)
  }

  /** verify() for hmac-sha256 hashes, without a turn of the event loop; false for any other. */
  verifyNow (secret: string, stored: string): boolean {
    const parts = stored.split('$')
    if (parts.length !== 4 || parts[0] !== SECRET_HASH_SCHEME || parts[1] !== this.keyId) return false
    const salt = Buffer.from(parts[2]!, 'base64url')
    const expected = Buffer.from(parts[3]!, 'base64url')
    if (salt.length !== SALT_LENGTH || expected.length !== MAC_LENGTH) return false
    return timingSafeEqual(this.mac(salt, secret), expected)
  }

  private mac (salt: Buffer, secret: string): Buffer {
    return createHmac('sha256', this.key).update(salt).update(secret, 'utf8').digest()
  }
}

// --- the legacy scheme: verified until every secret hashed with it is issued again ---

const SCRYPT_COST = { N: 4096, r: 8, p: 1 }
const SCRYPT_KEY_LENGTH = 32

function scryptAsync (secret: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, SCRYPT_KEY_LENGTH, { ...options, maxmem: 64 * 1024 * 1024 }, (err, key) => {
      if (err) reject(err)
      else resolve(key)
    })
  })
}

/**
 * A hash in the legacy scrypt scheme (scrypt$N$r$p$salt$hash). Nothing
 * issues these any more; tests and benchmarks make them to show that
 * credentials files written before the hmac-sha256 scheme keep working.
 */
export async function legacyScryptHash (secret: string, cost = SCRYPT_COST): Promise<string> {
  const salt = randomBytes(16)
  const key = await scryptAsync(secret, salt, cost)
  return [LEGACY_SECRET_HASH_SCHEME, cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$')
}

async function verifyScryptHash (secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== LEGACY_SECRET_HASH_SCHEME) return false
  const [N, r, p] = parts.slice(1, 4).map(Number)
  if (!Number.isInteger(N) || !Number.isInteger(r) || !Number.isInteger(p)) return false
  const salt = Buffer.from(parts[4]!, 'base64url')
  const expected = Buffer.from(parts[5]!, 'base64url')
  if (expected.length !== SCRYPT_KEY_LENGTH) return false
  try {
    const actual = await scryptAsync(secret, salt, { N: N!, r: r!, p: p! })
    return timingSafeEqual(actual, expected)
  } catch {
    // Parameters scrypt refuses (N not a power of two, memory over maxmem) are a malformed hash.
    return false
  }
}
