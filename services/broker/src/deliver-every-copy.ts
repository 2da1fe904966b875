import type { Client } from 'aedes'

/**
 * What Aedes reads as "the last number delivered from each broker": always
 * nothing, since every write is dropped (`delete` after a broker restart
 * finds nothing either). The target stays empty, so it can be shared.
 */
const FORGETFUL: Record<string, number> = new Proxy(Object.create(null) as Record<string, number>, {
  // Nothing recorded, so every counter is "new".
  set: () => true
})

/**
 * Turns off Aedes' per-client "dedupe" of deliveries.
 *
 * Aedes numbers each message as it creates it (`brokerCounter`) and, per
 * receiving client, drops any message whose number is not above the last
 * one it delivered (lib/client.js, `dedupe`). That is meant for
 * overlapping subscriptions, but it assumes messages reach a client in the
 * order they were numbered, and they do not: a retained `status` waits for
 * the store while the heartbeat numbered after it goes straight through; a
 * reconnecting monitor's queued messages (lower numbers) are streamed
 * while live ones (higher numbers) arrive. The message that loses the race
 * is dropped, and for a persistent session also deleted from its queue, so
 * it is lost although its PUBACK went out (moscajs/aedes#955, #994).
 *
 * Without it a client whose subscriptions overlap may get a message once
 * per matching subscription, which MQTT 3.1.1 allows [MQTT-3.3.5-1], and a
 * QoS 1 message may arrive twice, which QoS 1 allows anyway; the monitor's
 * subscriptions do not overlap, and it drops repeats by `seq` and `ts`.
 * Called before Aedes restores the client's subscriptions, so no delivery
 * is judged by the old rule.
 *
 * Every client shares one record that keeps nothing: a Proxy, its handler
 * and its trap made per client cost about 400 bytes of heap each (under
 * tsx, which names every new trap function and so gives each a property
 * dictionary of its own).
 */
export function deliverEveryCopy (client: Client): void {
  (client as Client & { duplicates: Record<string, number> }).duplicates = FORGETFUL
}
