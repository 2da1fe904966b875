/**
 * Time as the services see it. Anything whose behaviour depends on time
 * reads the clock and sets timers through the scheduler it is given, so
 * tests move time by hand instead of sleeping.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now (): number
}

/** A timer set through a Scheduler; pass it back to cancel it. */
export interface ScheduledTimer {
  /** For timers on the real clock: let the process exit while it is pending. */
  unref? (): void
}

export interface Scheduler {
  /** Runs `fn` once, `ms` from now. */
  setTimeout (fn: () => void, ms: number): ScheduledTimer
  /** Runs `fn` every `ms` until cleared. */
  setInterval (fn: () => void, ms: number): ScheduledTimer
  clear (timer: ScheduledTimer | undefined): void
}

/** A clock and a scheduler on the same time line. */
export interface Time extends Clock, Scheduler {}

export const systemTime: Time = {
  now: () => Date.now(),
  setTimeout (fn, ms) {
    const timer = setTimeout(fn, ms)
    // Pending timers never hold a service open; stop() clears them.
    timer.unref()
    return timer
  },
  setInterval (fn, ms) {
    const timer = setInterval(fn, ms)
    timer.unref()
    return timer
  },
  clear (timer) {
    if (timer !== undefined) clearTimeout(timer as NodeJS.Timeout)
  }
}

/** Waits `ms` on the scheduler; rejects with the signal's reason when aborted. */
export function sleep (scheduler: Scheduler, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason as Error)
      return
    }
    const onAbort = (): void => {
      scheduler.clear(timer)
      reject(signal?.reason as Error)
    }
    const timer = scheduler.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
