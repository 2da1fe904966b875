/** Latency percentiles by nearest rank; with 40 samples p99 is the largest but one. */
export interface Percentiles {
  count: number
  mean: number
  p50: number
  p95: number
  p99: number
  max: number
}

export function percentiles (samples: readonly number[]): Percentiles {
  if (samples.length === 0) return { count: 0, mean: NaN, p50: NaN, p95: NaN, p99: NaN, max: NaN }
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!
  const mean = sorted.reduce((sum, x) => sum + x, 0) / sorted.length
  return { count: sorted.length, mean, p50: rank(0.5), p95: rank(0.95), p99: rank(0.99), max: sorted[sorted.length - 1]! }
}

/** Per second, from a count and a duration in ms. */
export function perSecond (count: number, elapsedMs: number): number {
  return elapsedMs > 0 ? count * 1000 / elapsedMs : NaN
}

export const round = (value: number, digits = 1): number => {
  const f = 10 ** digits
  return Math.round(value * f) / f
}
