import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { CredentialFile, generateSecret, SecretHasher } from '@aed/core/credentials'
import { InfluxV1Client } from '@aed/core/influx'
import { startBrokerProcess, type BrokerProcess } from '@aed/testkit/broker-process'
import type { PrivateInfluxd } from '@aed/testkit/private-influxd'
import { startSmsProviderStandIn, type SmsProviderStandIn } from '@aed/testkit/sms-provider-stand-in'
import { startMonitorProcess, type MonitorProcess } from '../../support/monitor-process.ts'
import { PublishingCabinet } from '../../support/publishing-cabinet.ts'
import { strongTestSecret } from '../../support/stack.ts'
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.ts'
import { writeOnCallAlerting } from '../../support/on-call-alerting.ts'

/** A cabinet of the default (Pernik) fleet: its door opening pages the on-call person. */
export const DOOR_CABINET = 'pernik-aed-01'
/** What the door_open SMS says, in Bulgarian ("AED taken"). */
const DOOR_PAGE = /Взет АЕД/

/**
 * What every row of the durability benchmark shares: one directory, one
 * credentials file with the cabinets' hashes (scrypt at production cost is
 * paid once, not per row), the alerting file, and the private influxd.
 */
export interface DurabilityGround {
  dir: string
  credentialsFile: string
  /** CREDENTIALS_HASH_KEY shared by the broker and the monitor. */
  hashKey: string
  secrets: ReadonlyMap<string, string>
  alertingFile: string
  influxd: PrivateInfluxd
}

export async function prepareGround (dir: string, cabinetIds: readonly string[], influxd: PrivateInfluxd): Promise<DurabilityGround> {
  await mkdir(dir, { recursive: true })
  const credentialsFile = join(dir, 'credentials.json')
  const credentials = new CredentialFile(credentialsFile)
  const secrets = new Map<string, string>()
  const hashKey = generateSecret()
  const hasher = new SecretHasher(hashKey)
  for (const id of [...cabinetIds, DOOR_CABINET]) {
    const secret = generateSecret()
    await credentials.put(id, 'cabinet', hasher.hash(secret))
    secrets.set(id, secret)
  }
  const alertingFile = join(dir, 'alerting.yaml')
  // As the fault tests have it: one person on call at all hours, no escalation within a row, no digest.
  await writeOnCallAlerting(alertingFile, '+359000000203')
  return { dir, credentialsFile, hashKey, secrets, alertingFile, influxd }
}

export interface RigOptions {
  /** Names the row's directory, database and client ids. */
  key: string
  persistence: 'disk' | 'redis'
  /** For `redis`: the private redis-server of this row. */
  redisUrl?: string
  /** The monitor reaches InfluxDB through a TCP proxy the row can hang; otherwise directly. */
  influxViaProxy: boolean
  cabinetIds: readonly string[]
}

/**
 * One row's world, each part its own process as in a deployment: the broker
 * (`@aed/testkit/broker-process`, from its environment, state on disk or in
 * Redis), the monitor (its real entry point), InfluxDB (the shared private
 * influxd, a database per row), plus an SMS stand-in and the publishing
 * cabinets in this process. Fresh per row, so no row inherits another's
 * sessions, spool or alerts.
 */
export class DurabilityRig {
  private doorPublish: Promise<void> | undefined

  private constructor (
    readonly options: RigOptions,
    private readonly ground: DurabilityGround,
    private readonly brokerEnv: Record<string, string>,
    public broker: BrokerProcess,
    readonly monitor: MonitorProcess,
    readonly influxProxy: TcpProxy | undefined,
    readonly sms: SmsProviderStandIn,
    readonly influx: InfluxV1Client,
    readonly cabinets: PublishingCabinet[],
    readonly door: PublishingCabinet,
    private readonly rowDir: string
  ) {}

  static async start (ground: DurabilityGround, options: RigOptions): Promise<DurabilityRig> {
    const rowDir = join(ground.dir, options.key)
    const database = `aed_durability_${options.key.replace(/[^a-z0-9]/gi, '_')}`
    const influx = new InfluxV1Client({ url: ground.influxd.url, database })
    await influx.createDatabase()
    const brokerEnv: Record<string, string> = {
      CREDENTIALS_FILE: ground.credentialsFile,
      CREDENTIALS_HASH_KEY: ground.hashKey,
      BROKER_PERSISTENCE: options.persistence,
      BROKER_DATA_DIR: join(rowDir, 'broker'),
      ...(options.redisUrl !== undefined ? { REDIS_URL: options.redisUrl } : {})
    }
    const started: Array<() => Promise<unknown>> = []
    try {
      const broker = await startBrokerProcess({ env: brokerEnv })
      started.push(() => broker.kill())
      const sms = await startSmsProviderStandIn()
      started.push(() => sms.close())
      const influxPort = Number(new URL(ground.influxd.url).port)
      const influxProxy = options.influxViaProxy ? await startTcpProxy(influxPort) : undefined
      if (influxProxy !== undefined) started.push(() => influxProxy.close())
      const monitor = await startMonitorProcess({
        HOST: '127.0.0.1',
        PORT: '0',
        AED_ADMIN_TOKEN: strongTestSecret(),
        MQTT_URL: broker.url,
        MQTT_PASSWORD: strongTestSecret(),
        MQTT_CLIENT_ID: `aed-monitor-durability-${options.key}-${process.pid}`,
        CREDENTIALS_FILE: ground.credentialsFile,
      CREDENTIALS_HASH_KEY: ground.hashKey,
        DATA_DIR: join(rowDir, 'monitor'),
        INFLUX_URL: influxProxy !== undefined ? `http://127.0.0.1:${influxProxy.port}` : ground.influxd.url,
        INFLUX_DB: database,
        INFLUX_FLUSH_MS: '100',
        ALERTING_FILE: ground.alertingFile,
        ALERT_LINK_SECRET: strongTestSecret(),
        ...sms.monitorSettings(),
        NOTIFY_RETRY_BASE_MS: '100',
        LOG_LEVEL: 'info'
      })
      started.push(() => monitor.kill())
      const connect = (id: string): Promise<PublishingCabinet> => PublishingCabinet.connect(broker.url, id, ground.secrets.get(id)!)
      const cabinets = await Promise.all(options.cabinetIds.map(connect))
      started.push(() => Promise.all(cabinets.map(c => c.close())))
      const door = await connect(DOOR_CABINET)
      return new DurabilityRig(options, ground, brokerEnv, broker, monitor, influxProxy, sms, influx, cabinets, door, rowDir)
    } catch (err) {
      for (const stop of started.reverse()) await stop().catch(() => undefined)
      throw err
    }
  }

  /** The private influxd every row shares, to stop, kill and resume. */
  get influxd (): PrivateInfluxd {
    return this.ground.influxd
  }

  /** kill -9 of the broker, `downMs` without one, then a new broker process on the same port and the same store. */
  async killBroker (downMs: number): Promise<void> {
    await this.broker.kill()
    await new Promise(resolve => setTimeout(resolve, downMs))
    this.broker = await startBrokerProcess({ env: this.brokerEnv, port: this.broker.port })
  }

  /** The door cabinet publishes "open" (QoS 1) without waiting for its PUBACK, which may come only after the fault. */
  openDoor (): void {
    this.doorPublish = this.door.door('open')
  }

  /** The door message's PUBACK, once it is in. */
  async doorAcknowledged (): Promise<void> {
    await this.doorPublish
  }

  /** door_open SMS the stand-in has received in this row. */
  doorPages (): number {
    return this.sms.messages.filter(m => DOOR_PAGE.test(m.body)).length
  }

  /** The `seq` values of a cabinet's heartbeats in this row's database. */
  async storedSeqs (cabinetId: string): Promise<Set<number>> {
    const rows = await this.influx.rows(`SELECT "seq" FROM "heartbeat" WHERE "cabinet" = '${cabinetId}'`)
    return new Set(rows.map(r => Number(r.seq)))
  }

  /** Stops everything of the row: the monitor with SIGTERM (kill -9 if it hangs), the broker cleanly, then the files. */
  async stop (): Promise<void> {
    for (const cabinet of [...this.cabinets, this.door]) await cabinet.close().catch(() => undefined)
    const terminated = this.monitor.terminate()
    const late = setTimeout(() => { this.monitor.kill().catch(() => undefined) }, 15_000)
    await terminated.catch(() => undefined)
    clearTimeout(late)
    await this.broker.stop().catch(() => undefined)
    await this.influxProxy?.close()
    await this.sms.close()
    await this.influx.query(`DROP DATABASE "${this.influx.options.database}"`, 'POST').catch(() => undefined)
    await rm(this.rowDir, { recursive: true, force: true })
  }
}
