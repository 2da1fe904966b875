import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { freePort } from './private-influxd.ts'

export type BrokerProcessMessage = { type: 'ready', port: number }

export interface BrokerProcessOptions {
  /** The broker's settings (BROKER_PERSISTENCE, BROKER_DATA_DIR, REDIS_URL…); CREDENTIALS_FILE at least. */
  env: Record<string, string>
  /** Defaults to a free one; pass the previous run's port to restart in its place. */
  port?: number
  /** Shortens Aedes' heartbeat, after 4 of which a dead broker's wills are published. */
  heartbeatIntervalMs?: number
}

/** The real broker in a child process on 127.0.0.1, to be killed or stopped. */
export interface BrokerProcess {
  url: string
  port: number
  /** The broker's process id, to read its memory and CPU time from /proc. */
  pid: number
  /** SIGKILL: the broker gets no chance to save or close anything. */
  kill (): Promise<void>
  /** SIGTERM: a clean stop. */
  stop (): Promise<void>
  /** Resolves once the broker has logged a line matching `pattern` (its LOG_LEVEL decides what it logs). */
  logged (pattern: RegExp): Promise<void>
  /** The end of what it has written, for a failure message. */
  output (): string
}

const ENTRY = fileURLToPath(new URL('./broker-process-entry.ts', import.meta.url))

export async function startBrokerProcess (options: BrokerProcessOptions): Promise<BrokerProcess> {
  const port = options.port ?? await freePort()
  const child = fork(ENTRY, options.heartbeatIntervalMs !== undefined ? [String(options.heartbeatIntervalMs)] : [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, LOG_LEVEL: 'warn', ...options.env, MQTT_HOST: '127.0.0.1', MQTT_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc']
  })
  let output = ''
  let lines: string[] = []
  let pending = ''
  const watchers: Array<{ pattern: RegExp, resolve: () => void }> = []
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-8000)
    const parts = (pending + chunk.toString()).split('\n')
    pending = parts.pop() ?? ''
    lines = [...lines, ...parts].slice(-1000)
    for (const watcher of [...watchers]) {
      if (parts.some(line => watcher.pattern.test(line))) {
        watchers.splice(watchers.indexOf(watcher), 1)
        watcher.resolve()
      }
    }
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  await ready(child, () => output)
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    await exited
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    pid: child.pid ?? -1,
    kill: () => end('SIGKILL'),
    logged: pattern => lines.some(line => pattern.test(line))
      ? Promise.resolve()
      : new Promise(resolve => watchers.push({ pattern, resolve })),
    output: () => output,
    async stop () {
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
      await end('SIGTERM')
      clearTimeout(timer)
    }
  }
}

function ready (child: ChildProcess, output: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { cleanup(); child.kill('SIGKILL'); reject(new Error(`broker process did not listen within 60 s: ${output()}`)) }, 60_000)
    const onMessage = (message: BrokerProcessMessage): void => {
      if (message.type !== 'ready') return
      cleanup()
      resolve()
    }
    const onExit = (code: number | null): void => { cleanup(); reject(new Error(`broker process exited (code ${code}) before listening: ${output()}`)) }
    const cleanup = (): void => { clearTimeout(timer); child.off('message', onMessage); child.off('exit', onExit) }
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}
