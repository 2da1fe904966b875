import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { freePort } from './private-influxd.ts'

/** A redis-server of our own: loopback, a free port, its own directory, gone after stop(). */
export interface PrivateRedis {
  url: string
  port: number
  /** The redis-server process now (a new one after resume()), to read its memory and CPU time. */
  readonly pid: number
  /** Stops the server (it writes its data out), for an outage; resume() starts it again. */
  pause (): Promise<void>
  /** Starts it again on the same port with the same data. */
  resume (): Promise<void>
  stop (): Promise<void>
}

export function findRedisServer (): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'redis-server')
    if (dir !== '' && existsSync(candidate)) return candidate
  }
  return undefined
}

/**
 * Starts redis-server (Debian's redis-server package) on 127.0.0.1 with no
 * configuration file: no snapshots, an append-only file in a temporary
 * directory, and waits until it answers PING.
 */
export async function startPrivateRedis (binary = findRedisServer()): Promise<PrivateRedis> {
  if (binary === undefined) throw new Error('redis-server is not on PATH (Debian: apt-get install redis-server)')
  const dir = await mkdtemp(join(tmpdir(), 'aed-redis-'))
  const port = await freePort()
  let child: ChildProcess
  try {
    child = await runRedis(binary, port, dir)
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid () { return child.pid ?? -1 },
    pause: () => stopChild(child),
    async resume () { child = await runRedis(binary, port, dir) },
    async stop () {
      await stopChild(child)
      await rm(dir, { recursive: true, force: true })
    }
  }
}

async function runRedis (binary: string, port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(binary, [
    '--bind', '127.0.0.1', '--port', String(port), '--dir', dir,
    '--save', '', '--appendonly', 'yes', '--daemonize', 'no', '--logfile', ''
  ], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const keep = (chunk: Buffer): void => { output = (output + chunk.toString()).slice(-4000) }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  try {
    await waitForPong(port, child, () => output)
  } catch (err) {
    child.kill('SIGKILL')
    throw err
  }
  return child
}

function ping (port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = connect(port, '127.0.0.1')
    let reply = ''
    socket.setTimeout(5000, () => { socket.destroy(); resolve(false) })
    socket.on('error', () => resolve(false))
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', chunk => {
      reply += chunk.toString()
      if (reply.includes('\r\n')) { socket.end(); resolve(reply.startsWith('+PONG')) }
    })
  })
}

async function waitForPong (port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${output()}`)
    if (await ping(port)) return
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  throw new Error(`redis-server did not answer on port ${port} within 30 s: ${output()}`)
}

function stopChild (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise(resolve => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    child.once('exit', () => { clearTimeout(timer); resolve() })
    child.kill('SIGTERM')
  })
}
