import { readFileSync, unlinkSync } from 'node:fs'
import { readFile, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ActionableError } from '@aed/core/start-failure'

/**
 * One demo per data directory. Two would share the credentials file (the
 * second re-issues every secret and knocks the first monitor off its broker)
 * and start two influxd on one data directory. The lock file holds the
 * demo's pid and its child processes' pids: a lock whose demo is gone is
 * stale and taken over, after killing any child it left (a demo killed with
 * SIGKILL cannot stop its influxd).
 */
export const LOCK_FILE = 'demo.lock'

export class DemoAlreadyRunningError extends ActionableError {
  constructor (readonly pid: number, dir: string) {
    super(`another demo is already running (pid ${pid}) with its data in ${dir}: stop it with Ctrl-C in its terminal or "kill ${pid}", or give this one its own DEMO_DIR, PORT and MQTT_PORT`)
    this.name = 'DemoAlreadyRunningError'
  }
}

interface LockRecord { pid: number, startedAt: string, children: number[] }

export class DemoLock {
  private readonly children: number[] = []
  private constructor (private readonly file: string, private readonly record: LockRecord) {}

  /** Takes the lock of `dir`, or throws DemoAlreadyRunningError. */
  static async acquire (dir: string): Promise<DemoLock> {
    const file = join(dir, LOCK_FILE)
    const record: LockRecord = { pid: process.pid, startedAt: new Date().toISOString(), children: [] }
    // Two attempts: a stale lock is removed once; if another demo takes it in between, it is running.
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await writeFile(file, JSON.stringify(record) + '\n', { flag: 'wx' })
        return new DemoLock(file, record)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      }
      const held = await readLock(file)
      if (held !== undefined && held.pid !== process.pid && isDemoRunning(held.pid)) throw new DemoAlreadyRunningError(held.pid, dir)
      for (const child of held?.children ?? []) killLeftover(child, dir)
      await unlink(file).catch(err => { if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err })
    }
    const held = await readLock(file)
    throw new DemoAlreadyRunningError(held?.pid ?? 0, dir)
  }

  /** Notes a child process, so that a later demo can kill it if this one dies without stopping it. */
  async recordChild (pid: number): Promise<void> {
    this.children.push(pid)
    await writeFile(this.file, JSON.stringify({ ...this.record, children: this.children }) + '\n')
  }

  /** Synchronous, so that it can run in an 'exit' handler too. */
  release (): void {
    try {
      if (readLockSync(this.file)?.pid === process.pid) unlinkSync(this.file)
    } catch { /* already gone */ }
  }
}

async function readLock (file: string): Promise<LockRecord | undefined> {
  try {
    return parseLock(await readFile(file, 'utf8'))
  } catch {
    return undefined
  }
}

function readLockSync (file: string): LockRecord | undefined {
  return parseLock(readFileSync(file, 'utf8'))
}

// A lock that cannot be read (cut short by a crash while written) is stale.
function parseLock (text: string): LockRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockRecord>
    if (typeof value.pid !== 'number') return undefined
    return { pid: value.pid, startedAt: String(value.startedAt), children: Array.isArray(value.children) ? value.children.filter(n => typeof n === 'number') : [] }
  } catch {
    return undefined
  }
}

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Where /proc is there, a pid reused by another program is not taken for the demo. */
function commandLine (pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
  } catch {
    return undefined
  }
}

function isDemoRunning (pid: number): boolean {
  if (!isAlive(pid)) return false
  const command = commandLine(pid)
  return command === undefined || command.includes('run-demo')
}

// Only a process whose command line names this demo directory (influxd's
// config file lives in it) is ours to kill.
function killLeftover (pid: number, dir: string): void {
  if (!isAlive(pid) || commandLine(pid)?.includes(dir) !== true) return
  try {
    process.kill(pid, 'SIGKILL')
  } catch { /* gone meanwhile */ }
}
