import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { existsSync } from 'node:fs'

/** An influxd of our own: its own data directory, free ports, gone after stop(). */
export interface PrivateInfluxd {
  url: string
  /** The influxd process now (a new one after resume()), for a host that must be sure it is gone (kill on exit). */
  readonly pid: number
  /**
   * Takes the server away for an outage: SIGTERM (`stop`, it shuts down
   * cleanly) or SIGKILL (`kill`, no shutdown code runs); resume() starts it again.
   */
  pause (how?: 'stop' | 'kill'): Promise<void>
  /** Starts it again on the same ports with the same data, once it answers /ping; nothing if it runs. */
  resume (): Promise<void>
  stop (): Promise<void>
}

export function findInfluxd (): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'influxd')
    if (dir !== '' && existsSync(candidate)) return candidate
  }
  return undefined
}

export function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => { typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port')) })
    })
  })
}

/**
 * Starts InfluxDB 1.x (Debian's influxdb package) on loopback with a
 * throw-away configuration and waits until /ping answers.
 */
export interface PrivateInfluxdOptions {
  dataDir?: string
  keepData?: boolean
  /**
   * Called as soon as influxd is spawned, before it answers: a host that is
   * stopped while influxd starts (Ctrl-C, an error elsewhere) can still kill it.
   */
  onSpawn?: (pid: number) => void
}

export async function startPrivateInfluxd (binary = findInfluxd(), options: PrivateInfluxdOptions = {}): Promise<PrivateInfluxd> {
  if (binary === undefined) throw new Error('influxd is not on PATH (Debian: apt-get install influxdb)')
  const dir = options.dataDir ?? await mkdtemp(join(tmpdir(), 'aed-influxd-'))
  const [httpPort, rpcPort] = [await freePort(), await freePort()]
  const config = join(dir, 'influxdb.conf')
  await writeFile(config, [
    'reporting-disabled = true',
    `bind-address = "127.0.0.1:${rpcPort}"`,
    '[meta]', `  dir = "${join(dir, 'meta')}"`,
    '[data]', `  dir = "${join(dir, 'data')}"`, `  wal-dir = "${join(dir, 'wal')}"`,
    '  query-log-enabled = false', '  index-version = "inmem"',
    '[http]', `  bind-address = "127.0.0.1:${httpPort}"`, '  log-enabled = false',
    '[monitor]', '  store-enabled = false',
    '[continuous_queries]', '  enabled = false',
    ''
  ].join('\n'))
  const url = `http://127.0.0.1:${httpPort}`
  let child: ChildProcess
  try {
    child = await runInfluxd(binary, config, url, options.onSpawn)
  } catch (err) {
    if (options.keepData !== true) await rm(dir, { recursive: true, force: true })
    throw err
  }
  return {
    url,
    get pid () { return child.pid! },
    async pause (how = 'stop') {
      if (how === 'stop') return stopChild(child)
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise(resolve => child.once('exit', resolve))
      child.kill('SIGKILL')
      await exited
    },
    async resume () {
      if (child.exitCode === null && child.signalCode === null) return
      child = await runInfluxd(binary, config, url, options.onSpawn)
    },
    async stop () {
      await stopChild(child)
      if (options.keepData !== true) await rm(dir, { recursive: true, force: true })
    }
  }
}

async function runInfluxd (binary: string, config: string, url: string, onSpawn?: (pid: number) => void): Promise<ChildProcess> {
  const child = spawn(binary, ['run', '-config', config], { stdio: ['ignore', 'ignore', 'pipe'] })
  if (child.pid !== undefined) onSpawn?.(child.pid)
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000) })
  try {
    await waitForPing(url, child, () => stderr)
  } catch (err) {
    child.kill('SIGKILL')
    throw err
  }
  return child
}

async function waitForPing (url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`influxd exited with ${child.exitCode}: ${stderr()}`)
    try {
      const res = await fetch(`${url}/ping`)
      if (res.status === 204) return
    } catch { /* not listening yet */ }
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  throw new Error(`influxd did not answer on ${url} within 30 s: ${stderr()}`)
}

function stopChild (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise(resolve => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    child.once('exit', () => { clearTimeout(timer); resolve() })
    child.kill('SIGTERM')
  })
}
