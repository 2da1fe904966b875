import type { ScheduledTimer, Time } from '@aed/core/time'

interface PendingTimer extends ScheduledTimer {
  dueMs: number
  /** Order of setting, so timers due at the same instant run in that order. */
  order: number
  everyMs: number | undefined
  fn: () => void
}

/**
 * A clock and scheduler that move only when a test says so. advance() runs
 * every timer that falls due, in time order, each at its own instant, and
 * lets promises and I/O callbacks settle between them, so work a timer
 * starts (a retry, an escalation) runs before the next one fires.
 */
export class ManualTime implements Time {
  private nowMs: number
  private readonly timers = new Set<PendingTimer>()
  private order = 0

  constructor (start: number | string | Date = '2026-03-02T09:00:00Z') {
    this.nowMs = typeof start === 'number' ? start : new Date(start).getTime()
  }

  now (): number {
    return this.nowMs
  }

  setTimeout (fn: () => void, ms: number): ScheduledTimer {
    return this.add(fn, ms, undefined)
  }

  setInterval (fn: () => void, ms: number): ScheduledTimer {
    return this.add(fn, ms, Math.max(1, ms))
  }

  clear (timer: ScheduledTimer | undefined): void {
    if (timer !== undefined) this.timers.delete(timer as PendingTimer)
  }

  /** Timers waiting to fire. */
  get pending (): number {
    return this.timers.size
  }

  /** Moves time forward by `ms`, firing what falls due on the way. */
  async advance (ms: number): Promise<void> {
    await this.advanceTo(this.nowMs + ms)
  }

  async advanceTo (targetMs: number): Promise<void> {
    await settle()
    for (;;) {
      const next = this.nextDue()
      if (next === undefined || next.dueMs > targetMs) break
      this.nowMs = Math.max(this.nowMs, next.dueMs)
      if (next.everyMs === undefined) this.timers.delete(next)
      else next.dueMs += next.everyMs
      next.fn()
      await settle()
    }
    this.nowMs = Math.max(this.nowMs, targetMs)
    await settle()
  }

  private add (fn: () => void, ms: number, everyMs: number | undefined): PendingTimer {
    const timer: PendingTimer = { dueMs: this.nowMs + Math.max(0, ms), order: this.order++, everyMs, fn }
    this.timers.add(timer)
    return timer
  }

  private nextDue (): PendingTimer | undefined {
    let next: PendingTimer | undefined
    for (const timer of this.timers) {
      if (next === undefined || timer.dueMs < next.dueMs || (timer.dueMs === next.dueMs && timer.order < next.order)) next = timer
    }
    return next
  }
}

/** Lets pending promise callbacks and already-arrived I/O run. */
async function settle (): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise(resolve => setImmediate(resolve))
}
