import { systemTime, type ScheduledTimer, type Time } from '@aed/core/time'

/** What happened under one key (an address) during one window. */
export interface BurstSummary {
  key: string
  count: number
  /** How many times each reason was given. */
  reasons: Record<string, number>
  /** The first client ids named, at most MAX_NAMES. */
  clientIds: string[]
  firstAt: string
  lastAt: string
}

const MAX_NAMES = 10
const MAX_REASONS = 10
/** Keys with an open window; past this, events are summed under OTHER_KEYS so the log stays bounded too. */
const MAX_KEYS = 1000
export const OTHER_KEYS = 'other addresses'

interface OpenBurst {
  summary: BurstSummary
  timer: ScheduledTimer
}

/**
 * Turns a burst of like events (failed logins, refused connections) into
 * one line per key per window. The first event of a key opens its window;
 * the summary is written when the window ends, or at once by flush(). A
 * client that fails hundreds of times a minute thus costs one log line a
 * minute, and nothing it sends reaches the log but a few client ids.
 */
export class BurstLog {
  private readonly open = new Map<string, OpenBurst>()

  constructor (
    private readonly windowMs: number,
    private readonly write: (summary: BurstSummary) => void,
    private readonly time: Time = systemTime
  ) {}

  record (key: string, reason: string, clientId?: string): void {
    const burstKey = this.open.has(key) || this.open.size < MAX_KEYS ? key : OTHER_KEYS
    const now = new Date(this.time.now()).toISOString()
    let burst = this.open.get(burstKey)
    if (burst === undefined) {
      burst = {
        summary: { key: burstKey, count: 0, reasons: {}, clientIds: [], firstAt: now, lastAt: now },
        timer: this.time.setTimeout(() => this.end(burstKey), this.windowMs)
      }
      this.open.set(burstKey, burst)
    }
    const { summary } = burst
    summary.count++
    summary.lastAt = now
    if (Object.hasOwn(summary.reasons, reason) || Object.keys(summary.reasons).length < MAX_REASONS) {
      summary.reasons[reason] = (summary.reasons[reason] ?? 0) + 1
    }
    if (clientId !== undefined && summary.clientIds.length < MAX_NAMES && !summary.clientIds.includes(clientId)) {
      summary.clientIds.push(clientId)
    }
  }

  /** Writes every open summary now (at shutdown). */
  flush (): void {
    for (const key of [...this.open.keys()]) this.end(key)
  }

  private end (key: string): void {
    const burst = this.open.get(key)
    if (burst === undefined) return
    this.open.delete(key)
    this.time.clear(burst.timer)
    this.write(burst.summary)
  }
}
