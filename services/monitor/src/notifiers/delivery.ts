import { sleep as sleepOn, systemTime } from '@aed/core/time'
import type { Person } from '../routing/people.ts'
import type { RenderedMessage } from '../messages/rendered-message.ts'
import { NotifierError, type Channel, type Notifier } from './notifier.ts'

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number
  /** Wait before the second try; doubles for every further try. */
  baseDelayMs: number
  maxDelayMs: number
}

/** About 2 s, 4 s, 8 s between four tries: a brief provider outage is ridden out within half a minute. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 4, baseDelayMs: 2000, maxDelayMs: 30_000 }

export interface DeliveryRequest {
  notifier: Notifier
  to: Person
  message: RenderedMessage
  /** Stable across retries and restarts for this alert step, channel and person. */
  idempotencyKey?: string | undefined
}

export interface DeliveryOutcome {
  channel: Channel
  recipientId: string
  /** skipped: the person has no address on this channel; nothing was tried. */
  outcome: 'sent' | 'failed' | 'skipped'
  attempts: number
  /** The last error's message, when not sent. */
  error?: string | undefined
  /** Whether a later try might still succeed, when failed. */
  retryable?: boolean | undefined
  providerMessageId?: string | undefined
  /** From the first try to the outcome, waits included. */
  latencyMs: number
}

export interface AttemptFailure {
  channel: Channel
  recipientId: string
  attempt: number
  error: NotifierError
  /** The wait before the next try; undefined when this was the last. */
  retryInMs?: number | undefined
}

export interface DeliveryDependencies {
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  now?: () => number
  /** In [0, 1), for the jitter. */
  random?: () => number
  /** Stops waiting and trying; the outcome is then failed. */
  signal?: AbortSignal | undefined
  /**
   * Aborts a try under way as well. Without it, `signal` only stops further
   * tries and waits: a message being handed to the provider is let finish,
   * so its outcome is known (an aborted send may still have been delivered).
   */
  abortSends?: boolean | undefined
  /** Every failed try, for the host to log; deliver() itself never logs. */
  onAttemptFailed?: (failure: AttemptFailure) => void
}

/**
 * The wait after the `attempt`-th failed try: exponential, capped, with the
 * upper half randomised so that many deliveries failing together (a provider
 * outage) do not all come back at the same instant.
 */
export function backoffDelay (attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))
  return Math.round(ceiling / 2 + random() * ceiling / 2)
}

/**
 * Sends one message on one channel to one person, retrying what may succeed
 * later. Never rejects: whatever happens is in the outcome.
 */
export async function deliver (request: DeliveryRequest, policy: RetryPolicy = DEFAULT_RETRY_POLICY, deps: DeliveryDependencies = {}): Promise<DeliveryOutcome> {
  const now = deps.now ?? Date.now
  const sleep = deps.sleep ?? defaultSleep
  const { notifier, to } = request
  const started = now()
  const base = { channel: notifier.channel, recipientId: to.id }

  if (!notifier.canReach(to)) {
    return { ...base, outcome: 'skipped', attempts: 0, error: `${to.id} has no ${notifier.channel === 'sms' ? 'phone number' : 'email address'}`, latencyMs: 0 }
  }

  let attempt = 0
  let last: NotifierError | undefined
  while (attempt < Math.max(1, policy.attempts)) {
    if (deps.signal?.aborted === true) break
    attempt++
    try {
      const receipt = await notifier.send(to, request.message, { signal: deps.abortSends === false ? undefined : deps.signal, idempotencyKey: request.idempotencyKey })
      return { ...base, outcome: 'sent', attempts: attempt, providerMessageId: receipt.providerMessageId, latencyMs: now() - started }
    } catch (err) {
      last = asNotifierError(err, notifier.channel, to.id)
    }
    const more = last.retryable && attempt < policy.attempts
    const retryInMs = more ? backoffDelay(attempt, policy, deps.random) : undefined
    deps.onAttemptFailed?.({ ...base, attempt, error: last, retryInMs })
    if (retryInMs === undefined) break
    try {
      await sleep(retryInMs, deps.signal)
    } catch {
      break
    }
  }

  const error = deps.signal?.aborted === true && (last === undefined || last.retryable)
    ? `delivery aborted after ${attempt} tries${last === undefined ? '' : `; last error: ${last.message}`}`
    : last?.message ?? 'not sent'
  return { ...base, outcome: 'failed', attempts: attempt, error, retryable: last?.retryable ?? true, latencyMs: now() - started }
}

/**
 * Runs every delivery at once and waits for all of them: a channel that is
 * down, or a slow provider, delays only its own deliveries.
 */
export async function deliverAll (requests: DeliveryRequest[], policy: RetryPolicy = DEFAULT_RETRY_POLICY, deps: DeliveryDependencies = {}): Promise<DeliveryOutcome[]> {
  return await Promise.all(requests.map(request => deliver(request, policy, deps)))
}

export interface DeliveryPlan {
  notifiers: Notifier[]
  recipients: Person[]
  /** The message for one person: language and ack link are per person. */
  messageFor: (person: Person) => RenderedMessage
  /** Identifies the alert step, e.g. `${alertId}:${step}:${escalationLevel}`. */
  stepKey?: string | undefined
}

/** Every channel × recipient, each with its own idempotency key derived from the step. */
export function planDeliveries ({ notifiers, recipients, messageFor, stepKey }: DeliveryPlan): DeliveryRequest[] {
  return recipients.flatMap(person => {
    const message = messageFor(person)
    return notifiers.map(notifier => ({
      notifier,
      to: person,
      message,
      idempotencyKey: stepKey === undefined ? undefined : `${stepKey}:${notifier.channel}:${person.id}`
    }))
  })
}

// A notifier should reject only with NotifierError; anything else is a bug
// in it, still reported, and retried in case it was transient.
function asNotifierError (err: unknown, channel: Channel, recipientId: string): NotifierError {
  if (err instanceof NotifierError) return err
  const reason = err instanceof Error ? err.message : String(err)
  return new NotifierError(`unexpected error: ${reason}`, { channel, recipientId, retryable: true }, { cause: err })
}

async function defaultSleep (ms: number, signal?: AbortSignal): Promise<void> {
  await sleepOn(systemTime, ms, signal)
}
