/**
 * `npm run demo`: the whole system on its embedded defaults in one process —
 * InfluxDB (INFLUX_URL, else a private influxd from PATH), the broker, the
 * monitor and the simulated Pernik fleet — with a console to make cabinets
 * do things. Ctrl-C stops everything.
 *
 * One demo per DEMO_DIR (demo-lock.ts); each run starts a fresh session
 * unless given --keep (fresh-session.ts); whatever way it ends, everything
 * it started stops (shutdown-sequence.ts); a start-up failure is a message
 * saying what to fix, not a stack trace.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { pino, type Logger } from 'pino'
import { startBroker } from '@aed/broker'
import { loadFleet } from '@aed/core/fleet'
import { SHUTDOWN_TIMEOUT_MS } from '@aed/core/run-service'
import { PortInUseError, describeStartFailure, wantsStackTraces } from '@aed/core/start-failure'
import { findInfluxd, freePort, startPrivateInfluxd } from '@aed/testkit/private-influxd'
import {
  CONSOLE_HELP, ConsoleCommandError, SimulatedCabinet, cabinetsToSimulate, provisionCabinets, runConsoleCommand, writeSecrets
} from '@aed/firmware-sim'
import { loadMonitorConfig, type MonitorConfig } from '../../services/monitor/src/config.ts'
import { startMonitorService, type RunningService } from '../../services/monitor/src/service.ts'
import { startSmtpTestServer } from '@aed/testkit/smtp-test-server'
import { startSmsProviderStandIn } from '@aed/testkit/sms-provider-stand-in'
import { loadDemoConfig, type DemoConfig } from './demo-config.ts'
import { DemoLock } from './demo-lock.ts'
import { clearPreviousSession } from './fresh-session.ts'
import { printMessagesAsTheyArrive } from './message-printer.ts'
import { ShutdownSequence } from './shutdown-sequence.ts'

const shutdown = new ShutdownSequence()
let exiting = false

/** The one way out: stops what was started, then exits with `code`. */
async function exit (code: number, message?: string): Promise<void> {
  if (exiting) return
  exiting = true
  if (message !== undefined) console.error(message)
  // A stop that hangs does not keep the demo: the 'exit' hook still kills influxd.
  setTimeout(() => {
    console.error(`stopping took longer than ${SHUTDOWN_TIMEOUT_MS / 1000} s: exiting anyway`)
    process.exit(code === 0 ? 1 : code)
  }, SHUTDOWN_TIMEOUT_MS).unref()
  await shutdown.run((name, err) => console.error(`stopping ${name} failed: ${(err as Error).message ?? String(err)}`))
  process.exit(code)
}

process.on('exit', () => shutdown.killChildren())
// Handled every time, not once: a second Ctrl-C would otherwise end the
// process by the default action, where no 'exit' hook runs and influxd stays.
const onSignal = (): void => {
  if (exiting) {
    console.error('stopping at once')
    process.exit(1)
  }
  console.log('\nstopping…')
  void exit(0)
}
process.on('SIGINT', onSignal)
process.on('SIGTERM', onSignal)
// LOG_LEVEL is read here too: an error may come before the settings are read.
const failure = (heading: string) => (err: unknown) => { void exit(1, describeStartFailure(err, { heading, verbose: wantsStackTraces(process.env.LOG_LEVEL) })) }
process.on('uncaughtException', failure('demo failed'))
process.on('unhandledRejection', failure('demo failed'))

async function main (): Promise<void> {
  const demo = loadDemoConfig(process.env, process.argv.slice(2))
  await mkdir(demo.dir, { recursive: true })
  const lock = await DemoLock.acquire(demo.dir)
  shutdown.add('the demo lock', () => lock.release())
  process.on('exit', () => lock.release())
  if (!demo.keep) await clearPreviousSession(demo.dir)
  await runDemo(demo, lock)
}

async function runDemo (demo: DemoConfig, lock: DemoLock): Promise<void> {
  const demoDir = demo.dir
  const logger = pino({ level: demo.logLevel, transport: { target: 'pino-pretty', options: { colorize: true, singleLine: true, ignore: 'pid,hostname' } } })
  shutdown.add('the log', () => new Promise<void>(resolve => logger.flush(() => resolve())))

  let influxdPid: number | undefined
  let influxUrl = demo.influxUrl
  if (influxUrl === undefined) {
    if (findInfluxd() === undefined) {
      logger.warn('no INFLUX_URL and no influxd on PATH: telemetry stays buffered in memory (apt-get install influxdb, or set INFLUX_URL)')
      influxUrl = 'http://127.0.0.1:8086'
    } else {
      const influxd = await startPrivateInfluxd(undefined, {
        dataDir: await ensureDir(join(demoDir, 'influxdb')),
        keepData: true,
        onSpawn: pid => {
          influxdPid = pid
          shutdown.killOnExit(pid)
          void lock.recordChild(pid)
        }
      })
      shutdown.add('influxd', async () => {
        await influxd.stop()
        shutdown.childExited(influxd.pid)
      })
      influxUrl = influxd.url
    }
  }

  const credentialsFile = join(demoDir, 'credentials.json')
  const credentialsHashKey = process.env.CREDENTIALS_HASH_KEY ?? await demoCredentialsHashKey(demoDir)
  // Sessions and queued messages survive a restart of the demo with --keep, like the alert journal.
  const broker = await startBroker({
    host: '0.0.0.0', port: demo.mqttPort, credentialsFile, credentialsHashKey,
    persistence: { kind: 'disk', dataDir: join(demoDir, 'broker') },
    logger: logger.child({ name: 'broker' })
  })
  shutdown.add('the broker', () => broker.close())

  // Unless real channels are configured, alerts go to a local SMTP server and
  // a local Twilio-compatible endpoint, and are printed here.
  const localChannels = process.env.SMTP_HOST === undefined && process.env.SMS_PROVIDER === undefined
  const smtp = localChannels ? await startSmtpTestServer() : undefined
  if (smtp !== undefined) shutdown.add('the local SMTP server', () => smtp.close())
  const sms = localChannels ? await startSmsProviderStandIn() : undefined
  if (sms !== undefined) shutdown.add('the local SMS endpoint', () => sms.close())
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
  const alertLinkSecret = randomBytes(32).toString('base64url')
  const mqttPassword = process.env.MQTT_PASSWORD ?? randomBytes(18).toString('base64url')
  const configFor = (port: number): MonitorConfig => loadMonitorConfig({
    ...channelEnv,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    ALERT_LINK_SECRET: alertLinkSecret,
    ...process.env,
    PORT: String(port),
    AED_ADMIN_TOKEN: adminToken,
    MQTT_URL: `mqtt://127.0.0.1:${broker.port}`,
    MQTT_PASSWORD: mqttPassword,
    CREDENTIALS_FILE: credentialsFile,
    CREDENTIALS_HASH_KEY: credentialsHashKey,
    // Always in the demo's directory: the demo clears it for a fresh session.
    DATA_DIR: join(demoDir, 'monitor'),
    INFLUX_URL: influxUrl
  })
  const { config, service } = await startMonitorOn(demo.port, configFor, logger.child({ name: 'monitor' }))
  shutdown.add('the monitor', () => service.close())

  const fleet = await loadFleet(config.FLEET_FILE)
  const ids = cabinetsToSimulate(fleet, true)
  const api = `http://127.0.0.1:${new URL(service.url).port}`
  const secrets = await provisionCabinets(api, adminToken, ids)
  const secretsFile = join(demoDir, 'sim-secrets.json')
  await writeSecrets(secretsFile, secrets)
  const cabinets = new Map<string, SimulatedCabinet>()
  shutdown.add('the simulated cabinets', async () => { await Promise.all([...cabinets.values()].map(c => c.stop())) })
  for (const id of ids) {
    const cabinet = new SimulatedCabinet({ id, secret: secrets[id]!, brokerUrl: `mqtt://127.0.0.1:${broker.port}`, heartbeatIntervalS: fleet.cabinets.get(id)?.heartbeatIntervalS ?? 60 })
    cabinet.on('error', err => logger.warn({ cabinetId: id, err: err.message }, 'simulated cabinet error'))
    cabinets.set(id, cabinet)
    cabinet.start()
  }

  if (smtp !== undefined && sms !== undefined) {
    const printer = printMessagesAsTheyArrive(sms, smtp, text => console.log(text))
    shutdown.add('the message printer', () => printer.stop())
  }
  const active = ids.filter(id => fleet.cabinets.get(id)?.status === 'active')
  const planned = ids.filter(id => fleet.cabinets.get(id)?.status === 'planned')
  const first = active[0] ?? ids[0]!
  console.log(`
AED fleet monitor demo — ${fleet.name}: ${ids.join(', ')} (simulated)${demo.keep ? ', continuing the previous session (--keep)' : ''}
  MQTT broker   mqtt://127.0.0.1:${broker.port}
  API           ${api}   (bearer token: ${adminToken})
  Public        ${api}/ (page, in a browser) and ${api}/public/v1/aeds.geojson (feed); no token, active cabinets only
  InfluxDB      ${influxUrl} database "${config.INFLUX_DB}"${influxdPid !== undefined ? ` (private influxd, pid ${influxdPid}, data in ${join(demoDir, 'influxdb')})` : ''}
  Secrets       ${secretsFile} (simulated cabinets), ${credentialsFile} (hashed, broker)
  Alerts        ${smtp !== undefined ? `local SMTP 127.0.0.1:${smtp.port} and a local SMS endpoint; every SMS and email is printed here in full` : 'the SMTP/SMS settings from the environment'}; people and rota from ${config.ALERTING_FILE}
  Cabinets      active: ${active.join(', ') || 'none'}${planned.length > 0 ? `; planned (simulated and stored, but raise no alerts until installed): ${planned.join(', ')}` : ''}

Try (type these here):
  open ${first}           the on-call person gets an SMS and an email with a link to acknowledge
  close ${first}          the alert resolves: an all-clear, and a post-use inspection task
  fail ${first}           a failed self-test: the AED is not ready
  offline ${first} 30     the cabinet drops off (its last will) and is back in 30 s
  help                    every command
Or from another terminal:
  curl -s -H 'Authorization: Bearer ${adminToken}' ${api}/api/v1/cabinets
  curl -s -H 'Authorization: Bearer ${adminToken}' '${api}/api/v1/alerts?status=open'
  mosquitto_pub -p ${broker.port} -q 1 -i ${first} -u ${first} -P '${secrets[first]}' -t aed/v1/${first}/door -m '{"ts":"'$(date -u +%FT%T.000Z)'","seq":1,"state":"open"}'
    (a cabinet must use its id as client id: use -i ${first}; the simulated cabinet then reconnects)
Ctrl-C (or "quit") stops everything; data in ${demoDir}; npm run demo -- --keep continues this session next time.
`)

  const plannedIds = new Set(planned)
  createInterface({ input: process.stdin, terminal: false }).on('line', line => {
    if (line.trim() === 'quit') { void exit(0); return }
    if (line.trim() === 'help') { console.log(CONSOLE_HELP); return }
    try {
      const output = runConsoleCommand(line, cabinets)
      if (output !== '') console.log(output)
      const target = line.trim().split(/\s+/)[1]
      if (target !== undefined && plannedIds.has(target)) {
        console.log(`(${target} is planned, not installed: the monitor stores what it sends but raises no alerts for it; try ${first})`)
      }
    } catch (err) {
      console.error(err instanceof ConsoleCommandError ? err.message : err)
    }
  })
}

/**
 * Starts the monitor on `port`. PORT=0 means any free port, but the port
 * must be known before the monitor listens, since the acknowledgement links
 * it sends carry it (PUBLIC_URL): a free port is picked, and picked again if
 * something else takes it first.
 */
async function startMonitorOn (port: number, configFor: (port: number) => MonitorConfig, logger: Logger): Promise<{ config: MonitorConfig, service: RunningService }> {
  for (let attempt = 1; ; attempt++) {
    const config = configFor(port === 0 ? await freePort() : port)
    try {
      return { config, service: await startMonitorService(config, logger) }
    } catch (err) {
      if (port !== 0 || !(err instanceof PortInUseError) || attempt === 5) throw err
    }
  }
}

async function ensureDir (dir: string): Promise<string> {
  await mkdir(dir, { recursive: true })
  return dir
}

main().catch(failure('demo cannot start'))

/**
 * The demo's CREDENTIALS_HASH_KEY: random, made at the first run and kept in
 * DEMO_DIR, so that the hashes of a kept session (--keep) still verify.
 */
async function demoCredentialsHashKey (demoDir: string): Promise<string> {
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
