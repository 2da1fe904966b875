import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import type { Clock } from '@aed/core/time'
import { ApiRoleSchema, type ApiPrincipal, type ApiRole, type TokenVerifier } from '../http/api-auth.ts'
import { replaceFileDurably } from '@aed/core/durable-file'
import type { Unit } from '../unit.ts'

/** The issued tokens' file, in DATA_DIR. */
export const API_TOKENS_FILE = 'api-tokens.json'

/** Names the bootstrap token and the monitor itself go by in fields such as acknowledgedBy. */
const RESERVED_NAMES = ['admin', 'system']

export const TokenNameSchema = z.string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lowercase letters, digits, ".", "_" and "-", at most 64, starting with a letter or digit')
  .refine(name => !RESERVED_NAMES.includes(name), `${RESERVED_NAMES.join(' and ')} are reserved`)
  .describe('Who uses the token; shown as acknowledgedBy, resolvedBy and in the audit trail')

/** An issued token as the file holds it: the token itself only as its SHA-256 digest. */
const StoredTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: ApiRoleSchema,
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.iso.datetime(),
  createdBy: z.string(),
  expiresAt: z.iso.datetime().nullable(),
  lastUsedAt: z.iso.datetime().nullable()
})
type StoredToken = z.infer<typeof StoredTokenSchema>

const TokenFileSchema = z.object({ version: z.literal(1), tokens: z.array(StoredTokenSchema) })

/** What the API shows of a token: everything but its digest. */
export const TokenListingSchema = StoredTokenSchema.omit({ sha256: true })
export type TokenListing = z.infer<typeof TokenListingSchema>

export interface TokenRequest {
  name: string
  role: ApiRole
  /** Without it the token lasts until it is revoked. */
  expiresInDays?: number | undefined
  /** The principal issuing it. */
  by: string
}

/** What the token routes may do with issued tokens. */
export interface TokenRegistry {
  issue (request: TokenRequest): Promise<{ token: string, listing: TokenListing }>
  list (): TokenListing[]
  /** Resolves once the token is refused and the file no longer holds it; undefined for an unknown id. */
  revoke (id: string): Promise<TokenListing | undefined>
}

export class TokenFileError extends Error {
  constructor (readonly file: string, reason: string, options?: ErrorOptions) {
    super(`API token file ${file}: ${reason}`, options)
    this.name = 'TokenFileError'
  }
}

export class TokenLimitError extends Error {
  constructor (readonly limit: number) {
    super(`at most ${limit} API tokens; revoke one first`)
    this.name = 'TokenLimitError'
  }
}

/**
 * API tokens issued through the API, kept in one JSON file (mode 0600)
 * replaced atomically on every change. A token is a random 256-bit value;
 * only its SHA-256 digest is stored. A fast hash is enough here: a slow one
 * (scrypt, as for cabinet secrets) protects guessable passwords, but no
 * amount of hashing makes 2^256 guesses cheaper or dearer, and a fast digest
 * lets every request be checked without a costly hash (which would also
 * hand anyone sending bogus tokens a way to load the CPU).
 *
 * Issuing and revoking are answered only once the file on disk says so;
 * a revoked token is refused from that moment. The time a token was last
 * used is kept in memory and written with the next change and at stop().
 */
export class IssuedTokens implements Unit, TokenVerifier, TokenRegistry {
  readonly name = 'api-tokens'
  private tokens: StoredToken[] = []
  private changes: Promise<void> = Promise.resolve()
  private lastUsedUnwritten = false

  constructor (readonly path: string, private readonly clock: Clock, private readonly limit = 500) {}

  async start (): Promise<void> {
    this.tokens = await this.read()
  }

  async stop (): Promise<void> {
    if (this.lastUsedUnwritten) await this.change(tokens => tokens)
    await this.changes
  }

  find (token: string): ApiPrincipal | undefined {
    const wanted = digest(token)
    let found: StoredToken | undefined
    for (const stored of this.tokens) {
      if (timingSafeEqual(Buffer.from(stored.sha256, 'hex'), wanted)) found = stored
    }
    const now = this.clock.now()
    if (found === undefined || (found.expiresAt !== null && Date.parse(found.expiresAt) <= now)) return undefined
    found.lastUsedAt = new Date(now).toISOString()
    this.lastUsedUnwritten = true
    return { name: found.name, role: found.role, tokenId: found.id }
  }

  async issue ({ name, role, expiresInDays, by }: TokenRequest): Promise<{ token: string, listing: TokenListing }> {
    const token = randomBytes(32).toString('base64url')
    const now = this.clock.now()
    const stored: StoredToken = {
      id: this.newId(),
      name,
      role,
      sha256: digest(token).toString('hex'),
      createdAt: new Date(now).toISOString(),
      createdBy: by,
      expiresAt: expiresInDays === undefined ? null : new Date(now + expiresInDays * 86_400_000).toISOString(),
      lastUsedAt: null
    }
    await this.change(tokens => {
      if (tokens.length >= this.limit) throw new TokenLimitError(this.limit)
      return [...tokens, stored]
    })
    return { token, listing: listing(stored) }
  }

  list (): TokenListing[] {
    return this.tokens.map(listing)
  }

  async revoke (id: string): Promise<TokenListing | undefined> {
    let revoked: StoredToken | undefined
    await this.change(tokens => {
      revoked = tokens.find(t => t.id === id)
      return revoked === undefined ? tokens : tokens.filter(t => t !== revoked)
    })
    return revoked === undefined ? undefined : listing(revoked)
  }

  /** Changes one at a time: the new list is on disk before it is in force. */
  private change (next: (tokens: StoredToken[]) => StoredToken[]): Promise<void> {
    const change = this.changes.then(async () => {
      const tokens = next(this.tokens)
      if (tokens === this.tokens && !this.lastUsedUnwritten) return
      const lastUsedUnwritten = this.lastUsedUnwritten
      this.lastUsedUnwritten = false
      try {
        await replaceFileDurably(this.path, JSON.stringify({ version: 1, tokens }, null, 2) + '\n')
      } catch (err) {
        this.lastUsedUnwritten ||= lastUsedUnwritten
        throw new TokenFileError(this.path, 'cannot be written', { cause: err })
      }
      this.tokens = tokens
    })
    this.changes = change.catch(() => undefined)
    return change
  }

  private newId (): string {
    for (;;) {
      const id = randomBytes(9).toString('base64url')
      if (!this.tokens.some(t => t.id === id)) return id
    }
  }

  private async read (): Promise<StoredToken[]> {
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw new TokenFileError(this.path, 'cannot be read', { cause: err })
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (err) {
      throw new TokenFileError(this.path, 'not JSON', { cause: err })
    }
    const result = TokenFileSchema.safeParse(parsed)
    if (!result.success) throw new TokenFileError(this.path, result.error.issues.map(i => `${i.path.join('.')}: ${i.message}`).join('; '))
    return result.data.tokens
  }
}

function digest (token: string): Buffer {
  return createHash('sha256').update(token).digest()
}

function listing ({ sha256: _digest, ...rest }: StoredToken): TokenListing {
  return rest
}
