/**
 * `npm run demo`: the whole system on its embedded defaults in one process —
 * InfluxDB (INFLUX_URL, else a private influxd from PATH), the broker, the
 * monitor and the simulated Pernik fleet — with a console to make cabinets
 * do things. Ctrl-C stops everything.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import { startBroker } from '@aed/broker'
import { loadFleet } from '@aed/core/fleet'
import { findInfluxd, startPrivateInfluxd, type PrivateInfluxd } from '@aed/testkit/private-influxd'
import {
  CONSOLE_HELP, ConsoleCommandError, SimulatedCabinet, cabinetsToSimulate, provisionCabinets, runConsoleCommand, writeSecrets
} from '@aed/firmware-sim'
import { loadMonitorConfig } from '../../services/monitor/src/config.ts'
import { startMonitorService } from '../../services/monitor/src/service.ts'
import { startSmtpTestServer } from '@aed/testkit/smtp-test-server'
import { startSmsProviderStandIn } from '@aed/testkit/sms-provider-stand-in'

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)))
const demoDir = join(root, '.demo')

/**
 * The demo's CREDENTIALS_HASH_KEY: random, made at the first run and kept in
 * .demo/ beside the credentials file its hashes are in (mode 0600), so the
 * next run's broker can verify them. A production key lives in the
 * configuration of the broker and the monitor, never beside the file.
 */
async function demoCredentialsHashKey (): Promise<string> {
  const file = join(demoDir, 'credentials-hash-key')
  try {
    return (await readFile(file, 'utf8')).trim()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const key = randomBytes(32).toString('base64')
  await writeFile(file, key + '\n', { mode: 0o600 })
  return key
}

async function main (): Promise<void> {
  await mkdir(demoDir, { recursive: true })
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', transport: { target: 'pino-pretty', options: { colorize: true, singleLine: true, ignore: 'pid,hostname' } } })

  let influxd: PrivateInfluxd | undefined
  let influxUrl = process.env.INFLUX_URL
  if (influxUrl === undefined || influxUrl === '') {
    if (findInfluxd() === undefined) {
      logger.warn('no INFLUX_URL and no influxd on PATH: telemetry stays buffered in memory (apt-get install influxdb, or set INFLUX_URL)')
      influxUrl = 'http://127.0.0.1:8086'
    } else {
      influxd = await startPrivateInfluxd(undefined, { dataDir: await ensureDir(join(demoDir, 'influxdb')), keepData: true })
      influxUrl = influxd.url
    }
  }

  const credentialsFile = join(demoDir, 'credentials.json')
  const credentialsHashKey = process.env.CREDENTIALS_HASH_KEY ?? await demoCredentialsHashKey()
  const mqttPort = Number(process.env.MQTT_PORT ?? 1883)
  // Sessions and queued messages survive a restart of the demo, like the alert journal.
  const broker = await startBroker({
    host: '0.0.0.0', port: mqttPort, credentialsFile, credentialsHashKey, persistence: { kind: 'disk', dataDir: join(demoDir, 'broker') }, logger: logger.child({ name: 'broker' })
  })

  // Unless real channels are configured, alerts go to a local SMTP server and
  // a local Twilio-compatible endpoint, and are printed here.
  const localChannels = process.env.SMTP_HOST === undefined && process.env.SMS_PROVIDER === undefined
  const smtp = localChannels ? await startSmtpTestServer() : undefined
  const sms = localChannels ? await startSmsProviderStandIn() : undefined
  const channelEnv: Record<string, string> = smtp !== undefined && sms !== undefined
    ? {
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(smtp.port),
        SMTP_TLS_REJECT_UNAUTHORIZED: 'false',
        SMS_PROVIDER: 'twilio',
        SMS_BASE_URL: sms.baseUrl,
        SMS_ACCOUNT_SID: sms.accountSid,
        SMS_AUTH_TOKEN: sms.authToken,
        SMS_FROM: 'AED-Demo'
      }
    : {}

  const adminToken = process.env.AED_ADMIN_TOKEN ?? randomBytes(18).toString('base64url')
  const port = Number(process.env.PORT ?? 8080)
  const config = loadMonitorConfig({
    ...channelEnv,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    ALERT_LINK_SECRET: randomBytes(32).toString('base64url'),
    ...process.env,
    AED_ADMIN_TOKEN: adminToken,
    MQTT_URL: `mqtt://127.0.0.1:${broker.port}`,
    MQTT_PASSWORD: process.env.MQTT_PASSWORD ?? randomBytes(18).toString('base64url'),
    CREDENTIALS_FILE: credentialsFile,
    CREDENTIALS_HASH_KEY: credentialsHashKey,
    DATA_DIR: process.env.DATA_DIR ?? join(demoDir, 'monitor'),
    INFLUX_URL: influxUrl
  })
  const service = await startMonitorService(config, logger.child({ name: 'monitor' }))

  const fleet = await loadFleet(config.FLEET_FILE)
  const ids = cabinetsToSimulate(fleet, true)
  const secrets = await provisionCabinets(service.url.replace('0.0.0.0', '127.0.0.1'), adminToken, ids)
  const secretsFile = join(demoDir, 'sim-secrets.json')
  await writeSecrets(secretsFile, secrets)
  const cabinets = new Map<string, SimulatedCabinet>()
  for (const id of ids) {
    const cabinet = new SimulatedCabinet({ id, secret: secrets[id]!, brokerUrl: `mqtt://127.0.0.1:${broker.port}`, heartbeatIntervalS: fleet.cabinets.get(id)?.heartbeatIntervalS ?? 60 })
    cabinet.on('error', err => logger.warn({ cabinetId: id, err: err.message }, 'simulated cabinet error'))
    cabinets.set(id, cabinet)
    cabinet.start()
  }

  const api = `http://127.0.0.1:${new URL(service.url).port}`
  if (smtp !== undefined && sms !== undefined) {
    let shownSms = 0
    let shownMail = 0
    const show = setInterval(() => {
      for (const m of sms.messages.slice(shownSms)) console.log(`\n📱 SMS to ${m.to}: ${m.body}`)
      for (const m of smtp.mails.slice(shownMail)) console.log(`\n✉️  email to ${m.envelopeTo.join(', ')}: ${m.subject}`)
      shownSms = sms.messages.length
      shownMail = smtp.mails.length
    }, 300)
    show.unref()
  }
  const first = ids[0]!
  console.log(`
AED fleet monitor demo — ${fleet.name}: ${ids.join(', ')} (simulated)
  MQTT broker   mqtt://127.0.0.1:${broker.port}
  API           ${api}   (bearer token: ${adminToken})
  Public        ${api}/ (page, in a browser) and ${api}/public/v1/aeds.geojson (feed); no token, active cabinets only
  InfluxDB      ${influxUrl} database "${config.INFLUX_DB}"${influxd !== undefined ? ' (private influxd, data in .demo/influxdb)' : ''}
  Secrets       ${secretsFile} (simulated cabinets), ${credentialsFile} (hashed, broker)
  Alerts        ${smtp !== undefined ? `local SMTP 127.0.0.1:${smtp.port} and a local SMS endpoint; messages are printed here` : 'the SMTP/SMS settings from the environment'}; people and rota from ${config.ALERTING_FILE}

Try:
  curl -s -H 'Authorization: Bearer ${adminToken}' ${api}/api/v1/cabinets
  curl -s -H 'Authorization: Bearer ${adminToken}' '${api}/api/v1/alerts?status=open'
  open pernik-aed-01     (type it here: the on-call person gets an SMS and an email with a link to acknowledge)
  mosquitto_pub -p ${broker.port} -q 1 -i ${first} -u ${first} -P '${secrets[first]}' -t aed/v1/${first}/door -m '{"ts":"'$(date -u +%FT%T.000Z)'","seq":1,"state":"open"}'
    (a cabinet must use its id as client id: use -i ${first}; the simulated cabinet then reconnects)
Type commands below to drive the simulated cabinets ("help"); Ctrl-C stops everything.
`)

  let stopping = false
  const stop = async (): Promise<void> => {
    if (stopping) return
    stopping = true
    console.log('\nstopping…')
    await Promise.all([...cabinets.values()].map(c => c.stop()))
    await service.close()
    await broker.close()
    await Promise.all([smtp?.close(), sms?.close()])
    await influxd?.stop()
    process.exit(0)
  }
  process.once('SIGINT', () => { void stop() })
  process.once('SIGTERM', () => { void stop() })
  createInterface({ input: process.stdin, terminal: false }).on('line', line => {
    if (line.trim() === 'quit') { void stop(); return }
    if (line.trim() === 'help') { console.log(CONSOLE_HELP); return }
    try {
      const output = runConsoleCommand(line, cabinets)
      if (output !== '') console.log(output)
    } catch (err) {
      console.error(err instanceof ConsoleCommandError ? err.message : err)
    }
  })
}

async function ensureDir (dir: string): Promise<string> {
  await mkdir(dir, { recursive: true })
  return dir
}

main().catch(err => {
  console.error(err)
  process.exit(1)
})
