import type { Client, PublishPacket, Subscription } from 'aedes'
import { FLEET_SUBSCRIPTIONS, PROTOCOL_PREFIX, UPLINK_CHANNELS, cabinetTopic, cabinetTopicPrefix, isCabinetId, parseCabinetTopic } from '@aed/core/protocol'
import { principalOf, type ConnectedPrincipal } from './principals.ts'
import { dropRetainOutsideStatus } from './retained-status.ts'

export class AuthorizationError extends Error {
  constructor (readonly action: 'publish' | 'subscribe', readonly clientId: string, readonly topic: string, readonly reason: string) {
    super(`client ${clientId} denied ${action} on ${topic}: ${reason}`)
    this.name = 'AuthorizationError'
  }
}

/**
 * Returns why a publish is refused, or undefined when it is allowed. A
 * cabinet publishes to any single-level channel under its own aed/v1/{id}/
 * except the downlink cmd, and to cmd/result: a channel this version does
 * not know (newer firmware) is routed to the monitor, which counts it as
 * rejected, instead of closing the connection. Aedes also calls this for a
 * client's last will, so a cabinet cannot set a will on another cabinet's
 * topic either.
 */
export function publishRefusal (client: Client | null, packet: PublishPacket): string | undefined {
  const principal = principalOf(client) ?? storedWillAuthor(client, packet)
  if (principal === undefined) return 'not authenticated'
  const route = parseCabinetTopic(packet.topic)
  if (principal.role === 'cabinet') {
    const own = cabinetTopicPrefix(principal.username)
    if (route === undefined || route.cabinetId !== principal.username) return `a cabinet publishes only to its own channels ${own}{channel}`
    if (route.kind === 'downlink') return `${own}${route.channel} is the downlink: only a service publishes there`
    // A QoS 2 PUBLISH is stored until its PUBREL; the protocol asks cabinets for QoS 1. A will (no cmd) is the broker's to send.
    if (packet.cmd === 'publish' && packet.qos === 2) return 'a cabinet publishes with QoS 0 or 1'
    return undefined
  }
  return route?.kind === 'downlink' ? undefined : 'a service publishes only commands (aed/v1/{id}/cmd)'
}

/**
 * A will stored by a broker that died is published by the next one from its
 * store, with no client (aedes.js, _clearWills), once the cabinet has not
 * come back for four heartbeats. The will carries the client id it was
 * stored under, which for a cabinet is its username (checked at CONNECT),
 * so it is judged as that cabinet's publish. Refusing it would also fail
 * Aedes' whole pass over the stored wills.
 */
function storedWillAuthor (client: Client | null, packet: PublishPacket): Pick<ConnectedPrincipal, 'role' | 'username'> | undefined {
  const clientId = (packet as PublishPacket & { clientId?: unknown }).clientId
  if (client !== null || typeof clientId !== 'string' || !isCabinetId(clientId)) return undefined
  return { role: 'cabinet', username: clientId }
}

/**
 * Subscriptions a service account may hold: the monitor's fleet
 * subscription, and the narrower or equal filters tools and tests use
 * (one uplink channel of every cabinet, or everything under aed/v1/).
 * Cabinets publish nowhere else, so none of these shows a service more
 * than the fleet subscription does.
 */
const SERVICE_SUBSCRIPTIONS = new Set([...FLEET_SUBSCRIPTIONS, `${PROTOCOL_PREFIX}#`,
  ...UPLINK_CHANNELS.map(channel => `${PROTOCOL_PREFIX}+/${channel}`)])

export function subscribeRefusal (client: Client, subscription: Subscription): string | undefined {
  const principal = principalOf(client)
  if (principal === undefined) return 'not authenticated'
  if (principal.role === 'cabinet') {
    return subscription.topic === cabinetTopic(principal.username, 'cmd') ? undefined : 'a cabinet subscribes only to its own cmd topic'
  }
  return SERVICE_SUBSCRIPTIONS.has(subscription.topic) ? undefined : `a service subscribes only to the fleet's uplinks (${FLEET_SUBSCRIPTIONS.join(', ')})`
}

export function createAuthorizePublish (onDenied: (error: AuthorizationError) => void) {
  return function authorizePublish (client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void): void {
    const refusal = publishRefusal(client, packet)
    if (refusal === undefined) {
      dropRetainOutsideStatus(packet)
      return callback(null)
    }
    const error = new AuthorizationError('publish', client?.id ?? '-', packet.topic, refusal)
    onDenied(error)
    // [MQTT-3.3.5-2] MQTT 3.1.1 has no negative PUBACK: the broker closes the connection.
    callback(error)
  }
}

export function createAuthorizeSubscribe (onDenied: (error: AuthorizationError) => void) {
  return function authorizeSubscribe (client: Client, subscription: Subscription, callback: (error: Error | null, subscription?: Subscription | null) => void): void {
    const refusal = subscribeRefusal(client, subscription)
    if (refusal === undefined) return callback(null, subscription)
    onDenied(new AuthorizationError('subscribe', client.id, subscription.topic, refusal))
    // A null subscription answers SUBACK 0x80 (failure) and keeps the connection [MQTT-3.9.3].
    callback(null, null)
  }
}
