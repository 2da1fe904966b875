import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

const MB = 1024 * 1024

export interface MemoryFigures {
  rssMB: number
  heapUsedMB: number
}

// npm run bench starts node without --expose-gc; the flag can still be set at
// run time, and a fresh context then sees the gc function.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** Full collection, so heap figures compare live objects rather than garbage. */
export function collectGarbage (): void {
  gc()
  gc()
}

export function memoryNow (options: { collect?: boolean } = {}): MemoryFigures {
  if (options.collect === true) collectGarbage()
  const usage = process.memoryUsage()
  return { rssMB: usage.rss / MB, heapUsedMB: usage.heapUsed / MB }
}

/** Samples RSS and heap while a benchmark runs and keeps the peaks. */
export class MemoryPeaks {
  private timer: NodeJS.Timeout | undefined
  peak: MemoryFigures = memoryNow()

  start (intervalMs = 50): this {
    this.timer = setInterval(() => this.sample(), intervalMs)
    return this
  }

  stop (): MemoryFigures {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.sample()
    return this.peak
  }

  private sample (): void {
    const now = memoryNow()
    this.peak = { rssMB: Math.max(this.peak.rssMB, now.rssMB), heapUsedMB: Math.max(this.peak.heapUsedMB, now.heapUsedMB) }
  }
}
