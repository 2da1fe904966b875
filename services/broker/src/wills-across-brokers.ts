import type { Aedes, Client } from 'aedes'
import { withholdWill } from './last-will.ts'

/** Aedes announces every connection it registers here, so that other brokers close theirs (aedes.js, closeSameClients). */
const NEW_CLIENTS = '$SYS/+/new/clients'
/** Every live broker publishes its id here each heartbeat, and once at start (birth). */
const HEARTBEATS = '$SYS/+/heartbeat'
const BIRTHS = '$SYS/+/birth'

interface SysPacket { topic: string, payload: Buffer | string }
type Listener = (packet: SysPacket, done: () => void) => void
/** Aedes' message bus (mqemitter, or mqemitter-redis between processes) and its client registry, left out of its declarations. */
type AedesInternals = Aedes & {
  mq: { on (topic: string, listener: Listener, done?: () => void): void }
  clients: Record<string, Client | undefined>
}

/** A will as a store keeps it: whose it is, and which broker held the connection. */
interface StoredWill { clientId: string, brokerId: string }

/** The store calls this module makes; the stores key a will by broker id and client id. */
export interface WillStore {
  streamWill (brokers?: Record<string, number>): AsyncIterable<StoredWill>
  delWill (client: { id: string, brokerId: string }): Promise<unknown>
}

/**
 * When a client connects to another broker sharing the store while its
 * connection here is still open (a cabinet that reconnected over a new
 * route while the old one is half dead), Aedes here closes the old
 * connection when it hears of the new one [MQTT-3.1.4-2], and would
 * publish its will: "offline" for a cabinet that is connected. The will of
 * the old connection is withheld before Aedes closes it, and its stored
 * copy deleted; the new connection's will, stored by the other broker,
 * stays.
 *
 * Must be called before `aedes.listen()`: the bus calls the listeners of
 * a topic in the order they were added, and Aedes adds its own there.
 */
export function withholdWillOnTakeoverElsewhere (aedes: Aedes, onError: (err: Error) => void): void {
  const internals = aedes as AedesInternals
  internals.mq.on(NEW_CLIENTS, (packet, done) => {
    const brokerId = packet.topic.split('/')[1]
    const client = internals.clients[packet.payload.toString()]
    if (brokerId !== aedes.id && client !== undefined && !client.closed) {
      withholdWill(aedes, client).catch(onError)
    }
    done()
  })
}

/**
 * Stores key a will by the broker that held the connection and the client,
 * while Aedes deletes a client's old will at CONNECT knowing only the
 * client: the will a broker stored for a cabinet outlives the cabinet's
 * reconnection to another broker (or to this one after a restart). When
 * that broker is dead, four heartbeats later every live broker publishes
 * its stored wills: a connected cabinet reported offline.
 *
 * So when a client connects here, the wills stored for it under every
 * other broker this one knows of are deleted: the brokers whose wills were
 * stored at start (earlier runs, dead or alive), and every broker heard
 * since (birth, heartbeats and the connections it announces on the shared
 * bus). Wills of cabinets that
 * do not come back are still published, as MQTT requires for a connection
 * that was lost. Called once `aedes.listen()` has opened the store.
 */
export async function forgetWillsHeldElsewhere (aedes: Aedes, store: WillStore, onError: (err: Error) => void): Promise<void> {
  const internals = aedes as AedesInternals
  const others = new Set<string>()
  const heard: Listener = (packet, done) => {
    const brokerId = packet.payload.toString()
    if (brokerId !== aedes.id) others.add(brokerId)
    done()
  }
  internals.mq.on(HEARTBEATS, heard)
  internals.mq.on(BIRTHS, heard)
  // A broker that started just before this one, and has not sent a heartbeat yet, is known by
  // the connections it announces: any will it stores belongs to one of them.
  internals.mq.on(NEW_CLIENTS, (packet, done) => {
    const brokerId = packet.topic.split('/')[1]
    if (brokerId !== undefined && brokerId !== aedes.id) others.add(brokerId)
    done()
  })
  for await (const will of store.streamWill()) {
    if (will.brokerId !== aedes.id) others.add(will.brokerId)
  }
  aedes.on('clientReady', (client: Client) => {
    for (const brokerId of others) {
      store.delWill({ id: client.id, brokerId }).catch(onError)
    }
  })
}
