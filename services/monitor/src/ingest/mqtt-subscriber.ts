import mqtt, { type IPublishPacket, type MqttClient, type Packet } from 'mqtt'
import type { Logger } from 'pino'
import { urlForLog } from '@aed/core/logger'
import { DOOR_SUBSCRIPTION, FLEET_SUBSCRIPTIONS } from '@aed/core/protocol'
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
 * One connection of the monitor to the broker and what it subscribes to.
 * `fleet` takes in every uplink and is the one commands go out on and
 * whose (re)connection is announced. `doors` is the door lane: a second
 * session that subscribes to door messages only, so an opening does not
 * queue behind thousands of heartbeats and statuses in the broker, on the
 * wire or in mqtt.js while a fleet reconnects. The fleet connection gets
 * the same door message too; whichever copy comes second is dropped as a
 * duplicate (by its `seq` and `ts`), so a lane that is down loses nothing.
 */
export const LANES = {
  fleet: { unit: 'mqtt', clientIdSuffix: '', subscriptions: FLEET_SUBSCRIPTIONS, announcesConnection: true, reconnectPeriodMs: 1000 },
  // Back first after a broker restart: it tries four times as often.
  doors: { unit: 'mqtt-doors', clientIdSuffix: '-doors', subscriptions: [DOOR_SUBSCRIPTION], announcesConnection: false, reconnectPeriodMs: 250 }
} as const

export type Lane = keyof typeof LANES

/** What the subscriber does with each message, and when it may acknowledge it. */
export interface MessageHandling {
  /** Takes one message in, synchronously (the intake). */
  handle (topic: string, payload: Buffer): void
  /** Resolves once everything handled so far is durable; a message's PUBACK waits for it. */
  durable (): Promise<void>
  /** Undefined when a new message may be taken now, else a promise of when it may. */
  admission (): Promise<void> | undefined
}

type SendPacket = (packet: Packet, callback?: () => void, ...rest: unknown[]) => void

/**
 * The monitor's MQTT connection. A persistent session (clean: false) with a
 * stable client id makes the broker keep QoS 1 messages for the monitor
 * while it is away. A message is acknowledged (PUBACK) only once what it
 * caused is durable on the monitor's disk: until then the broker keeps it
 * and delivers it again if the monitor dies. Acknowledgements are grouped:
 * mqtt.js goes on with the next message at once, and each PUBACK is sent
 * when the group commit holding its message is synced, in order.
 * Each (re)connection with its subscriptions in place is announced as
 * `brokerConnected` (the fleet lane's).
 * Connection problems are retried forever and never crash the process;
 * /readyz reports them.
 */
export class MqttSubscriber implements Unit {
  readonly name: string
  private client: MqttClient | undefined
  /** Counts connections, so a PUBACK held across a reconnect is not sent on the new one. */
  private connection = 0
  /** This process's subscriptions are in its broker session. */
  private subscribed = false

  constructor (
    private readonly options: MqttSubscriberOptions,
    private readonly handling: MessageHandling,
    private readonly bus: MonitorBus,
    private readonly logger: Logger,
    private readonly lane: Lane = 'fleet'
  ) {
    this.name = LANES[lane].unit
  }

  get connected (): boolean {
    return this.client?.connected === true
  }

  start (): void {
    const lane = LANES[this.lane]
    const client = mqtt.connect(this.options.url, {
      clientId: this.options.clientId + lane.clientIdSuffix,
      username: this.options.username,
      password: this.options.password,
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: lane.reconnectPeriodMs,
      // It subscribes itself, on each connection that needs it (below).
      resubscribe: false,
      connectTimeout: 10_000,
      keepalive: 30,
      ...(this.options.ca !== undefined ? { ca: this.options.ca } : {})
    })
    this.client = client
    client.handleMessage = (packet, callback) => this.take(packet, callback)
    this.holdAcknowledgements(client)
    client.on('connect', connack => {
      this.connection++
      this.logger.info({ url: urlForLog(this.options.url), lane: this.lane, sessionPresent: connack.sessionPresent }, 'connected to broker')
      const announce = (): void => { if (lane.announcesConnection) this.bus.emit('brokerConnected') }
      // A session the broker kept holds this process's subscriptions already. Subscribing again would make
      // the broker send every retained status once more: 100,000 messages at a national fleet, on every
      // reconnection, in the middle of the fleet's own reconnect storm. A new process subscribes (its
      // memory is empty: the retained statuses tell it which cabinets are online), and so does one whose
      // session the broker lost.
      if (connack.sessionPresent && this.subscribed) {
        announce()
        return
      }
      client.subscribe([...lane.subscriptions], { qos: 1 }, err => {
        if (err) {
          this.logger.error({ err, lane: this.lane }, 'subscribing to cabinet topics failed')
          return
        }
        this.subscribed = true
        announce()
      })
    })
    client.on('error', err => this.logger.warn({ err }, 'MQTT error'))
    client.on('offline', () => this.logger.warn({ url: urlForLog(this.options.url), lane: this.lane }, 'broker unreachable, retrying'))
  }

  async publish (topic: string, payload: string): Promise<void> {
    if (this.client === undefined) throw new Error(`cannot publish to ${topic}: MQTT not started`)
    await this.client.publishAsync(topic, payload, { qos: 1 })
  }

  /**
   * Ends the session, waiting up to `graceMs` for the broker to acknowledge
   * what was published (a command); a broker that is gone never does, and
   * mqtt.js would wait for it for ever. Then the connection is dropped.
   */
  async stop (graceMs = 2000): Promise<void> {
    const client = this.client
    if (client === undefined) return
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>(resolve => { timer = setTimeout(() => resolve('late'), graceMs) })
    const ended = await Promise.race([client.endAsync(), late])
    clearTimeout(timer)
    if (ended === 'late') {
      this.logger.warn({ lane: this.lane, unacknowledged: Object.keys(client.outgoing).length }, 'the broker did not acknowledge what was published: disconnecting without waiting further')
      client.stream?.destroy()
    }
  }

  /** mqtt.js calls this for every PUBLISH, one at a time; it sends the PUBACK when `done` is called. */
  private take (packet: IPublishPacket, done: (err?: Error) => void): void {
    const handle = (): void => {
      try {
        this.handling.handle(packet.topic, packet.payload as Buffer)
      } catch (err) {
        // The intake never throws by design; if it ever does, the message is still acknowledged once durable, not retried forever.
        this.logger.error({ err, topic: packet.topic }, 'handling a message failed')
      }
      done()
    }
    const wait = this.handling.admission()
    if (wait === undefined) handle()
    else {
      this.logger.warn('InfluxDB is far behind: new messages wait with the broker until the spool has room')
      wait.then(handle, err => done(err as Error))
    }
  }

  /**
   * Sends each PUBACK only once its message is durable. mqtt.js sends it
   * from a private `_sendPacket`; wrapping it keeps mqtt.js's own flow (it
   * moves on to the next packet at once) while the acknowledgement waits.
   */
  private holdAcknowledgements (client: MqttClient): void {
    const target = client as unknown as { _sendPacket: SendPacket }
    const send = target._sendPacket.bind(client)
    target._sendPacket = (packet, callback, ...rest) => {
      if (packet.cmd !== 'puback') {
        send(packet, callback, ...rest)
        return
      }
      const connection = this.connection
      callback?.()
      this.handling.durable().then(
        () => { if (connection === this.connection && client.connected) send(packet) },
        (err: unknown) => this.logger.error({ err, messageId: packet.messageId }, 'message not durable: not acknowledged, the broker will deliver it again')
      )
    }
  }
}
