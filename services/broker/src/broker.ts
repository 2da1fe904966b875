import type { EventEmitter } from 'node:events'
import type { Server } from 'node:net'
import { unwatchFile, watchFile } from 'node:fs'
import { Aedes, type AedesOptions, type Client } from 'aedes'
import type { Logger } from 'pino'
import { CredentialFile, SecretHasher, secretHashScheme } from '@aed/core/credentials'
import { AuthenticationError, createAuthenticate, isFailedLogin } from './authenticate.ts'
import { AuthorizationError, createAuthorizePublish, createAuthorizeSubscribe, subscribeRefusal } from './authorize.ts'
import { DEFAULT_BROKER_LIMITS, type BrokerLimits } from './broker-limits.ts'
import { BurstLog, type BurstSummary } from './burst-log.ts'
import { addressKey, clientAddressKey, ConnectionLimits, rememberClientAddress } from './connection-limits.ts'
import { isConnectionLoss, restoreStoredWill, withholdWill, withholdWillInMemory } from './last-will.ts'
import { openListeners, type MqttTlsOptions } from './listeners.ts'
import { LoginThrottle, throttleAuthentication } from './login-throttle.ts'
import { limitPacketSize } from './packet-size-limit.ts'
import { TrustedProxies } from './proxy-protocol.ts'
import { deliverEveryCopy } from './deliver-every-copy.ts'
import { newBrokerId, openBrokerStore, type PersistenceOptions } from './persistence.ts'
import { storeBeforePuback } from './store-before-puback.ts'
import { withholdWillOnTakeoverElsewhere } from './wills-across-brokers.ts'
import { principalOf, revocation } from './principals.ts'

export type { MqttTlsOptions }

export type { BrokerLimits } from './broker-limits.ts'

export interface BrokerOptions {
  credentialsFile: string
  /** CREDENTIALS_HASH_KEY: the HMAC key the monitor hashed the secrets with. */
  credentialsHashKey: string
  logger: Logger
  /** How often to look for replaced secrets, ms. */
  credentialsPollMs?: number
  /** Connection, packet and login limits; DEFAULT_BROKER_LIMITS for any left out. */
  limits?: Partial<BrokerLimits>
  /** Where sessions, subscriptions, queued and retained messages are kept; memory when not given. */
  persistence?: PersistenceOptions
  /** Aedes' heartbeat: a dead broker's wills are published after 4 of them (default 60 s). */
  heartbeatIntervalMs?: number
  /**
   * Addresses and CIDR blocks of TCP balancers whose connections begin with
   * a PROXY header (MQTT_TRUSTED_PROXIES): the client it names is the one
   * counted, throttled and logged. None by default.
   */
  trustedProxies?: readonly string[]
}

export interface RunningBroker {
  aedes: Aedes
  /** The plain MQTT listener, or the TLS one when plain MQTT is off. */
  server: Server
  /** Bound port of `server` (useful when listening on port 0). */
  port: number
  tlsServer?: Server | undefined
  /** Bound MQTT over TLS port, when TLS is on. */
  tlsPort?: number | undefined
  close (): Promise<void>
}

/**
 * The cabinet broker: Aedes with authentication and per-cabinet topic
 * authorisation, on a plain TCP listener, a TLS one, or both
 * (listeners.ts), behind trusted balancers reading each connection's PROXY
 * header for its client's address, keeping its sessions where `persistence` says
 * (persistence.ts). When a secret is replaced in the credentials file,
 * connections made with the old one are closed. A last
 * will is published only when a connection is lost, never when the broker
 * closes it (a refused publish, a protocol error, a replaced secret, a stop).
 */
export async function startBroker (options: BrokerOptions & { host?: string, port?: number | undefined, tls?: MqttTlsOptions | undefined }): Promise<RunningBroker> {
  const { logger } = options
  const credentials = new CredentialFile(options.credentialsFile)
  const hasher = new SecretHasher(options.credentialsHashKey)
  await reportHashes(credentials, hasher, logger)
  // Logged once, here, without a stack: a refusal is the client's doing, not a fault of the broker.
  const denied = (error: AuthorizationError): void => {
    logger.warn({ clientId: error.clientId, action: error.action, topic: error.topic, reason: error.reason }, 'refused')
  }
  const limits = { ...DEFAULT_BROKER_LIMITS, ...options.limits }
  // Client-caused refusals come in bursts: one summary line per address per window, never a stack.
  const summary = (s: BurstSummary) => ({ address: s.key, count: s.count, reasons: s.reasons, clientIds: s.clientIds, firstAt: s.firstAt, lastAt: s.lastAt })
  const failedLogins = new BurstLog(limits.refusalLogWindowMs, s => { logger.warn(summary(s), 'failed logins') })
  const refusedConnections = new BurstLog(limits.refusalLogWindowMs, s => { logger.info(summary(s), 'connections refused') })
  const throttled = throttleAuthentication(createAuthenticate(credentials, hasher), new LoginThrottle(limits),
    (client, error) => { failedLogins.record(clientAddressKey(client), error.reason, client.id) })
  // A client that connects again while its previous connection is still open (a cabinet
  // reconnecting over a half-dead link) takes that connection over [MQTT-3.1.4-2]. The old
  // connection's will would say "offline" of a cabinet that is right there: it is withheld.
  const tookOver = new WeakSet<Client>()
  const authenticate: NonNullable<AedesOptions['authenticate']> = (client, username, password, done) => {
    deliverEveryCopy(client)
    throttled(client, username, password, (err, ok) => {
      const previous = ok === true && err === null ? (aedes as Aedes & { clients: Record<string, Client | undefined> }).clients[client.id] : undefined
      if (previous !== undefined && previous !== client) {
        withholdWillInMemory(previous)
        tookOver.add(client)
      }
      done(err, ok)
    })
  }
  const authorizePublish = createAuthorizePublish(denied)
  // Nothing is let in, and so acknowledged, while the store cannot take it (Redis away);
  // a QoS 1 message is stored before its PUBACK.
  const storing = storeBeforePuback((client, packet, callback) => {
    store.writable().then(() => authorizePublish(client, packet, callback), callback)
  })
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
    authenticate,
    authorizePublish: storing.authorizePublish,
    authorizeSubscribe: createAuthorizeSubscribe(denied),
    drainTimeout: 30_000,
    connectTimeout: limits.connectTimeoutMs,
    maxInflightInbound: limits.maxInflightQos2
  })
  storing.install(aedes)
  // Several brokers may share the store (BROKER_PERSISTENCE=redis): a client that moved to another keeps its will.
  withholdWillOnTakeoverElsewhere(aedes, err => logger.warn({ err }, 'deleting the will of a connection taken over by another broker failed'))
  await aedes.listen()
  await store.attach(aedes)

  const connected = new Map<string, Client>()
  aedes.on('client', client => { logger.debug({ clientId: client.id }, 'client connected') })
  aedes.on('clientReady', client => {
    connected.set(client.id, client)
    // Closing the previous connection deleted the stored will by client id: store the new one again.
    if (tookOver.has(client)) restoreStoredWill(aedes, client).catch(err => logger.warn({ clientId: client.id, err }, 'storing the will again after a takeover failed'))
  })
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
    if (err instanceof AuthorizationError || isFailedLogin(err)) return
    if (err instanceof AuthenticationError) logger.error({ clientId: client.id, reason: err.reason, err: err.cause }, 'cannot check credentials')
    else logger.info({ clientId: client.id, reason: err.message }, 'client error')
  })
  // Before a valid CONNECT: a timeout, a packet over the size limit, bytes that are not MQTT.
  aedes.on('connectionError', (client, err) => {
    // A peer that hung up before its CONNECT (a balancer's health check ends with a reset) is no news, as before a TLS handshake.
    if ((err as NodeJS.ErrnoException).code === 'ECONNRESET') return
    refusedConnections.record(clientAddressKey(client), err.message)
  })
  // Aedes' own failures (a store that cannot be written, a stored will it cannot publish); unheard, they would end the process.
  const events: EventEmitter = aedes // its type declarations leave 'error' out
  events.on('error', (err: Error) => { logger.error({ err }, 'broker error') })
  // After Aedes stored the message for every persistent subscriber and routed it; its PUBACK follows.
  aedes.on('publish', (packet, client) => { if (client !== null) logger.debug({ clientId: client.id, topic: packet.topic }, 'message routed') })

  const closeRevoked = async (): Promise<void> => {
    for (const client of connected.values()) {
      const principal = principalOf(client)
      if (principal === undefined) continue
      const reason = revocation(principal, await credentials.find(principal.username))
      if (reason !== undefined) {
        logger.info({ clientId: client.id, username: principal.username }, reason)
        keepWillFromBeingPublished(client)
        client.close()
      }
    }
  }
  watchFile(options.credentialsFile, { interval: options.credentialsPollMs ?? 1000 }, () => {
    closeRevoked().catch(err => logger.error({ err }, 'checking for revoked secrets failed'))
  })

  const connectionLimits = new ConnectionLimits(limits)
  const listeners = await openListeners((socket, clientAddress) => {
    if (socket.destroyed) return
    // Kept with the socket Aedes reads (for TLS, not the one admitted): its login throttle and a refusal logged after it is destroyed name the client.
    rememberClientAddress(socket, clientAddress)
    limitPacketSize(socket, limits)
    aedes.handle(socket)
  }, {
    host: options.host ?? '0.0.0.0',
    port: options.port,
    tls: options.tls,
    trustedProxies: new TrustedProxies(options.trustedProxies ?? []),
    proxyHeaderTimeoutMs: limits.connectTimeoutMs,
    // Under the balancer's address: the client it would have named is unknown.
    onProxyHeaderError: error => { refusedConnections.record(addressKey(error.balancerAddress), `PROXY header: ${error.reason}`) },
    // TCP connections are counted as they arrive, before any TLS handshake: one over a cap is closed unread.
    onConnection: (socket, clientAddress) => {
      const refusal = connectionLimits.admit(socket, clientAddress)
      if (refusal === undefined) return
      refusedConnections.record(addressKey(clientAddress), refusal)
      socket.destroy()
    },
    tlsHandshakeTimeoutMs: limits.connectTimeoutMs,
    // Node leaves a socket whose handshake failed or timed out open once this is listened to.
    onTlsClientError: (err, socket, clientAddress) => {
      // A peer that hung up (or was refused over a cap) before the handshake ended is no news.
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') {
        refusedConnections.record(addressKey(clientAddress), `TLS handshake failed: ${err.message.trim()}`)
      }
      socket.destroy()
    }
  }).catch(async (err: unknown) => {
    unwatchFile(options.credentialsFile)
    await new Promise<void>(resolve => aedes.close(() => resolve()))
    await store.close()
    throw err
  })

  let closing: Promise<void> | undefined
  return {
    aedes,
    server: listeners.server,
    port: listeners.port,
    tlsServer: listeners.tlsServer,
    tlsPort: listeners.tlsPort,
    // Idempotent: a second call waits for the first stop instead of stopping twice.
    close () {
      closing ??= stop()
      return closing
    }
  }

  async function stop (): Promise<void> {
    unwatchFile(options.credentialsFile)
    // A stop is the broker's doing, not an outage: cabinets reconnect to the next start.
    // Aedes' own registry: it holds a client from before its CONNACK, `connected` only from 'clientReady'.
    const registered = Object.values((aedes as Aedes & { clients: Record<string, Client> }).clients)
    await Promise.all(registered.map(client => withholdWill(aedes, client)
      .catch(err => logger.warn({ clientId: client.id, err }, 'deleting a withheld last will failed'))))
    await new Promise<void>(resolve => aedes.close(() => resolve()))
    await listeners.close()
    await store.close()
    failedLogins.flush()
    refusedConnections.flush()
  }
}

/**
 * Says at start-up what the credentials file holds: hashes made under
 * another key refuse every connect of their principals (CONNACK 3), and
 * legacy scrypt hashes cost milliseconds each after a restart.
 */
async function reportHashes (credentials: CredentialFile, hasher: SecretHasher, logger: Logger): Promise<void> {
  let current = 0
  let legacyScrypt = 0
  let otherKey = 0
  for (const principal of await credentials.list()) {
    if (hasher.isCurrent(principal.secretHash)) current++
    else if (secretHashScheme(principal.secretHash) === 'scrypt') legacyScrypt++
    else otherKey++
  }
  const counts = { credentialsFile: credentials.path, keyId: hasher.keyId, current, legacyScrypt, otherKey }
  if (otherKey > 0) logger.error(counts, 'credentials hashed under another CREDENTIALS_HASH_KEY: those principals cannot log in')
  else if (legacyScrypt > 0) logger.warn(counts, 'credentials with legacy scrypt hashes: each costs a scrypt at its first connect until its secret is issued again')
  else logger.info(counts, 'credentials')
}
