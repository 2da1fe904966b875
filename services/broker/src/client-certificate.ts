import { TLSSocket } from 'node:tls'
import type { Client } from 'aedes'

/**
 * The common name of the client certificate a connection presented, if the
 * TLS listener verified it against MQTT_TLS_CA_FILE (chain and validity
 * dates); undefined for plain MQTT, for a TLS connection without a
 * certificate, and for a certificate the CA did not sign.
 */
export function verifiedCertificateName (client: Client): string | undefined {
  const conn = client.conn
  if (!(conn instanceof TLSSocket) || !conn.authorized) return undefined
  const commonName = conn.getPeerCertificate().subject?.CN
  // A subject may hold several CNs (an array): that names no single cabinet.
  return typeof commonName === 'string' ? commonName : undefined
}
