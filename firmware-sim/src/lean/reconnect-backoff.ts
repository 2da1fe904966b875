/**
 * When a cabinet tries again after a failed or lost connection. A fleet
 * that lost its broker at one instant must not come back at one instant: a
 * broker restart would otherwise meet every cabinet at once, refuse most,
 * and meet them all again at the next step. So the ceiling doubles with
 * each failed attempt up to a cap, and the delay is drawn below it
 * ("full jitter" when jitter is 1): the attempts of the fleet spread over
 * the whole window instead of bunching at its end.
 */
export interface BackoffPolicy {
  /** Ceiling of the first retry's delay, ms. */
  baseMs: number
  /** Highest ceiling, ms: a cabinet that has failed for long retries at least this often on average. */
  maxMs: number
  /**
   * Share of the ceiling that is random: the delay is drawn uniformly from
   * [ceiling × (1 − jitter), ceiling]. 0 is a fixed schedule, 1 is full jitter.
   */
  jitter: number
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1000, maxMs: 60_000, jitter: 0.5 }

/** The ceiling of the `attempt`-th retry (0 for the first after a success). */
export function backoffCeilingMs (attempt: number, policy: BackoffPolicy): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(0, attempt), 30))
}

/** The delay before the `attempt`-th retry; `random` returns a number in [0, 1). */
export function backoffDelayMs (attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = backoffCeilingMs(attempt, policy)
  return Math.round(ceiling * (1 - policy.jitter * random()))
}

/** Problems with a policy, for the command line and the fleet options; empty when it is usable. */
export function backoffProblems (policy: BackoffPolicy): string[] {
  const problems: string[] = []
  if (!(policy.baseMs > 0)) problems.push('backoff base must be a positive number of ms')
  if (!(policy.maxMs >= policy.baseMs)) problems.push('backoff cap must be at least its base')
  if (!(policy.jitter >= 0 && policy.jitter <= 1)) problems.push('backoff jitter must be between 0 and 1')
  return problems
}
