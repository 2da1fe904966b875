import type { Client, PublishPacket, Subscription } from 'aedes'
import { PROTOCOL_PREFIX, UPLINK, cabinetTopic, cabinetTopicPrefix } from '@aed/core/protocol'
import { principalOf } from './principals.ts'

export class AuthorizationError extends Error {
  constructor (readonly clientId: string, readonly topic: string, reason: string) {
    super(`client ${clientId} denied on ${topic}: ${reason}`)
    this.name = 'AuthorizationError'
  }
}

/** A service may send commands to any cabinet: aed/v1/{id}/cmd. */
function isCommandTopic (topic: string): boolean {
  if (!topic.startsWith(PROTOCOL_PREFIX) || !topic.endsWith('/cmd')) return false
  const id = topic.slice(PROTOCOL_PREFIX.length, -'/cmd'.length)
  return id.length > 0 && !id.includes('/') && !id.includes('+') && !id.includes('#')
}

function isCabinetUplink (cabinetId: string, topic: string): boolean {
  const prefix = cabinetTopicPrefix(cabinetId)
  return topic.startsWith(prefix) && Object.hasOwn(UPLINK, topic.slice(prefix.length))
}

/**
 * Returns why a publish is refused, or undefined when it is allowed. Aedes
 * also calls this for a client's last will, so a cabinet cannot set a will
 * on another cabinet's topic either.
 */
export function publishRefusal (client: Client | null, packet: PublishPacket): string | undefined {
  const principal = principalOf(client)
  if (principal === undefined) return 'not authenticated'
  if (principal.role === 'cabinet') {
    return isCabinetUplink(principal.username, packet.topic) ? undefined : `a cabinet publishes only to its own uplink topics under ${cabinetTopicPrefix(principal.username)}`
  }
  return isCommandTopic(packet.topic) ? undefined : 'a service publishes only commands (aed/v1/{id}/cmd)'
}

/** Subscriptions a service account may hold: every cabinet's uplink. */
const SERVICE_SUBSCRIPTIONS = new Set([`${PROTOCOL_PREFIX}#`, `${PROTOCOL_PREFIX}+/+`, `${PROTOCOL_PREFIX}+/cmd/result`,
  ...Object.keys(UPLINK).map(channel => `${PROTOCOL_PREFIX}+/${channel}`)])

export function subscribeRefusal (client: Client, subscription: Subscription): string | undefined {
  const principal = principalOf(client)
  if (principal === undefined) return 'not authenticated'
  if (principal.role === 'cabinet') {
    return subscription.topic === cabinetTopic(principal.username, 'cmd') ? undefined : 'a cabinet subscribes only to its own cmd topic'
  }
  return SERVICE_SUBSCRIPTIONS.has(subscription.topic) ? undefined : 'a service subscribes only to cabinet uplinks under aed/v1/'
}

export function createAuthorizePublish (onDenied: (error: AuthorizationError) => void) {
  return function authorizePublish (client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void): void {
    const refusal = publishRefusal(client, packet)
    if (refusal === undefined) return callback(null)
    const error = new AuthorizationError(client?.id ?? '-', packet.topic, refusal)
    onDenied(error)
    // [MQTT-3.3.5-2] MQTT 3.1.1 has no negative PUBACK: the broker closes the connection.
    callback(error)
  }
}

export function createAuthorizeSubscribe (onDenied: (error: AuthorizationError) => void) {
  return function authorizeSubscribe (client: Client, subscription: Subscription, callback: (error: Error | null, subscription?: Subscription | null) => void): void {
    const refusal = subscribeRefusal(client, subscription)
    if (refusal === undefined) return callback(null, subscription)
    onDenied(new AuthorizationError(client.id, subscription.topic, refusal))
    // A null subscription answers SUBACK 0x80 (failure) and keeps the connection [MQTT-3.9.3].
    callback(null, null)
  }
}
