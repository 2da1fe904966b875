import type { Aedes, AedesOptions, Client, PublishPacket } from 'aedes'

type AuthorizePublish = NonNullable<AedesOptions['authorizePublish']>
/** Aedes' `publish` as it is called internally, with the publishing client (its declarations leave it out). */
type Publish = (packet: PublishPacket, client: Client | null, done?: (error?: Error | null) => void) => void

/**
 * Aedes answers a client's QoS 1 PUBLISH with its PUBACK first and stores
 * the message for persistent subscribers after (lib/handlers/publish.js,
 * `enqueuePublish`): a broker killed between the two has told the cabinet
 * "delivered" of a message it never kept, and the cabinet forgets it.
 *
 * This turns the order around. Once a QoS 1 publish is authorised, it is
 * published here (stored in every persistent subscriber's queue, retained,
 * routed to those connected: Aedes' `publish` calls back after all of it),
 * and only then is Aedes let go on, to write the PUBACK and call `publish`
 * itself, which is then a no-op for that packet. A publish that fails to
 * be stored fails authorisation, so the client is disconnected without a
 * PUBACK and sends the message again [MQTT-4.4.0-1].
 *
 * Returns the `authorizePublish` hook to give Aedes; `install` replaces the
 * instance's `publish` once Aedes exists.
 */
export function storeBeforePuback (authorize: AuthorizePublish): { authorizePublish: AuthorizePublish, install (aedes: Aedes): void } {
  // Packets already published by the hook; Aedes passes the same object to `publish` after its PUBACK.
  const stored = new WeakSet<PublishPacket>()
  let publish: Publish | undefined
  return {
    authorizePublish (client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void): void {
      authorize(client, packet, err => {
        if (err != null || packet.qos !== 1 || client === null || publish === undefined) return callback(err)
        publish(packet, client, publishError => {
          if (publishError != null) return callback(publishError)
          stored.add(packet)
          callback(null)
        })
      })
    },
    install (aedes: Aedes): void {
      const instance = aedes as unknown as { publish: Publish }
      const original: Publish = instance.publish.bind(aedes)
      publish = original
      instance.publish = (packet, client, done) => {
        if (stored.delete(packet)) return done?.()
        original(packet, client, done)
      }
    }
  }
}
