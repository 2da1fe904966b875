import { readFile, stat } from 'node:fs/promises'
import { z } from 'zod'
import { replaceFileDurably } from '../durable-file.ts'
import { secretHashScheme } from './secret-hash.ts'

export const PrincipalRoleSchema = z.enum(['cabinet', 'service'])
export type PrincipalRole = z.infer<typeof PrincipalRoleSchema>

const PrincipalSchema = z.object({
  role: PrincipalRoleSchema,
  secretHash: z.string().refine(hash => secretHashScheme(hash) !== undefined, 'not an hmac-sha256$… or scrypt$… hash'),
  issuedAt: z.string()
})
export type Principal = z.infer<typeof PrincipalSchema> & { username: string }

const CredentialFileSchema = z.object({
  version: z.literal(1),
  principals: z.record(z.string(), PrincipalSchema)
})
type CredentialFileContent = z.infer<typeof CredentialFileSchema>

/** What the broker needs to authenticate a client. */
export interface CredentialLookup {
  find (username: string): Promise<Principal | undefined>
}

export class CredentialFileError extends Error {
  constructor (readonly file: string, reason: string, options?: ErrorOptions) {
    super(`credential file ${file}: ${reason}`, options)
    this.name = 'CredentialFileError'
  }
}

/** One principal to store with putAll(). */
export interface PrincipalEntry {
  username: string
  role: PrincipalRole
  secretHash: string
}

/**
 * Hashed MQTT credentials in one JSON file, shared by the service (which
 * issues them, the only writer) and the broker (which checks them). Writes
 * go to a temporary file that is synced and renamed over the old one, and
 * the directory is synced after the rename, so a reader never sees half a
 * file and a power cut leaves the old file or the new one; readers reload
 * when the file's mtime changes, so a new secret takes effect at the next
 * connect without a restart.
 */
export class CredentialFile implements CredentialLookup {
  private content: CredentialFileContent = { version: 1, principals: {} }
  private loadedMtimeMs = -1
  private writes: Promise<unknown> = Promise.resolve()
  /**
   * The reload under way: the connects that arrive while a large file is read
   * and validated wait for that one reload rather than each starting its own
   * (100,000 principals are about 15 MB of JSON, and a reconnecting fleet
   * asks hundreds of times at once).
   */
  private reloading: Promise<void> | undefined

  constructor (readonly path: string) {}

  async find (username: string): Promise<Principal | undefined> {
    await this.refresh()
    const principal = Object.hasOwn(this.content.principals, username) ? this.content.principals[username] : undefined
    return principal === undefined ? undefined : { username, ...principal }
  }

  async list (): Promise<Principal[]> {
    await this.refresh()
    return Object.entries(this.content.principals).map(([username, p]) => ({ username, ...p }))
  }

  /** Adds or replaces a principal; the previous secret stops working. */
  async put (username: string, role: PrincipalRole, secretHash: string, issuedAt = new Date()): Promise<void> {
    return await this.putAll([{ username, role, secretHash }], issuedAt)
  }

  /** put() for many principals in one rewrite of the file (provisioning a fleet). */
  async putAll (entries: Iterable<PrincipalEntry>, issuedAt = new Date()): Promise<void> {
    const write = this.writes.then(async () => {
      await this.refresh()
      for (const { username, role, secretHash } of entries) {
        this.content.principals[username] = { role, secretHash, issuedAt: issuedAt.toISOString() }
      }
      await this.persist()
    })
    this.writes = write.catch(() => undefined)
    return await write
  }

  private async persist (): Promise<void> {
    // Indented while small enough to read by hand; a national fleet's file is written compact.
    const indent = Object.keys(this.content.principals).length <= 1000 ? 2 : undefined
    await replaceFileDurably(this.path, JSON.stringify(this.content, null, indent) + '\n')
    this.loadedMtimeMs = (await stat(this.path)).mtimeMs
  }

  private async refresh (): Promise<void> {
    // After waiting, look again: the file may have changed since that reload read it.
    while (this.reloading !== undefined) await this.reloading.catch(() => undefined)
    const reload = this.reload()
    this.reloading = reload
    try {
      await reload
    } finally {
      if (this.reloading === reload) this.reloading = undefined
    }
  }

  private async reload (): Promise<void> {
    let mtimeMs: number
    try {
      mtimeMs = (await stat(this.path)).mtimeMs
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.content = { version: 1, principals: {} }
        this.loadedMtimeMs = -1
        return
      }
      throw new CredentialFileError(this.path, 'cannot stat', { cause: err })
    }
    if (mtimeMs === this.loadedMtimeMs) return
    const text = await readFile(this.path, 'utf8')
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (err) {
      throw new CredentialFileError(this.path, 'not JSON', { cause: err })
    }
    const result = CredentialFileSchema.safeParse(parsed)
    if (!result.success) throw new CredentialFileError(this.path, result.error.message)
    this.content = result.data
    this.loadedMtimeMs = mtimeMs
  }
}
