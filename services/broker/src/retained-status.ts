import type { PublishPacket } from 'aedes'
import { parseCabinetTopic } from '@aed/core/protocol'

/**
 * True when a publish may be kept as the topic's retained message: only a
 * cabinet's `status` (its availability, and its last will) is retained
 * (docs/wire-protocol.md). A retained door, self-test or command would be
 * handed again to every new subscriber: the monitor, after each restart,
 * would take an old "door open" for a new one and page someone.
 */
export function mayBeRetained (packet: Pick<PublishPacket, 'topic'>): boolean {
  const route = parseCabinetTopic(packet.topic)
  return route?.kind === 'uplink' && route.channel === 'status'
}

/**
 * True when a subscription filter could match a retained message, that is a
 * cabinet's `status`: any filter with a wildcard, or a status topic itself.
 * A cabinet's subscription to its own `cmd` cannot, and the stores answer
 * the question by testing every retained message against the filter: with
 * a retained status per cabinet, a fleet reconnecting after a broker
 * restart would cost the square of its size.
 */
export function mayMatchRetained (filter: string): boolean {
  return filter.includes('+') || filter.includes('#') || mayBeRetained({ topic: filter })
}

/**
 * Clears the retain flag of a publish that may not be retained; returns
 * true if it did. The message itself is delivered as usual. Refusing it
 * instead would close the connection (MQTT 3.1.1 has no negative PUBACK),
 * and a firmware that sets the flag on its door messages would resend the
 * same message after every reconnect and never get a door opening through.
 */
export function dropRetainOutsideStatus (packet: PublishPacket): boolean {
  if (packet.retain !== true || mayBeRetained(packet)) return false
  packet.retain = false
  return true
}
