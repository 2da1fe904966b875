import { createServer, type Server, type Socket } from 'node:net'
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls'
import { readPemSettings } from '@aed/core/setting-files'
import { listenFailure } from '@aed/core/start-failure'
import type { BrokerConfig } from './config.ts'

/** MQTT over TLS (port 8883): the broker's certificate, and optionally the CA of cabinet client certificates. */
export interface MqttTlsOptions {
  port: number
  cert: Buffer
  key: Buffer
  passphrase?: string | undefined
  /** Set: clients are asked for a certificate, checked against this CA (client-certificate.ts). */
  ca?: Buffer | undefined
}

export interface ListenerOptions {
  host: string
  /** Plain MQTT over TCP; undefined = off. */
  port?: number | undefined
  tls?: MqttTlsOptions | undefined
  /** A TLS handshake that failed (wrong protocol, an expired server certificate at the client, a scanner). */
  onTlsClientError?: (err: Error, socket: TLSSocket) => void
  /** Every TCP connection as it arrives, before any TLS handshake; it may destroy the socket (connection caps). */
  onConnection?: (socket: Socket) => void
  /** A TLS handshake not finished within this is abandoned; Node's default is 120 s. */
  tlsHandshakeTimeoutMs?: number
}

export interface Listeners {
  /** The plain listener, else the TLS one. */
  server: Server
  port: number
  tlsServer?: TlsServer | undefined
  tlsPort?: number | undefined
  close (): Promise<void>
}

/**
 * The broker's listeners: plain MQTT, MQTT over TLS, or both, each handing
 * its connections to Aedes. With a CA, the TLS listener asks every client for
 * a certificate but lets one without a certificate (or with one the CA did
 * not sign) finish the handshake: such a cabinet still connects with its
 * secret, and an unverified certificate authenticates nothing.
 */
export async function openListeners (handle: (socket: Socket) => void, options: ListenerOptions): Promise<Listeners> {
  if (options.port === undefined && options.tls === undefined) throw new Error('no MQTT listener: neither plain MQTT nor TLS is configured')
  const opened: Server[] = []
  const close = async (): Promise<void> => {
    await Promise.all(opened.map(server => new Promise<void>(resolve => server.close(() => resolve()))))
  }
  try {
    let plain: Server | undefined
    if (options.port !== undefined) {
      plain = createServer(handle)
      if (options.onConnection !== undefined) plain.prependListener('connection', options.onConnection)
      await listen(plain, options.port, options.host, 'MQTT_PORT')
      opened.push(plain)
    }
    let tlsServer: TlsServer | undefined
    if (options.tls !== undefined) {
      const { cert, key, passphrase, ca } = options.tls
      tlsServer = createTlsServer({
        cert,
        key,
        ...(passphrase !== undefined ? { passphrase } : {}),
        ...(ca !== undefined ? { ca, requestCert: true, rejectUnauthorized: false } : {}),
        minVersion: 'TLSv1.2',
        ...(options.tlsHandshakeTimeoutMs !== undefined ? { handshakeTimeout: options.tlsHandshakeTimeoutMs } : {})
      }, handle)
      if (options.onConnection !== undefined) tlsServer.prependListener('connection', options.onConnection)
      if (options.onTlsClientError !== undefined) tlsServer.on('tlsClientError', options.onTlsClientError)
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
