import t from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CredentialFile, generateSecret, SecretHasher } from '@aed/core/credentials'
import { startBrokerProcess, type BrokerProcess } from '@aed/testkit/broker-process'
import { startPrivateRedis } from '@aed/testkit/private-redis'
import { startSmsProviderStandIn } from '@aed/testkit/sms-provider-stand-in'
import { waitFor } from '@aed/testkit/wait-for'
import { startTestInflux } from './support/influx.ts'
import { startMonitorProcess } from './support/monitor-process.ts'
import { everyAcknowledgedStored, PublishingCabinet } from './support/publishing-cabinet.ts'
import { strongTestSecret } from './support/stack.ts'
import { writeOnCallAlerting } from './support/on-call-alerting.ts'

/**
 * Nothing acknowledged is lost when the broker is killed under load. The
 * broker runs from its environment in a child process, with its state on
 * disk or in Redis, and is killed with SIGKILL three times while cabinets
 * publish QoS 1 heartbeats; it is started again on the same port after a
 * pause. The monitor (its own process) and the cabinets reconnect by
 * themselves. Every message a cabinet got a PUBACK for ends up in
 * InfluxDB, and a door opened during the faults is paged exactly once.
 * Loads are small and bounded; no assertion is about time.
 */
t.setTimeout(900_000)

const influx = await startTestInflux()
const sms = await startSmsProviderStandIn()
t.teardown(async () => {
  await sms.close()
  await influx.stop()
})

const pause = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

for (const kind of ['disk', 'redis'] as const) {
  t.test(`${kind}: kill -9 of the broker three times under load: every acknowledged message is stored, a door opening is paged once`, async t => {
    const dir = await mkdtemp(join(tmpdir(), `aed-broker-faults-${kind}-`))
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    const credentialsFile = join(dir, 'credentials.json')
    const credentials = new CredentialFile(credentialsFile)
    const hashKey = generateSecret()
    const hasher = new SecretHasher(hashKey)
    const env: Record<string, string> = { CREDENTIALS_FILE: credentialsFile, CREDENTIALS_HASH_KEY: hashKey, BROKER_PERSISTENCE: kind, BROKER_DATA_DIR: join(dir, 'broker') }
    if (kind === 'redis') {
      const redis = await startPrivateRedis()
      t.teardown(() => redis.stop())
      env.REDIS_URL = redis.url
    }
    let broker: BrokerProcess = await startBrokerProcess({ env })
    t.teardown(() => broker.kill())

    const alertingFile = join(dir, 'alerting.yaml')
    await writeOnCallAlerting(alertingFile, '+359000000202')
    const monitor = await startMonitorProcess({
      HOST: '127.0.0.1',
      PORT: '0',
      AED_ADMIN_TOKEN: strongTestSecret(),
      MQTT_URL: broker.url,
      MQTT_PASSWORD: strongTestSecret(),
      MQTT_CLIENT_ID: `aed-monitor-broker-faults-${kind}-${process.pid}`,
      CREDENTIALS_FILE: credentialsFile,
      CREDENTIALS_HASH_KEY: hashKey,
      DATA_DIR: join(dir, 'monitor'),
      INFLUX_URL: influx.url,
      INFLUX_DB: influx.database,
      INFLUX_FLUSH_MS: '100',
      ALERTING_FILE: alertingFile,
      ALERT_LINK_SECRET: strongTestSecret(),
      ...sms.monitorSettings(),
      NOTIFY_RETRY_BASE_MS: '100',
      LOG_LEVEL: 'info'
    })
    t.teardown(() => monitor.kill())

    const cabinet = async (id: string): Promise<PublishingCabinet> => {
      const secret = generateSecret()
      await credentials.put(id, 'cabinet', hasher.hash(secret))
      return PublishingCabinet.connect(broker.url, id, secret)
    }
    const cabinets = await Promise.all([1, 2, 3, 4].map(n => cabinet(`${kind}-restart-0${n}`)))
    // A real Pernik cabinet, so that its door opening pages the on-call person.
    const door = await cabinet('pernik-aed-01')
    const doorPages = (): number => sms.messages.filter(m => /Взет АЕД/.test(m.body)).length
    const pagesBefore = doorPages()

    for (const c of cabinets) c.start(100)
    for (let kill = 0; kill < 3; kill++) {
      await pause(500 + Math.random() * 1000)
      await broker.kill()
      await pause(1000 + Math.random() * 1000)
      broker = await startBrokerProcess({ env, port: broker.port })
      // Mid-storm: cabinets and the monitor are still finding the new broker.
      if (kill === 1) await door.door('open')
    }
    await pause(1000)
    for (const c of cabinets) await c.stop()
    await everyAcknowledgedStored(t, cabinets, async id => {
      const rows = await influx.client.rows(`SELECT "seq" FROM "heartbeat" WHERE "cabinet" = '${id}'`)
      return new Set(rows.map(r => Number(r.seq)))
    })
    await waitFor(() => doorPages() > pagesBefore, 'the door opening paged', 120_000)
    // Give a second page, if there were to be one, the chance to arrive.
    await pause(2000)
    t.equal(doorPages() - pagesBefore, 1, 'paged exactly once across the broker kills')
    for (const c of [...cabinets, door]) await c.close()
  })
}
