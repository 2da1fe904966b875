import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Logger } from 'pino'
import { z } from 'zod'
import { systemTime, type Clock } from '@aed/core/time'
import type { Unit } from '../unit.ts'
import { AlertSchema, type Alert } from './alert.ts'

/**
 * What must survive a restart of the service, one JSON object per line:
 * every alert transition (as the alert's full state), every notification
 * that went out, and maintenance windows. On start-up the journal is
 * replayed and then compacted to what is still relevant.
 */
const JournalRecordSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('alert'), alert: AlertSchema }),
  z.object({
    t: z.literal('sent'),
    alertId: z.string(),
    /** The notification step, e.g. "opened:0", "escalated:1", "resolved". */
    step: z.string(),
    channel: z.string(),
    recipientId: z.string(),
    atMs: z.number()
  }),
  z.object({ t: z.literal('maintenance'), cabinetId: z.string(), untilMs: z.number().nullable(), endedMs: z.number().optional(), by: z.string(), atMs: z.number() })
])
export type JournalRecord = z.infer<typeof JournalRecordSchema>
export type SentRecord = Extract<JournalRecord, { t: 'sent' }>
export type MaintenanceRecord = Extract<JournalRecord, { t: 'maintenance' }>

export interface JournalState {
  alerts: Map<string, Alert>
  /** Keys `${alertId}|${step}|${channel}|${recipientId}` of notifications already sent. */
  sent: Set<string>
  sentRecords: SentRecord[]
  /** The last maintenance record per cabinet. */
  maintenance: Map<string, MaintenanceRecord>
  /** Lines that could not be read (a torn last write after a crash). */
  skippedLines: number
}

export function sentKey (alertId: string, step: string, channel: string, recipientId: string): string {
  return `${alertId}|${step}|${channel}|${recipientId}`
}

/** Resolved alerts older than this are left out when the journal is compacted. */
const KEEP_RESOLVED_MS = 7 * 86_400_000

export class AlertJournal implements Unit {
  readonly name = 'alert-journal'
  private handle: FileHandle | undefined
  private writes: Promise<void> = Promise.resolve()
  private replayed: JournalState | undefined

  constructor (readonly path: string, private readonly clock: Clock = systemTime, private readonly logger?: Logger) {}

  /** Replays and compacts the journal; what it held is then `restored`. */
  async start (): Promise<void> {
    this.replayed = await this.open(this.clock.now())
    if (this.replayed.skippedLines > 0) this.logger?.warn({ path: this.path, lines: this.replayed.skippedLines }, 'unreadable alert journal lines skipped')
  }

  stop (): Promise<void> {
    return this.close()
  }

  /** What the journal held at start(): open alerts, what was sent, maintenance windows. */
  get restored (): JournalState {
    if (this.replayed === undefined) throw new Error(`alert journal ${this.path} has not been started`)
    return this.replayed
  }

  /** Reads the journal, compacts it, and opens it for appending. */
  async open (nowMs: number): Promise<JournalState> {
    await mkdir(dirname(this.path), { recursive: true })
    const state = await this.replay()
    await this.compact(state, nowMs)
    this.handle = await open(this.path, 'a')
    return state
  }

  /**
   * Appends a record and syncs it to disk before resolving. Records are
   * written in call order; a failed write rejects its caller and does not
   * block the ones after it.
   */
  append (record: JournalRecord): Promise<void> {
    const line = JSON.stringify(record) + '\n'
    const write = this.writes.then(async () => {
      if (this.handle === undefined) throw new Error(`alert journal ${this.path} is not open`)
      await this.handle.write(line)
      await this.handle.datasync()
    })
    this.writes = write.catch(() => undefined)
    return write
  }

  /** Resolves once every record appended so far is on disk (or failed). */
  settled (): Promise<void> {
    return this.writes
  }

  async close (): Promise<void> {
    await this.writes
    await this.handle?.close()
    this.handle = undefined
  }

  private async replay (): Promise<JournalState> {
    const state: JournalState = { alerts: new Map(), sent: new Set(), sentRecords: [], maintenance: new Map(), skippedLines: 0 }
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return state
      throw err
    }
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue
      let parsed: unknown
      try { parsed = JSON.parse(line) } catch { state.skippedLines++; continue }
      const record = JournalRecordSchema.safeParse(parsed)
      if (!record.success) { state.skippedLines++; continue }
      const r = record.data
      if (r.t === 'alert') state.alerts.set(r.alert.id, r.alert)
      else if (r.t === 'sent') {
        state.sent.add(sentKey(r.alertId, r.step, r.channel, r.recipientId))
        state.sentRecords.push(r)
      } else state.maintenance.set(r.cabinetId, r)
    }
    return state
  }

  /** Rewrites the file with only what is still relevant, atomically. */
  private async compact (state: JournalState, nowMs: number): Promise<void> {
    const keep = new Set<string>()
    for (const alert of state.alerts.values()) {
      if (alert.status !== 'resolved' || nowMs - Date.parse(alert.resolvedAt ?? alert.updatedAt) < KEEP_RESOLVED_MS) keep.add(alert.id)
      else state.alerts.delete(alert.id)
    }
    // Records of digests (not alerts) are kept two days, so a restart the same day does not resend them.
    state.sentRecords = state.sentRecords.filter(r => keep.has(r.alertId) || nowMs - r.atMs < 2 * 86_400_000)
    state.sent = new Set(state.sentRecords.map(r => sentKey(r.alertId, r.step, r.channel, r.recipientId)))
    for (const [cabinetId, m] of state.maintenance) {
      if (m.endedMs !== undefined || (m.untilMs !== null && m.untilMs < nowMs)) state.maintenance.delete(cabinetId)
    }
    const lines = [
      ...[...state.alerts.values()].map(alert => ({ t: 'alert', alert })),
      ...state.sentRecords,
      ...state.maintenance.values()
    ].map(r => JSON.stringify(r) + '\n').join('')
    const tmp = `${this.path}.compact`
    const handle = await open(tmp, 'w')
    try {
      await handle.write(lines)
      await handle.datasync()
    } finally {
      await handle.close()
    }
    await rename(tmp, this.path)
  }
}
