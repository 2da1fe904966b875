import { createReadStream } from 'node:fs'
import { mkdir, open, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import { createInterface } from 'node:readline'
import { z } from 'zod'
import type { Clock } from '@aed/core/time'
import { ApiRoleSchema } from '../http/api-auth.ts'
import { syncDirectory } from '@aed/core/durable-file'
import type { Unit } from '../unit.ts'

/** The audit trail's file, in DATA_DIR. */
export const AUDIT_LOG_FILE = 'audit.jsonl'

export const AuditActionSchema = z.enum([
  'alert.acknowledged', 'alert.resolved',
  'maintenance.started', 'maintenance.ended',
  'cabinet.secret_issued',
  'token.issued', 'token.revoked'
])

/**
 * One thing a person did, as the audit trail keeps it. It names who and
 * from where, and what was done to which subject; never a token or a secret.
 */
export const AuditEntrySchema = z.object({
  at: z.iso.datetime(),
  action: AuditActionSchema,
  by: z.string().describe('The API token\'s name, or the person an acknowledgement link was made for'),
  role: ApiRoleSchema.nullable().describe('The API token\'s role; null for an acknowledgement link'),
  tokenId: z.string().nullable().describe('The API token\'s id (bootstrap: AED_ADMIN_TOKEN); null for an acknowledgement link'),
  via: z.enum(['api', 'ack_link']),
  address: z.string().describe('The client\'s address'),
  userAgent: z.string().nullable(),
  subject: z.string().describe('The alert, cabinet or token acted on'),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
})
export type AuditEntry = z.infer<typeof AuditEntrySchema>
export type AuditEvent = Omit<AuditEntry, 'at'>

/** What the routes need of the audit trail. */
export interface AuditTrail {
  /** Resolves once the entry is on disk. */
  record (event: AuditEvent): Promise<void>
}

export interface AuditQuery {
  /** Entries at or after this time. */
  sinceMs?: number | undefined
  /** At most this many, the newest. */
  limit: number
}

/**
 * The audit trail: one JSON line per action, appended and synced to disk
 * before the action is answered, in the order recorded. It only grows (it
 * is the record; rotating or archiving it is the operator's decision).
 * Reading goes through the whole file but keeps only the newest `limit`
 * matching entries in memory; a line that cannot be read (a torn last
 * write after a crash) is skipped.
 */
export class AuditLog implements Unit, AuditTrail {
  readonly name = 'audit-log'
  private handle: FileHandle | undefined
  private writes: Promise<void> = Promise.resolve()

  constructor (readonly path: string, private readonly clock: Clock) {}

  async start (): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true })
    this.handle = await open(this.path, 'a+', 0o600)
    // A file just created must survive a power cut along with its first line.
    await syncDirectory(dirname(this.path))
    await this.endTornLine(this.handle)
  }

  /** A crash mid-write leaves a line without its newline: end it, so the next entry starts a line of its own. */
  private async endTornLine (handle: FileHandle): Promise<void> {
    const { size } = await handle.stat()
    if (size === 0) return
    const last = Buffer.alloc(1)
    await handle.read(last, 0, 1, size - 1)
    if (last[0] === 0x0a) return
    await handle.write('\n')
    await handle.datasync()
  }

  async stop (): Promise<void> {
    await this.writes
    await this.handle?.close()
    this.handle = undefined
  }

  record (event: AuditEvent): Promise<void> {
    const entry: AuditEntry = { at: new Date(this.clock.now()).toISOString(), ...event }
    const line = JSON.stringify(entry) + '\n'
    const write = this.writes.then(async () => {
      if (this.handle === undefined) throw new Error(`audit log ${this.path} is not open`)
      await this.handle.write(line)
      await this.handle.datasync()
    })
    this.writes = write.catch(() => undefined)
    return write
  }

  /** The newest entries first, after everything recorded so far is written. */
  async read ({ sinceMs, limit }: AuditQuery): Promise<AuditEntry[]> {
    await this.writes
    // A ring of the newest `limit` matching entries, oldest overwritten first.
    const ring: AuditEntry[] = []
    let matched = 0
    const lines = createInterface({ input: createReadStream(this.path, 'utf8'), crlfDelay: Infinity })
    for await (const line of lines) {
      if (line.trim() === '') continue
      let parsed: unknown
      try { parsed = JSON.parse(line) } catch { continue }
      const entry = AuditEntrySchema.safeParse(parsed)
      if (!entry.success) continue
      if (sinceMs !== undefined && Date.parse(entry.data.at) < sinceMs) continue
      ring[matched++ % limit] = entry.data
    }
    const start = matched > limit ? matched % limit : 0
    return [...ring.slice(start), ...ring.slice(0, start)].reverse()
  }
}
