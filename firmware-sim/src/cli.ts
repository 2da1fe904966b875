import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { loadFleet, PERNIK_FLEET_FILE } from '@aed/core/fleet'
import { isCabinetId } from '@aed/core/protocol'
import { describeStartFailure, wantsStackTraces } from '@aed/core/start-failure'
import { CONSOLE_HELP, ConsoleCommandError, runConsoleCommand } from './console-commands.ts'
import { cabinetsToSimulate, provisionCabinets } from './provision.ts'
import { readSecrets, writeSecrets } from './secrets-file.ts'
import { SimulatedCabinet } from './simulated-cabinet.ts'

/** Under .demo/, which is git-ignored, so that secrets never land in the repository. */
const DEFAULT_SECRETS_FILE = '.demo/sim-secrets.json'

const HELP = `aed-sim — AED cabinet simulator (protocol v1) for commissioning, testing and training

Usage:
  aed-sim run [options]         simulate cabinets and take commands on standard input
  aed-sim provision [options]   issue MQTT secrets for the fleet's cabinets through the monitor's API
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
  > open pernik-aed-01`

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
        heartbeat: { type: 'string' }
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

async function main (): Promise<void> {
  const [command] = positionals
  if (values.help === true || command === undefined || command === 'help') {
    console.log(HELP)
    return
  }
  if (command === 'run') return run()
  if (command === 'provision') return provision()
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
