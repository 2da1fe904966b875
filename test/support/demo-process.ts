import { spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { waitFor } from '@aed/testkit/wait-for'

const RUN_DEMO = fileURLToPath(new URL('../../infra/demo/run-demo.ts', import.meta.url))
const REPOSITORY = fileURLToPath(new URL('../..', import.meta.url))

/** The last line of the demo's banner: it is ready for commands. */
const READY = 'Ctrl-C (or "quit") stops everything'

/**
 * `npm run demo` as a newcomer runs it, in a process of its own (node with
 * tsx, no npm in between, so that its pid is the demo's), with its own
 * DEMO_DIR and ports so that tests run side by side.
 */
export interface DemoProcess {
  readonly pid: number
  readonly child: ChildProcess
  stdout (): string
  stderr (): string
  /** Resolves with the exit code once the demo has exited. */
  readonly exited: Promise<number | null>
  /** Waits for the banner; fails with the output if the demo exits first. */
  ready (): Promise<DemoBanner>
  send (line: string): void
}

export interface DemoBanner {
  api: string
  token: string
  influxdPid: number | undefined
}

export function startDemo (env: Record<string, string>, args: string[] = []): DemoProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', RUN_DEMO, ...args], {
    cwd: REPOSITORY,
    // Only what the demo reads from the test, not what the test runner's environment sets.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['pipe', 'pipe', 'pipe']
  })
  let out = ''
  let err = ''
  child.stdout!.on('data', (chunk: Buffer) => { out += chunk.toString() })
  child.stderr!.on('data', (chunk: Buffer) => { err += chunk.toString() })
  const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)))
  let exitCode: number | null | undefined
  void exited.then(code => { exitCode = code })
  return {
    pid: child.pid!,
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async ready () {
      await waitFor(() => out.includes(READY) || exitCode !== undefined, 'the demo banner', 120_000)
      if (!out.includes(READY)) throw new Error(`the demo exited with ${String(exitCode)} before it was ready:\n${out}\n${err}`)
      const api = /API\s+(http:\/\/\S+)\s+\(bearer token: (\S+)\)/.exec(out)
      const influxd = /private influxd, pid (\d+)/.exec(out)
      if (api === null) throw new Error(`no API line in the banner:\n${out}`)
      return { api: api[1]!, token: api[2]!, influxdPid: influxd === null ? undefined : Number(influxd[1]) }
    },
    send (line) {
      child.stdin!.write(line + '\n')
    }
  }
}

/** Pids of the processes whose command line mentions `text` (a demo directory): what a demo left running. */
export function processesMentioning (text: string): number[] {
  const found: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) found.push(Number(entry))
    } catch { /* exited meanwhile */ }
  }
  return found
}

export function isRunning (pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  // A zombie has exited; it waits only for its parent to collect it.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

/** The lines a failed start printed, without blank ones. */
export function linesOf (text: string): string[] {
  return text.split('\n').filter(line => line.trim() !== '')
}
