import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { promisify } from 'node:util'

/**
 * What Linux says about other processes: resident memory and CPU time from
 * /proc/PID, established connections from ss. For benchmarks that run the
 * system as separate processes and cannot ask each one over IPC.
 */

const run = promisify(execFile)
/** USER_HZ: utime and stime in /proc/PID/stat count these per second (100 on every Linux this runs on). */
const TICKS_PER_S = 100

/** VmRSS of a process, MB; NaN once it is gone. */
export async function residentMB (pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8')
    const match = /^VmRSS:\s+(\d+) kB/m.exec(status)
    return match === null ? NaN : Number(match[1]) / 1024
  } catch {
    return NaN
  }
}

/** utime + stime of a process, seconds; NaN once it is gone. */
export async function cpuSeconds (pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces: count fields from after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S
  } catch {
    return NaN
  }
}

/** CPU each process used over `windowMs`, as % of one core. */
export async function cpuPercent (pids: Record<string, number>, windowMs: number): Promise<Record<string, number>> {
  const names = Object.keys(pids)
  const before = await Promise.all(names.map(name => cpuSeconds(pids[name]!)))
  const t0 = performance.now()
  await new Promise(resolve => setTimeout(resolve, windowMs))
  const after = await Promise.all(names.map(name => cpuSeconds(pids[name]!)))
  const elapsedS = (performance.now() - t0) / 1000
  return Object.fromEntries(names.map((name, i) => [name, (after[i]! - before[i]!) / elapsedS * 100]))
}

/** Established TCP connections whose local port is `port` (the server's end), on this machine. */
export async function establishedTo (port: number): Promise<number> {
  const { stdout } = await run('ss', ['-Htn', 'state', 'established', `( sport = :${port} )`], { maxBuffer: 256 * 1024 * 1024 })
  let lines = 0
  for (let i = stdout.indexOf('\n'); i !== -1; i = stdout.indexOf('\n', i + 1)) lines++
  return lines
}
