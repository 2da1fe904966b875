import mqtt, { type MqttClient } from 'mqtt'
import type { Logger } from 'pino'
import { urlForLog } from '@aed/core/logger'
import { FLEET_SUBSCRIPTIONS } from '@aed/core/protocol'
import type { MonitorBus } from '../events.ts'
import type { Unit } from '../unit.ts'

export interface MqttSubscriberOptions {
  url: string
  username: string
  password: string
  clientId: string
  /** For mqtts://: the CA that signed the broker's certificate (MQTT_CA_FILE); the system's CAs otherwise. */
  ca?: Buffer | undefined
}

/**
 * The monitor's MQTT connection. A persistent session (clean: false) with a
 * stable client id makes the broker keep QoS 1 messages for the monitor
 * while it is restarting. Each message goes to `onMessage` (the intake);
 * each completed subscription is announced as `brokerConnected`.
 * Connection problems are retried forever and never crash the process;
 * /readyz reports them.
 */
export class MqttSubscriber implements Unit {
  readonly name = 'mqtt'
  private client: MqttClient | undefined

  constructor (
    private readonly options: MqttSubscriberOptions,
    private readonly onMessage: (topic: string, payload: Buffer) => void,
    private readonly bus: MonitorBus,
    private readonly logger: Logger
  ) {}

  get connected (): boolean {
    return this.client?.connected === true
  }

  start (): void {
    const client = mqtt.connect(this.options.url, {
      clientId: this.options.clientId,
      username: this.options.username,
      password: this.options.password,
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      keepalive: 30,
      ...(this.options.ca !== undefined ? { ca: this.options.ca } : {})
    })
    this.client = client
    client.on('connect', connack => {
      this.logger.info({ url: urlForLog(this.options.url), sessionPresent: connack.sessionPresent }, 'connected to broker')
      client.subscribe(FLEET_SUBSCRIPTIONS, { qos: 1 }, err => {
        if (err) this.logger.error({ err }, 'subscribing to cabinet topics failed')
        else this.bus.emit('brokerConnected')
      })
    })
    client.on('message', (topic, payload) => this.onMessage(topic, payload))
    client.on('error', err => this.logger.warn({ err }, 'MQTT error'))
    client.on('offline', () => this.logger.warn({ url: urlForLog(this.options.url) }, 'broker unreachable, retrying'))
  }

  async publish (topic: string, payload: string): Promise<void> {
    if (this.client === undefined) throw new Error(`cannot publish to ${topic}: MQTT not started`)
    await this.client.publishAsync(topic, payload, { qos: 1 })
  }

  async stop (): Promise<void> {
    await this.client?.endAsync()
  }
}
