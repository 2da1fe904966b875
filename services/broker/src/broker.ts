import { createServer, type Server } from 'node:net'
import type { EventEmitter } from 'node:events'
import { unwatchFile, watchFile } from 'node:fs'
import { Aedes, type Client } from 'aedes'
import type { Logger } from 'pino'
import { CredentialFile } from '@aed/core/credentials'
import { createAuthenticate } from './authenticate.ts'
import { AuthorizationError, createAuthorizePublish, createAuthorizeSubscribe, subscribeRefusal } from './authorize.ts'
import { isConnectionLoss, withholdWill } from './last-will.ts'
import { newBrokerId, openBrokerStore, type PersistenceOptions } from './persistence.ts'
import { principalOf } from './principals.ts'

export interface BrokerOptions {
  credentialsFile: string
  logger: Logger
  /** How often to look for replaced secrets, ms. */
  credentialsPollMs?: number
  /** Where sessions, subscriptions, queued and retained messages are kept; memory when not given. */
  persistence?: PersistenceOptions
  /** Aedes' heartbeat: a dead broker's wills are published after 4 of them (default 60 s). */
  heartbeatIntervalMs?: number
}

export interface RunningBroker {
  aedes: Aedes
  server: Server
  /** Bound port (useful when listening on port 0). */
  port: number
  close (): Promise<void>
}

/**
 * The cabinet broker: Aedes with authentication and per-cabinet topic
 * authorisation, on a TCP listener, keeping its sessions where
 * `persistence` says. When a secret is replaced in the
 * credentials file, connections made with the old one are closed. A last
 * will is published only when a connection is lost, never when the broker
 * closes it (a refused publish, a protocol error, a replaced secret, a stop).
 */
export async function startBroker (options: BrokerOptions & { host?: string, port: number }): Promise<RunningBroker> {
  const { logger } = options
  const credentials = new CredentialFile(options.credentialsFile)
  // Logged once, here, without a stack: a refusal is the client's doing, not a fault of the broker.
  const denied = (error: AuthorizationError): void => {
    logger.warn({ clientId: error.clientId, action: error.action, topic: error.topic, reason: error.reason }, 'refused')
  }
  const authorizePublish = createAuthorizePublish(denied)
  const store = await openBrokerStore(options.persistence ?? { kind: 'memory' }, {
    granted: (client, subscription) => subscribeRefusal(client, subscription) === undefined,
    onError: err => logger.warn({ err }, 'broker store')
  })
  const aedes = new Aedes({
    ...store.aedesOptions,
    id: newBrokerId(),
    ...(options.heartbeatIntervalMs !== undefined ? { heartbeatInterval: options.heartbeatIntervalMs } : {}),
    // Cabinet ids are up to 64 characters, longer than MQTT 3.1's 23.
    maxClientsIdLength: 128,
    authenticate: createAuthenticate(credentials),
    // Nothing is let in, and so acknowledged, while the store cannot take it (Redis away).
    authorizePublish: (client, packet, callback) => { store.writable().then(() => authorizePublish(client, packet, callback), callback) },
    authorizeSubscribe: createAuthorizeSubscribe(denied),
    drainTimeout: 30_000
  })
  await aedes.listen()
  await store.attach(aedes)

  const connected = new Map<string, Client>()
  aedes.on('client', client => { logger.debug({ clientId: client.id }, 'client connected') })
  // After Aedes stored the message for every persistent subscriber and routed it; its PUBACK went before.
  aedes.on('publish', (packet, client) => { if (client !== null) logger.debug({ clientId: client.id, topic: packet.topic }, 'message routed') })
  aedes.on('clientReady', client => { connected.set(client.id, client) })
  aedes.on('clientDisconnect', client => {
    if (connected.get(client.id) === client) connected.delete(client.id)
    logger.debug({ clientId: client.id }, 'client disconnected')
  })
  const keepWillFromBeingPublished = (client: Client): void => {
    withholdWill(aedes, client).catch(err => logger.warn({ clientId: client.id, err }, 'deleting a withheld last will failed'))
  }
  // Aedes emits this just before it closes the connection: a will is published only for a lost connection.
  aedes.on('clientError', (client, err) => {
    if (!isConnectionLoss(err)) keepWillFromBeingPublished(client)
    if (err instanceof AuthorizationError) return
    logger.info({ clientId: client.id, err }, 'client error')
  })
  aedes.on('connectionError', (client, err) => { logger.info({ clientId: client.id, err }, 'connection refused') })
  // Aedes' own failures (a store that cannot be written, a stored will it cannot publish); unheard, they would end the process.
  const events: EventEmitter = aedes // its type declarations leave 'error' out
  events.on('error', (err: Error) => { logger.error({ err }, 'broker error') })

  const closeRevoked = async (): Promise<void> => {
    for (const client of connected.values()) {
      const principal = principalOf(client)
      if (principal === undefined) continue
      const current = await credentials.find(principal.username)
      if (current?.secretHash !== principal.secretHash) {
        logger.info({ clientId: client.id, username: principal.username }, 'secret replaced: closing connection made with the old one')
        keepWillFromBeingPublished(client)
        client.close()
      }
    }
  }
  watchFile(options.credentialsFile, { interval: options.credentialsPollMs ?? 1000 }, () => {
    closeRevoked().catch(err => logger.error({ err }, 'checking for revoked secrets failed'))
  })

  const server = createServer(aedes.handle)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host ?? '0.0.0.0', () => { server.off('error', reject); resolve() })
  })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : options.port

  return {
    aedes,
    server,
    port,
    async close () {
      unwatchFile(options.credentialsFile)
      // A stop is the broker's doing, not an outage: cabinets reconnect to the next start.
      // Aedes' own registry: it holds a client from before its CONNACK, `connected` only from 'clientReady'.
      const registered = Object.values((aedes as Aedes & { clients: Record<string, Client> }).clients)
      await Promise.all(registered.map(client => withholdWill(aedes, client)
        .catch(err => logger.warn({ clientId: client.id, err }, 'deleting a withheld last will failed'))))
      await new Promise<void>(resolve => aedes.close(() => resolve()))
      await new Promise<void>(resolve => server.close(() => resolve()))
      await store.close()
    }
  }
}
