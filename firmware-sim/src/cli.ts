import { execFileSync } from 'node:child_process'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { loadFleet, PERNIK_FLEET_FILE } from '@aed/core/fleet'
import { isCabinetId } from '@aed/core/protocol'
import { describeStartFailure, wantsStackTraces } from '@aed/core/start-failure'
import { CONSOLE_HELP, ConsoleCommandError, runConsoleCommand } from './console-commands.ts'
import { provisionSyntheticFleet } from './fleet-provision.ts'
import { brokerAddress, LeanFleet } from './lean/lean-fleet.ts'
import { CABINETS_PER_SOURCE_ADDRESS, loopbackSourceAddresses, MAX_CABINETS_PER_PROCESS, startLeanFleetProcesses } from './lean/lean-fleet-processes.ts'
import { backoffProblems, DEFAULT_BACKOFF } from './lean/reconnect-backoff.ts'
import { cabinetsToSimulate, provisionCabinets } from './provision.ts'
import { readSecrets, writeSecrets } from './secrets-file.ts'
import { SimulatedCabinet } from './simulated-cabinet.ts'

/** Under .demo/, which is git-ignored, so that secrets never land in the repository. */
const DEFAULT_SECRETS_FILE = '.demo/sim-secrets.json'

const HELP = `aed-sim — AED cabinet simulator (protocol v1) for commissioning, testing and training

Usage:
  aed-sim run [options]              simulate cabinets and take commands on standard input
  aed-sim provision [options]        issue MQTT secrets for the fleet's cabinets through the monitor's API
  aed-sim fleet [options]            load test: thousands of lean cabinets per process, over several processes
  aed-sim fleet-provision [options]  load test: make N synthetic cabinets (fleet file, credentials, secrets)
  aed-sim --help

run options:
  --broker URL          MQTT broker (default mqtt://127.0.0.1:1883)
  --fleet FILE          fleet file to simulate (default: the Pernik fleet, infra/fleet/pernik.yaml)
  --secrets FILE        JSON {"cabinet-id": "secret"} from "provision" (required with --fleet)
  --cabinet ID          simulate only this cabinet
  --secret SECRET       its secret (instead of --secrets)
  --include-planned     also simulate cabinets whose status is "planned"
  --speed N             run time N times faster (heartbeats, daily self-test, battery drain)
  --heartbeat S         heartbeat interval in seconds (default: the fleet file's, else 60)

provision options:
  --api URL             monitor base URL (default http://127.0.0.1:8080)
  --token TOKEN         admin bearer token (default: $AED_ADMIN_TOKEN)
  --fleet FILE          fleet file (default: Pernik)
  --cabinet ID          provision only this cabinet
  --include-planned     also provision planned cabinets
  --out FILE            where to write the secrets (default ${DEFAULT_SECRETS_FILE},
                        git-ignored; mode 0600)
  Issuing a secret replaces the cabinet's previous one.

fleet options (lean cabinets: one bare MQTT connection each, heartbeats, reconnects):
  --secrets FILE        JSON {"cabinet-id": "secret"}, e.g. from fleet-provision (required)
  --broker URL          mqtt://host:port (default mqtt://127.0.0.1:1883; no TLS in this mode)
  --count N             run the first N cabinets of the file (default: all)
  --processes P         spread them over P processes (default: enough for ${MAX_CABINETS_PER_PROCESS} each)
  --local-addresses L   source addresses, comma-separated, or "auto" (default for a loopback
                        broker: 127.0.0.2, 127.0.0.3, …, one per process and per ${CABINETS_PER_SOURCE_ADDRESS}
                        cabinets), or "none"
  --heartbeat S         heartbeat interval, s (default 60), each moved ±--heartbeat-jitter (0.1)
  --keepalive S         MQTT keep-alive, s (default 90)
  --concurrency C       connection attempts in flight per process (default 64)
  --backoff-base-ms MS  first reconnect ceiling (default ${DEFAULT_BACKOFF.baseMs}); it doubles per failed try
  --backoff-max-ms MS   highest ceiling (default ${DEFAULT_BACKOFF.maxMs})
  --backoff-jitter J    random share of each delay, 0–1 (default ${DEFAULT_BACKOFF.jitter}; 1 = full jitter)
  Prints the counts every 5 s (connected, connects, reconnects, refused, failures,
  heartbeats sent/acknowledged); Ctrl-C disconnects every cabinet and stops.
  The broker must allow the connections: MQTT_MAX_CONNECTIONS and
  MQTT_MAX_CONNECTIONS_PER_ADDRESS (per source address), and its own ulimit -n.

fleet-provision options:
  --count N             cabinets to make (required)
  --out DIR             where to write fleet.yaml, credentials.json, sim-secrets.json (default load-fleet)
  --prefix P            cabinet ids P-aed-000001, … (default load)
  --hash-key KEY        the broker's CREDENTIALS_HASH_KEY (default: $CREDENTIALS_HASH_KEY, else a new
                        one written to DIR/credentials-hash-key)
  --heartbeat S         the cabinets' heartbeatIntervalS in the fleet file (default 60)

Errors are one line saying what to fix; LOG_LEVEL=debug adds the stack trace.

Each simulated cabinet connects with client id = username = its id, keeps a
persistent session, publishes a retained status with a last will, a heartbeat
every interval, a self-test daily, battery and pads readings, drains its
battery slowly, reconnects with exponential backoff and sends readings queued
while offline with their original timestamps.

${CONSOLE_HELP}

Example (demo defaults):
  aed-sim provision --token "$AED_ADMIN_TOKEN" --include-planned
  aed-sim run --secrets ${DEFAULT_SECRETS_FILE} --include-planned
  > open pernik-aed-01

Example (load test, 40,000 cabinets):
  aed-sim fleet-provision --count 40000 --out load-fleet
  CREDENTIALS_FILE=load-fleet/credentials.json CREDENTIALS_HASH_KEY="$(cat load-fleet/credentials-hash-key)" \
    MQTT_MAX_CONNECTIONS=50000 MQTT_MAX_CONNECTIONS_PER_ADDRESS=50000 npm run broker
  aed-sim fleet --secrets load-fleet/sim-secrets.json --processes 3`

const { positionals, values } = parseCommandLine()

function parseCommandLine () {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        broker: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
        api: { type: 'string', default: 'http://127.0.0.1:8080' },
        token: { type: 'string' },
        fleet: { type: 'string' },
        secrets: { type: 'string' },
        cabinet: { type: 'string' },
        secret: { type: 'string' },
        out: { type: 'string', default: DEFAULT_SECRETS_FILE },
        'include-planned': { type: 'boolean', default: false },
        speed: { type: 'string', default: '1' },
        heartbeat: { type: 'string' },
        count: { type: 'string' },
        processes: { type: 'string' },
        'local-addresses': { type: 'string' },
        'heartbeat-jitter': { type: 'string', default: '0.1' },
        keepalive: { type: 'string', default: '90' },
        concurrency: { type: 'string', default: '64' },
        'backoff-base-ms': { type: 'string', default: String(DEFAULT_BACKOFF.baseMs) },
        'backoff-max-ms': { type: 'string', default: String(DEFAULT_BACKOFF.maxMs) },
        'backoff-jitter': { type: 'string', default: String(DEFAULT_BACKOFF.jitter) },
        prefix: { type: 'string', default: 'load' },
        'hash-key': { type: 'string' }
      }
    })
  } catch (err) {
    // An unknown or malformed option: say which, not where in node:util it was found.
    console.error(`aed-sim: ${(err as Error).message}\n(aed-sim --help explains the options)`)
    process.exit(2)
  }
}

class UsageError extends Error {}

async function provision (): Promise<void> {
  const token = values.token ?? process.env.AED_ADMIN_TOKEN
  if (token === undefined || token === '') throw new UsageError('provision needs --token or AED_ADMIN_TOKEN')
  const fleet = await loadFleet(values.fleet ?? PERNIK_FLEET_FILE)
  if (values.cabinet !== undefined && !isCabinetId(values.cabinet)) throw new UsageError(`--cabinet ${values.cabinet} is not a valid cabinet id`)
  const ids = values.cabinet !== undefined ? [values.cabinet] : cabinetsToSimulate(fleet, values['include-planned'])
  const secrets = await provisionCabinets(values.api, token, ids)
  await writeSecrets(values.out, secrets)
  console.log(`issued secrets for ${ids.join(', ')} → ${values.out}`)
}

async function run (): Promise<void> {
  const speed = Number(values.speed)
  if (!Number.isFinite(speed) || speed <= 0) throw new UsageError('--speed must be a positive number')
  const fleet = await loadFleet(values.fleet ?? PERNIK_FLEET_FILE)
  let secrets: Record<string, string>
  let ids: string[]
  if (values.cabinet !== undefined) {
    if (!isCabinetId(values.cabinet)) throw new UsageError(`--cabinet ${values.cabinet} is not a valid cabinet id`)
    ids = [values.cabinet]
    const secret = values.secret ?? (values.secrets !== undefined ? (await readSecrets(values.secrets))[values.cabinet] : undefined)
    if (secret === undefined) throw new UsageError(`no secret for ${values.cabinet}: give --secret or --secrets`)
    secrets = { [values.cabinet]: secret }
  } else {
    if (values.secrets === undefined) throw new UsageError('run needs --secrets FILE (see "provision") or --cabinet ID --secret SECRET')
    secrets = await readSecrets(values.secrets)
    ids = cabinetsToSimulate(fleet, values['include-planned']).filter(id => secrets[id] !== undefined)
    if (ids.length === 0) throw new UsageError(`no cabinet of the fleet has a secret in ${values.secrets}`)
  }
  const cabinets = new Map<string, SimulatedCabinet>()
  for (const id of ids) {
    const definition = fleet.cabinets.get(id)
    const cabinet = new SimulatedCabinet({
      id,
      secret: secrets[id]!,
      brokerUrl: values.broker,
      speed,
      heartbeatIntervalS: values.heartbeat !== undefined ? Number(values.heartbeat) : definition?.heartbeatIntervalS ?? 60
    })
    cabinet.on('connected', () => console.log(`${id}: connected to ${values.broker}`))
    cabinet.on('disconnected', () => console.log(`${id}: disconnected`))
    cabinet.on('error', err => console.error(`${id}: ${err.message}`))
    cabinet.on('command', cmd => console.log(`${id}: command ${cmd.cmd} (${cmd.id})`))
    cabinets.set(id, cabinet)
    cabinet.start()
  }
  console.log(`simulating ${ids.join(', ')} — type "help" for commands`)

  const stop = async (): Promise<never> => {
    await Promise.all([...cabinets.values()].map(c => c.stop()))
    process.exit(0)
  }
  process.once('SIGINT', () => { void stop() })
  process.once('SIGTERM', () => { void stop() })
  const input = createInterface({ input: process.stdin, terminal: false })
  input.on('line', line => {
    if (line.trim() === 'quit') { void stop(); return }
    try {
      const output = runConsoleCommand(line, cabinets)
      if (output !== '') console.log(output)
    } catch (err) {
      console.error(err instanceof ConsoleCommandError ? err.message : err)
    }
  })
}

function numberOption (name: keyof typeof values, min: number): number {
  const value = Number(values[name])
  if (!Number.isFinite(value) || value < min) throw new UsageError(`--${name} must be a number of at least ${min}`)
  return value
}

async function fleetProvision (): Promise<void> {
  if (values.count === undefined) throw new UsageError('fleet-provision needs --count N')
  const outDir = values.out === DEFAULT_SECRETS_FILE ? 'load-fleet' : values.out
  const made = await provisionSyntheticFleet({
    count: numberOption('count', 1),
    outDir,
    prefix: values.prefix,
    hashKey: values['hash-key'] ?? process.env.CREDENTIALS_HASH_KEY,
    heartbeatIntervalS: values.heartbeat !== undefined ? numberOption('heartbeat', 5) : undefined
  })
  console.log(`${made.ids.length} cabinets (${made.ids[0]} … ${made.ids.at(-1)}):
  fleet file         ${made.fleetFile}
  credentials file   ${made.credentialsFile}   (the broker's CREDENTIALS_FILE)
  plain secrets      ${made.secretsFile}   (aed-sim fleet --secrets)
  hash key           ${made.hashKeyFile ?? 'the one given'}   (the broker's CREDENTIALS_HASH_KEY)`)
}

async function fleet (): Promise<void> {
  if (values.secrets === undefined) throw new UsageError('fleet needs --secrets FILE (see "fleet-provision")')
  const { host } = brokerAddress(values.broker)
  const all = Object.entries(await readSecrets(values.secrets)).map(([id, secret]) => ({ id, secret }))
  const count = values.count !== undefined ? Math.min(numberOption('count', 1), all.length) : all.length
  const cabinets = all.slice(0, count)
  const processes = values.processes !== undefined ? numberOption('processes', 1) : Math.ceil(count / MAX_CABINETS_PER_PROCESS)
  const backoff = { baseMs: numberOption('backoff-base-ms', 1), maxMs: numberOption('backoff-max-ms', 1), jitter: numberOption('backoff-jitter', 0) }
  const problems = backoffProblems(backoff)
  if (problems.length > 0) throw new UsageError(problems.join('; '))
  const addressesOption = values['local-addresses'] ?? (/^(127\.|localhost$)/.test(host) ? 'auto' : 'none')
  const localAddresses = addressesOption === 'none'
    ? undefined
    : addressesOption === 'auto'
      ? loopbackSourceAddresses(Math.max(processes, Math.ceil(count / CABINETS_PER_SOURCE_ADDRESS)))
      : addressesOption.split(',').map(a => a.trim())
  const settings = {
    brokerUrl: values.broker,
    localAddresses,
    heartbeatIntervalS: values.heartbeat !== undefined ? numberOption('heartbeat', 1) : 60,
    heartbeatJitter: numberOption('heartbeat-jitter', 0),
    keepaliveS: numberOption('keepalive', 0),
    connectConcurrency: numberOption('concurrency', 1),
    backoff
  }
  const perProcess = Math.ceil(count / processes)
  const openFiles = openFileLimit()
  if (perProcess + 256 > openFiles) throw new UsageError(`${perProcess} cabinets per process need more open files than ulimit -n (${openFiles}): raise --processes`)
  console.log(`${count} lean cabinets → ${values.broker} in ${processes} process(es)${localAddresses === undefined ? '' : ` from ${localAddresses.join(', ')}`}`)
  const started = Date.now()
  let counts: () => Promise<Record<string, number>>
  let stopFleet: () => Promise<void>
  if (processes === 1) {
    const inProcess = new LeanFleet({ ...settings, cabinets })
    inProcess.start()
    counts = async () => ({ ...inProcess.counts() })
    stopFleet = () => inProcess.stop()
  } else {
    const spread = await startLeanFleetProcesses({ ...settings, cabinets, processes })
    counts = async () => ({ ...(await spread.counts()).total })
    stopFleet = () => spread.stop()
  }
  const report = setInterval(() => {
    counts().then(c => {
      const s = ((Date.now() - started) / 1000).toFixed(0)
      console.log(`${s} s: connected ${c.connected}/${count}, connects ${c.connects}, reconnects ${c.reconnects}, refused ${c.refused}, failures ${c.failures}, disconnects ${c.disconnects}, heartbeats ${c.heartbeatsSent} sent ${c.heartbeatsAcked} acked`)
    }, (err: unknown) => console.error(err))
  }, 5000)
  const stop = async (): Promise<never> => {
    clearInterval(report)
    console.log('disconnecting every cabinet…')
    await stopFleet()
    process.exit(0)
  }
  process.once('SIGINT', () => { void stop() })
  process.once('SIGTERM', () => { void stop() })
}

/** The soft limit on open files of this process, which the fleet's processes inherit. */
function openFileLimit (): number {
  const text = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim()
  return text === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(text)
}

async function main (): Promise<void> {
  const [command] = positionals
  if (values.help === true || command === undefined || command === 'help') {
    console.log(HELP)
    return
  }
  if (command === 'run') return run()
  if (command === 'provision') return provision()
  if (command === 'fleet') return fleet()
  if (command === 'fleet-provision') return fleetProvision()
  throw new UsageError(`unknown command "${command}"`)
}

main().catch(err => {
  if (err instanceof UsageError) {
    console.error(`aed-sim: ${err.message}\n(aed-sim --help explains the options)`)
    process.exit(2)
  }
  console.error(describeStartFailure(err, { heading: 'aed-sim', verbose: wantsStackTraces(process.env.LOG_LEVEL) }))
  process.exit(1)
})
