import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { waitFor } from '@aed/testkit/wait-for'

const SERVER = fileURLToPath(new URL('../../services/monitor/src/server.ts', import.meta.url))

/**
 * The monitor as operators run it: its own process, started from its entry
 * point with an environment, so a test can kill -9 it, SIGTERM it and start
 * it again on the same data directory.
 */
export interface MonitorProcess {
  readonly pid: number | undefined
  /** The API's base URL once it listens. */
  readonly url: string
  /** kill -9: no shutdown code runs. */
  kill (): Promise<void>
  /** SIGTERM; resolves with the exit code once the process has exited. */
  terminate (): Promise<number | null>
  /** Starts it again with the same environment. */
  restart (): Promise<void>
}

export async function startMonitorProcess (env: Record<string, string>): Promise<MonitorProcess> {
  let child: ChildProcess
  let url = ''
  const launch = async (): Promise<void> => {
    url = ''
    child = spawn(process.execPath, ['--import', 'tsx', SERVER], {
      // Info level at least: the "monitor listening" line says where the API is.
      env: { ...process.env, ...env, LOG_LEVEL: env.LOG_LEVEL === undefined || ['warn', 'error', 'fatal', 'silent'].includes(env.LOG_LEVEL) ? 'info' : env.LOG_LEVEL },
      stdio: ['ignore', 'pipe', 'inherit']
    })
    let partial = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) {
        if (!line.includes('monitor listening')) continue
        try {
          const entry = JSON.parse(line) as { msg?: string, url?: string }
          if (entry.msg === 'monitor listening' && entry.url !== undefined) url = entry.url
        } catch {}
      }
    })
    await waitFor(() => url !== '' || child.exitCode !== null, 'the monitor process listening', 60_000)
    if (url === '') throw new Error(`the monitor process exited with code ${child.exitCode} before listening`)
  }
  const exited = (): Promise<number | null> => child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise(resolve => child.once('exit', code => resolve(code)))
  await launch()
  return {
    get pid () { return child.pid },
    get url () { return url },
    async kill () {
      const done = exited()
      child.kill('SIGKILL')
      await done
    },
    async terminate () {
      const done = exited()
      child.kill('SIGTERM')
      return await done
    },
    restart: launch
  }
}
