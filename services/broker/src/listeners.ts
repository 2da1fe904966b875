import { createServer, type Server, type Socket } from 'node:net'
import { createServer as createTlsServer, type TLSSocket } from 'node:tls'
import { readPemSettings } from '@aed/core/setting-files'
import { listenFailure } from '@aed/core/start-failure'
import type { BrokerConfig } from './config.ts'
import { readProxyHeader, type ProxyHeaderError, type TrustedProxies } from './proxy-protocol.ts'

/** MQTT over TLS (port 8883): the broker's certificate, and optionally the CA of cabinet client certificates. */
export interface MqttTlsOptions {
  port: number
  cert: Buffer
  key: Buffer
  passphrase?: string | undefined
  /** Set: clients are asked for a certificate, checked against this CA (client-certificate.ts). */
  ca?: Buffer | undefined
}

/** Hands a connection on; `clientAddress` is whom it comes from (behind a balancer, the address its PROXY header names). */
export type ConnectionHandler = (socket: Socket, clientAddress: string | undefined) => void

export interface ListenerOptions {
  host: string
  /** Plain MQTT over TCP; undefined = off. */
  port?: number | undefined
  tls?: MqttTlsOptions | undefined
  /** Balancers whose connections begin with a PROXY header (proxy-protocol.ts); none by default. */
  trustedProxies?: TrustedProxies | undefined
  /** How long a trusted balancer has to send its whole PROXY header, ms. */
  proxyHeaderTimeoutMs?: number
  /** A trusted balancer's connection that did not begin with a valid PROXY header; it is already closed. */
  onProxyHeaderError?: (error: ProxyHeaderError) => void
  /** A TLS handshake that failed (wrong protocol, an expired server certificate at the client, a scanner). */
  onTlsClientError?: (err: Error, socket: TLSSocket, clientAddress: string | undefined) => void
  /** Every TCP connection once its client is known, before any TLS handshake; it may destroy the socket (connection caps). */
  onConnection?: ConnectionHandler
  /** A TLS handshake not finished within this is abandoned; Node's default is 120 s. */
  tlsHandshakeTimeoutMs?: number
}

export interface Listeners {
  /** The plain listener, else the TLS one. */
  server: Server
  port: number
  /** The listener of MQTT over TLS: it takes TCP connections, and the TLS handshake follows any PROXY header. */
  tlsServer?: Server | undefined
  tlsPort?: number | undefined
  close (): Promise<void>
}

/**
 * The broker's listeners: plain MQTT, MQTT over TLS, or both, each handing
 * its connections to Aedes. With a CA, the TLS listener asks every client for
 * a certificate but lets one without a certificate (or with one the CA did
 * not sign) finish the handshake: such a cabinet still connects with its
 * secret, and an unverified certificate authenticates nothing.
 *
 * Both listen for TCP. A connection from a trusted balancer first has its
 * PROXY header read, then either listener goes on as for a direct one; the
 * TLS listener then hands the socket to a TLS server that never listens
 * itself, because a balancer passing TLS through writes the header before
 * the client's handshake.
 */
export async function openListeners (handle: ConnectionHandler, options: ListenerOptions): Promise<Listeners> {
  if (options.port === undefined && options.tls === undefined) throw new Error('no MQTT listener: neither plain MQTT nor TLS is configured')
  const opened: Server[] = []
  // Connections still sending their PROXY header: Aedes does not know them yet, so the close ends them.
  const awaitingHeader = new Set<Socket>()
  const close = async (): Promise<void> => {
    for (const socket of awaitingHeader) socket.destroy()
    await Promise.all(opened.map(server => new Promise<void>(resolve => server.close(() => resolve()))))
  }
  const accept = (next: ConnectionHandler) => (socket: Socket): void => {
    // Reset before it was looked at (a balancer's health check is often that quick): nobody to serve,
    // and with its address gone it could not even be told from a trusted balancer.
    if (socket.remoteAddress === undefined) return void socket.destroy()
    const admit = (clientAddress: string | undefined): void => {
      options.onConnection?.(socket, clientAddress)
      if (!socket.destroyed) next(socket, clientAddress)
    }
    if (options.trustedProxies?.has(socket.remoteAddress) !== true) return admit(socket.remoteAddress)
    awaitingHeader.add(socket)
    readProxyHeader(socket, options.proxyHeaderTimeoutMs ?? DEFAULT_PROXY_HEADER_TIMEOUT_MS, (error, clientAddress) => {
      awaitingHeader.delete(socket)
      if (error !== undefined) options.onProxyHeaderError?.(error)
      else admit(clientAddress)
    })
  }
  try {
    let plain: Server | undefined
    if (options.port !== undefined) {
      plain = createServer(accept(handle))
      await listen(plain, options.port, options.host, 'MQTT_PORT')
      opened.push(plain)
    }
    let tlsServer: Server | undefined
    if (options.tls !== undefined) {
      const { cert, key, passphrase, ca } = options.tls
      // The TLS socket reports the balancer's address and port, as its TCP socket did: by them it finds the client's.
      const relayed = new Map<string, string | undefined>()
      const clientOf = (socket: Socket): string | undefined => {
        const key = endpointKey(socket)
        return relayed.has(key) ? relayed.get(key) : socket.remoteAddress
      }
      const tlsEngine = createTlsServer({
        cert,
        key,
        ...(passphrase !== undefined ? { passphrase } : {}),
        ...(ca !== undefined ? { ca, requestCert: true, rejectUnauthorized: false } : {}),
        minVersion: 'TLSv1.2',
        ...(options.tlsHandshakeTimeoutMs !== undefined ? { handshakeTimeout: options.tlsHandshakeTimeoutMs } : {})
      }, socket => handle(socket, clientOf(socket)))
      const { onTlsClientError } = options
      if (onTlsClientError !== undefined) tlsEngine.on('tlsClientError', (err, socket) => onTlsClientError(err, socket, clientOf(socket)))
      tlsServer = createServer(accept((socket, clientAddress) => {
        if (clientAddress !== socket.remoteAddress) {
          const key = endpointKey(socket)
          relayed.set(key, clientAddress)
          socket.once('close', () => relayed.delete(key))
        }
        tlsEngine.emit('connection', socket)
      }))
      await listen(tlsServer, options.tls.port, options.host, 'MQTT_TLS_PORT')
      opened.push(tlsServer)
    }
    const server = plain ?? tlsServer!
    return {
      server,
      port: portOf(server),
      tlsServer,
      tlsPort: tlsServer === undefined ? undefined : portOf(tlsServer),
      close
    }
  } catch (err) {
    await close()
    throw err
  }
}

const DEFAULT_PROXY_HEADER_TIMEOUT_MS = 10_000

function endpointKey (socket: Socket): string {
  return `${socket.remoteAddress} ${socket.remotePort}`
}

/** The TLS listener's options from the settings, its files read; undefined when TLS is off. */
export async function mqttTlsFromConfig (config: BrokerConfig): Promise<MqttTlsOptions | undefined> {
  if (config.MQTT_TLS_CERT_FILE === undefined || config.MQTT_TLS_KEY_FILE === undefined) return undefined
  const files = await readPemSettings({
    MQTT_TLS_CERT_FILE: config.MQTT_TLS_CERT_FILE,
    MQTT_TLS_KEY_FILE: config.MQTT_TLS_KEY_FILE,
    MQTT_TLS_CA_FILE: config.MQTT_TLS_CA_FILE
  })
  return {
    port: config.MQTT_TLS_PORT,
    cert: files.MQTT_TLS_CERT_FILE!,
    key: files.MQTT_TLS_KEY_FILE!,
    passphrase: config.MQTT_TLS_KEY_PASSPHRASE,
    ca: files.MQTT_TLS_CA_FILE
  }
}

// `setting` names the broker setting that chose the port, for the message.
async function listen (server: Server, port: number, host: string, setting: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const fail = (err: Error): void => reject(listenFailure(err, setting, host, port))
    server.once('error', fail)
    server.listen(port, host, () => { server.off('error', fail); resolve() })
  })
}

function portOf (server: Server): number {
  const address = server.address()
  if (typeof address !== 'object' || address === null) throw new Error('listener has no port')
  return address.port
}
