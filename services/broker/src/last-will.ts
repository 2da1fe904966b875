import type { Aedes, Client, PublishPacket } from 'aedes'

/**
 * Errors with which Aedes closes a connection that was lost rather than
 * misbehaving: the client went silent past its keep-alive
 * (lib/handlers/connect.js), stopped reading (drain timeout, lib/client.js),
 * or the socket was already gone (lib/write.js). Socket errors carry a
 * system error code (ECONNRESET, EPIPE, ETIMEDOUT…).
 */
const CONNECTION_LOST = new Set(['keep alive timeout', 'drain timeout', 'connection closed'])

/** True when the error that ends a connection means the network failed, not that the client broke a rule. */
export function isConnectionLoss (error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code
  return typeof code === 'string' || CONNECTION_LOST.has(error.message)
}

/** Aedes keeps the will of a connected client here until the connection ends (lib/client.js, close()). */
type ClientWithWill = Client & { will?: PublishPacket | null }
/** Aedes' persistence, which its type declarations leave out; wills are stored by client id. */
type AedesWithPersistence = Aedes & {
  persistence: {
    delWill (client: { id: string, brokerId: string }): Promise<unknown>
    putWill (client: Client, will: PublishPacket): Promise<unknown>
  }
}

/** Makes Aedes close this connection without publishing its will; the stored copy is left to Aedes. */
export function withholdWillInMemory (client: Client): void {
  (client as ClientWithWill).will = null
}

/** Stores a connected client's will again (after a takeover deleted the stored copy by client id). */
export async function restoreStoredWill (aedes: Aedes, client: Client): Promise<void> {
  const will = (client as ClientWithWill).will
  if (will == null) return
  await (aedes as AedesWithPersistence).persistence.putWill(client, will)
}

/**
 * Makes Aedes close this connection without publishing its last will, as
 * after a DISCONNECT [MQTT-3.1.2-10], and deletes the stored copy, which
 * Aedes would otherwise publish once this broker counts as dead.
 *
 * MQTT 3.1.1 (3.1.2.5) publishes the will also when the server closes the
 * connection for a protocol error. A cabinet's will says "offline" and
 * pages someone; a cabinet the broker disconnects for breaking a rule, or
 * for a replaced secret, is powered and reachable. If it does not come
 * back, the monitor's heartbeat timeout reports it offline instead.
 */
export async function withholdWill (aedes: Aedes, client: Client): Promise<void> {
  const holder = client as ClientWithWill
  if (holder.will == null) return
  holder.will = null
  await (aedes as AedesWithPersistence).persistence.delWill({ id: client.id, brokerId: aedes.id })
}
