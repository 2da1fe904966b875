import type { Readiness } from '../readiness/readiness.ts'

/**
 * What the public is told of an AED: can I take it now? The public feed
 * and page say one of three words, never why: fault codes, expired pads or
 * a maintenance window are the operators' business, and a reason shown to
 * everyone would also tell who to send to a cabinet that is down.
 */
export const PUBLIC_AVAILABILITY = ['available', 'in_use', 'unavailable'] as const
export type PublicAvailability = typeof PUBLIC_AVAILABILITY[number]

/**
 * From readiness (readiness.ts) to the public word. Only `ready` is
 * available. An open door is `in_use`: the AED may be on its way to a
 * person, and the next one should be sought. Everything else is
 * `unavailable`, including `unknown` (not heard from since the monitor
 * started): the public must not be sent to an AED nobody can vouch for.
 */
export function publicAvailability (readiness: Readiness): PublicAvailability {
  switch (readiness) {
    case 'ready': return 'available'
    case 'in_use': return 'in_use'
    case 'maintenance':
    case 'unknown':
    case 'offline':
    case 'not_ready':
      return 'unavailable'
  }
}
