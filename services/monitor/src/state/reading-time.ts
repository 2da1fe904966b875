/**
 * When a reading was taken, as far as the monitor can trust the cabinet's
 * clock. The cabinet's `ts` is kept (a message queued while it was offline
 * is stored and shown at its true time), unless it lies more than the
 * tolerance ahead of the arrival: such a clock is wrong (a reading cannot
 * come from the future), and the arrival time is taken instead.
 */
export function readingTimeMs (ts: string | undefined, receivedAtMs: number, skewToleranceMs: number): number {
  if (ts === undefined) return receivedAtMs
  const at = Date.parse(ts)
  return at - receivedAtMs > skewToleranceMs ? receivedAtMs : at
}

/** How far ahead of the arrival the cabinet's `ts` lies, when beyond the tolerance; 0 otherwise. */
export function clockAheadMs (ts: string | undefined, receivedAtMs: number, skewToleranceMs: number): number {
  if (ts === undefined) return 0
  const ahead = Date.parse(ts) - receivedAtMs
  return ahead > skewToleranceMs ? ahead : 0
}

/** A reading this much older than its arrival was queued (the cabinet was offline): it is reported late. */
export const LATE_AFTER_MS = 60_000
