import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { zeroCounts, type LeanCounts } from './lean-cabinet.ts'
import type { CabinetCredentials, LeanFleetSettings } from './lean-fleet.ts'
import type { LeanFleetReply, LeanFleetRequest } from './lean-fleet-process.ts'

const ENTRY = fileURLToPath(new URL('./lean-fleet-process.ts', import.meta.url))

/**
 * Cabinets one process may run: each is a socket, and a process may hold at
 * most `ulimit -n` open files (20,000 on the machines this runs on). The
 * rest is kept for everything else a Node process opens.
 */
export const MAX_CABINETS_PER_PROCESS = 18_000

/**
 * Ephemeral ports one source address has towards one broker address and
 * port (Linux: net.ipv4.ip_local_port_range, 32768–60999 by default), less
 * a margin for connections still in TIME_WAIT after a reconnect storm.
 */
export const CABINETS_PER_SOURCE_ADDRESS = 25_000

/** `count` loopback source addresses from 127.0.0.2 on; Linux answers on all of 127.0.0.0/8. */
export function loopbackSourceAddresses (count: number): string[] {
  if (count > 65_000) throw new Error('more loopback source addresses than 127.0.x.y offers')
  return Array.from({ length: count }, (_, i) => {
    const n = i + 2
    return `127.0.${Math.floor(n / 256)}.${n % 256}`
  })
}

export interface LeanFleetProcessesOptions extends LeanFleetSettings {
  cabinets: readonly CabinetCredentials[]
  processes: number
}

export interface ProcessCounts {
  pid: number
  cabinets: number
  counts: LeanCounts
  rssMB: number
  heapUsedMB: number
}

export interface LeanFleetProcesses {
  readonly pids: number[]
  /** The counts of every process, summed, and each process's own. */
  counts (): Promise<{ total: LeanCounts, processes: ProcessCounts[] }>
  /** Resolves once `count` cabinets (default: all) are connected; rejects with the counts after `timeoutMs`. */
  waitUntilConnected (count?: number, timeoutMs?: number): Promise<void>
  stop (): Promise<void>
}

/**
 * A lean fleet spread over `processes` child processes, to pass the limit
 * on open files per process; the cabinets are dealt out in turn. Source
 * addresses are dealt out the same way, so that each process (and each
 * address) has its own range of ephemeral ports. With an address per
 * process or more, no two processes share one.
 */
export async function startLeanFleetProcesses (options: LeanFleetProcessesOptions): Promise<LeanFleetProcesses> {
  const { cabinets, processes, localAddresses, ...settings } = options
  if (!Number.isInteger(processes) || processes < 1) throw new Error('processes must be a positive integer')
  const perProcess = Math.ceil(cabinets.length / processes)
  if (perProcess > MAX_CABINETS_PER_PROCESS) {
    throw new Error(`${perProcess} cabinets per process is over ${MAX_CABINETS_PER_PROCESS} (open files): use at least ${Math.ceil(cabinets.length / MAX_CABINETS_PER_PROCESS)} processes`)
  }
  const children: Array<{ child: ChildProcess, cabinets: number }> = []
  try {
    for (let p = 0; p < processes; p++) {
      const slice = cabinets.filter((_, i) => i % processes === p)
      const addresses = addressesOf(p, processes, localAddresses)
      const child = fork(ENTRY, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
      children.push({ child, cabinets: slice.length })
      const started = reply(child, 'started', 60_000)
      child.send({ type: 'start', settings: { ...settings, localAddresses: addresses }, cabinets: slice } satisfies LeanFleetRequest)
      await started
    }
  } catch (err) {
    for (const { child } of children) child.kill('SIGKILL')
    throw err
  }

  const counts = async (): Promise<{ total: LeanCounts, processes: ProcessCounts[] }> => {
    const each = await Promise.all(children.map(async ({ child, cabinets }) => {
      const answer = reply(child, 'counts', 30_000)
      child.send({ type: 'counts' } satisfies LeanFleetRequest)
      const { counts, rssMB, heapUsedMB } = await answer
      return { pid: child.pid ?? -1, cabinets, counts, rssMB, heapUsedMB }
    }))
    const total = zeroCounts()
    for (const { counts } of each) for (const key of Object.keys(total) as Array<keyof LeanCounts>) total[key] += counts[key]
    return { total, processes: each }
  }

  return {
    pids: children.map(({ child }) => child.pid ?? -1),
    counts,
    async waitUntilConnected (count = cabinets.length, timeoutMs = 300_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const { total } = await counts()
        if (total.connected >= count) return
        if (Date.now() > deadline) throw new Error(`${total.connected} of ${count} cabinets connected after ${timeoutMs} ms: ${JSON.stringify(total)}`)
        await new Promise(resolve => setTimeout(resolve, 250))
      }
    },
    async stop () {
      await Promise.all(children.map(async ({ child }) => {
        if (child.exitCode !== null || !child.connected) return
        const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
        child.send({ type: 'stop' } satisfies LeanFleetRequest)
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
        await exited
        clearTimeout(timer)
      }))
    }
  }
}

/** Process p's share of the source addresses: every P-th, or one shared in turn when there are fewer than processes. */
function addressesOf (p: number, processes: number, addresses: string[] | undefined): string[] | undefined {
  if (addresses === undefined || addresses.length === 0) return undefined
  const own = addresses.filter((_, i) => i % processes === p)
  return own.length > 0 ? own : [addresses[p % addresses.length]!]
}

function reply<T extends LeanFleetReply['type']> (child: ChildProcess, type: T, timeoutMs: number): Promise<Extract<LeanFleetReply, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { cleanup(); reject(new Error(`lean fleet process ${child.pid}: no ${type} within ${timeoutMs} ms`)) }, timeoutMs)
    const onMessage = (message: LeanFleetReply): void => {
      if (message.type === 'failed') {
        cleanup()
        reject(new Error(`lean fleet process ${child.pid}: ${message.message}`))
      } else if (message.type === type) {
        cleanup()
        resolve(message as Extract<LeanFleetReply, { type: T }>)
      }
    }
    const onExit = (code: number | null): void => { cleanup(); reject(new Error(`lean fleet process ${child.pid} exited (code ${code}) before ${type}`)) }
    const cleanup = (): void => { clearTimeout(timer); child.off('message', onMessage); child.off('exit', onExit) }
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}
