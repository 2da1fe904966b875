import type { ServerOptions as HttpsServerOptions } from 'node:https'
import { readPemSettings } from '@aed/core/setting-files'
import type { MonitorConfig } from './config.ts'

export interface MonitorTls {
  /** The API's certificate and key when HTTPS_CERT_FILE and HTTPS_KEY_FILE are set; undefined = plain HTTP. */
  https: HttpsServerOptions | undefined
  /** The CA the broker's certificate is checked against (mqtts://); undefined = the system's CAs. */
  mqttCa: Buffer | undefined
}

type TlsSettings = Pick<MonitorConfig, 'HTTPS_CERT_FILE' | 'HTTPS_KEY_FILE' | 'HTTPS_KEY_PASSPHRASE' | 'MQTT_CA_FILE'>

/** Reads the certificate files the settings name; every file that cannot be read is listed at once. */
export async function readTlsSettings (config: TlsSettings): Promise<MonitorTls> {
  const files = await readPemSettings({
    HTTPS_CERT_FILE: config.HTTPS_CERT_FILE,
    HTTPS_KEY_FILE: config.HTTPS_KEY_FILE,
    MQTT_CA_FILE: config.MQTT_CA_FILE
  })
  const https = files.HTTPS_CERT_FILE === undefined || files.HTTPS_KEY_FILE === undefined
    ? undefined
    : {
        cert: files.HTTPS_CERT_FILE,
        key: files.HTTPS_KEY_FILE,
        ...(config.HTTPS_KEY_PASSPHRASE !== undefined ? { passphrase: config.HTTPS_KEY_PASSPHRASE } : {}),
        minVersion: 'TLSv1.2' as const
      }
  return { https, mqttCa: files.MQTT_CA_FILE }
}
