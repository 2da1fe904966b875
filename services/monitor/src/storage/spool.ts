import { mkdir, open, readdir, readFile, unlink, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'

export interface SpoolOptions {
  /** Directory of the segment files. */
  dir: string
  /** A segment is sealed (and a new one started) once it holds this many bytes. */
  segmentBytes: number
}

interface Segment {
  id: number
  path: string
  /** Open for appending while the segment is current; undefined for a segment left by a previous run. */
  handle: Promise<FileHandle> | undefined
  lines: number
  bytes: number
  /** Lines InfluxDB has taken. */
  written: number
  sealed: boolean
}

interface Group {
  promise: Promise<void>
  resolve: () => void
  reject: (err: Error) => void
}

/** One line of the spool, as replayed at start-up. */
export interface SpooledLine {
  line: string
  segment: number
}

const SEGMENT_NAME = /^segment-(\d{9})\.lines$/

export class SpoolError extends Error {
  constructor (readonly path: string, reason: string, options?: ErrorOptions) {
    super(`spool ${path}: ${reason}`, options)
    this.name = 'SpoolError'
  }
}

/**
 * The write-ahead spool of the InfluxDB writer: every line is appended to a
 * segment file on disk before anything is acknowledged, so a crash loses
 * nothing that was acknowledged. Appends are grouped: all lines appended
 * while one write is being synced go out in the next write, with one
 * fdatasync for the group (group commit). A segment is deleted once it is
 * sealed and InfluxDB has taken all its lines; at start-up the remaining
 * segments are replayed in order (InfluxDB overwrites a point written twice,
 * so replaying lines already written is harmless).
 */
export class Spool {
  private readonly segments: Segment[] = []
  private current: Segment | undefined
  private pending: string[] = []
  private pendingGroup: Group | undefined
  private syncing: Promise<void> | undefined
  private commitScheduled = false
  private nextId = 1
  /** Bytes in segments not yet deleted. */
  bytes = 0
  /** Group commits (fdatasync calls) since start. */
  commits = 0

  constructor (private readonly options: SpoolOptions) {}

  /** Opens the spool and returns the lines left by the previous run, oldest first. */
  async open (): Promise<SpooledLine[]> {
    await mkdir(this.options.dir, { recursive: true })
    const names = (await readdir(this.options.dir)).filter(name => SEGMENT_NAME.test(name)).sort()
    const replay: SpooledLine[] = []
    for (const name of names) {
      const id = Number(SEGMENT_NAME.exec(name)![1])
      const path = join(this.options.dir, name)
      const text = await readFile(path, 'utf8')
      // A crash may have torn the last line: only lines ended by a newline were synced whole.
      const lines = text.split('\n').slice(0, -1).filter(line => line !== '')
      for (const line of lines) replay.push({ line, segment: id })
      this.segments.push({ id, path, handle: undefined, lines: lines.length, bytes: Buffer.byteLength(text), written: 0, sealed: true })
      this.bytes += Buffer.byteLength(text)
      this.nextId = Math.max(this.nextId, id + 1)
    }
    for (const segment of [...this.segments]) {
      if (segment.lines === 0) await this.remove(segment)
    }
    this.startSegment()
    await this.current!.handle
    return replay
  }

  /** Appends a line; returns the id of the segment it went to. Durable once `durable()` resolves. */
  append (line: string): number {
    const segment = this.current
    if (segment === undefined) throw new SpoolError(this.options.dir, 'not open')
    const entry = line + '\n'
    this.pending.push(entry)
    const size = Buffer.byteLength(entry)
    segment.lines++
    segment.bytes += size
    this.bytes += size
    this.pendingGroup ??= deferred()
    if (!this.commitScheduled) {
      // Everything appended in this turn of the event loop goes out together; what comes while it syncs, in the next write.
      this.commitScheduled = true
      queueMicrotask(() => { void this.commit() })
    }
    return segment.id
  }

  /** Resolves once every line appended so far is synced to disk; rejects if writing them failed. */
  durable (): Promise<void> {
    if (this.pendingGroup !== undefined) return this.pendingGroup.promise
    return this.syncing ?? Promise.resolve()
  }

  /** InfluxDB has taken `count` more lines of segment `id`. */
  markWritten (id: number, count: number): void {
    const segment = this.segments.find(s => s.id === id)
    if (segment === undefined) return
    segment.written += count
    if (segment.sealed && segment.written >= segment.lines) void this.remove(segment)
  }

  /** Syncs what is pending and closes the current segment. */
  async close (): Promise<void> {
    await this.commit()
    await this.syncing?.catch(() => undefined)
    const handle = await this.current?.handle?.catch(() => undefined)
    await handle?.close()
    this.current = undefined
  }

  private async commit (): Promise<void> {
    this.commitScheduled = false
    if (this.syncing !== undefined) {
      // The group after the one being synced goes out when that sync is done.
      await this.syncing.catch(() => undefined)
      if (this.syncing !== undefined) return
    }
    const group = this.pendingGroup
    const segment = this.current
    if (group === undefined || segment === undefined) return
    const data = this.pending.join('')
    this.pending = []
    this.pendingGroup = undefined
    // Every line appended from here on belongs to the next segment, written to its own file.
    if (segment.bytes >= this.options.segmentBytes) this.startSegment()
    this.syncing = (async () => {
      const handle = await segment.handle
      if (handle === undefined) throw new SpoolError(segment.path, 'not open for appending')
      await handle.write(data)
      await handle.datasync()
      this.commits++
      if (segment !== this.current) {
        segment.sealed = true
        segment.handle = undefined
        await handle.close()
        if (segment.written >= segment.lines) await this.remove(segment)
      }
    })()
    try {
      await this.syncing
      group.resolve()
    } catch (err) {
      group.reject(new SpoolError(segment.path, 'writing lines failed', { cause: err }))
    } finally {
      this.syncing = undefined
    }
    if (this.pendingGroup !== undefined && !this.commitScheduled) await this.commit()
  }

  private startSegment (): void {
    const id = this.nextId++
    const path = join(this.options.dir, `segment-${String(id).padStart(9, '0')}.lines`)
    const handle = open(path, 'a')
    handle.catch(() => undefined)
    this.current = { id, path, handle, lines: 0, bytes: 0, written: 0, sealed: false }
    this.segments.push(this.current)
  }

  private async remove (segment: Segment): Promise<void> {
    const at = this.segments.indexOf(segment)
    if (at < 0) return
    this.segments.splice(at, 1)
    this.bytes -= segment.bytes
    await unlink(segment.path).catch(() => undefined)
  }
}

function deferred (): Group {
  let resolve!: () => void
  let reject!: (err: Error) => void
  const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej })
  // A failed group is also reported to whoever awaits it; never an unhandled rejection.
  promise.catch(() => undefined)
  return { promise, resolve, reject }
}
