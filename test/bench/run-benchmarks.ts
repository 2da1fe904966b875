import { mkdir, writeFile } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import { MonitorConfigSchema } from '../../services/monitor/src/config.ts'
import { startTestStack, strongTestSecret, type TestStack } from '../support/stack.ts'
import { runBrokerConnections } from './broker-connections.bench.ts'
import { runDoorToSmsLatency } from './door-to-sms-latency.bench.ts'
import { runDurability } from './durability.bench.ts'
import { runFleet } from './fleet.bench.ts'
import { runIngestThroughput } from './ingest-throughput.bench.ts'
import { runIntakeMicro } from './intake-micro.bench.ts'
import { runLeanSim } from './lean-sim.bench.ts'
import { writeBenchFleet } from './support/bench-fleet.ts'
import { renderReport, renderSummary, type BenchmarkReport } from './support/report.ts'
import { loadBenchSettings } from './support/settings.ts'

/**
 * npm run bench [-- name …]: runs the benchmarks (the quick set, or those named), prints
 * a table per benchmark and a summary, and writes every figure to
 * test/bench/results/latest.json. Everything listens on 127.0.0.1.
 */

const NAMES = ['intake', 'connections', 'lean-sim', 'ingest', 'door-sms', 'durability', 'fleet'] as const
type Name = typeof NAMES[number]
/**
 * What runs when none is named: all but `durability`, whose eight rows of
 * faults take about ten minutes against the others' one and a half, and
 * `fleet`, which connects up to 100,000 cabinets.
 */
const QUICK: readonly Name[] = ['intake', 'connections', 'lean-sim', 'ingest', 'door-sms']
const RESULTS = fileURLToPath(new URL('./results/latest.json', import.meta.url))

const requested = process.argv.slice(2)
const unknown = requested.filter(name => !(NAMES as readonly string[]).includes(name))
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; known: ${NAMES.join(', ')}`)
  process.exit(64)
}
const selected = new Set<Name>(requested.length > 0 ? requested as Name[] : QUICK)
/** The run stops itself, whatever hangs; the durability rows and the fleet rounds get time of their own. */
const HARD_LIMIT_MS = (8 + (selected.has('durability') ? 30 : 0) + (selected.has('fleet') ? 40 : 0)) * 60_000

const hardLimit = setTimeout(() => {
  console.error(`benchmarks: still running after ${HARD_LIMIT_MS / 60_000} min, giving up`)
  process.exit(2)
}, HARD_LIMIT_MS)
hardLimit.unref()

const settings = loadBenchSettings()
const startedAt = new Date()
const t0 = performance.now()
console.log(`AED monitor benchmarks: ${[...selected].join(', ')} on ${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`)

const fleet = await writeBenchFleet({ ingestCabinets: settings.BENCH_INGEST_CABINETS, doorCabinets: settings.BENCH_DOOR_CABINETS })
// The service's defaults, for the thresholds the in-process intake judges readings by.
const defaults = MonitorConfigSchema.parse({
  AED_ADMIN_TOKEN: strongTestSecret(),
  MQTT_PASSWORD: strongTestSecret(),
  CREDENTIALS_HASH_KEY: strongTestSecret(),
  ALERT_LINK_SECRET: strongTestSecret(),
  FLEET_FILE: fleet.file
})
const reports: BenchmarkReport[] = []
let stack: TestStack | undefined
const failures: Array<{ name: Name, error: string }> = []
/** Runs one benchmark; a failure is reported and the others still run. */
const run = async (name: Name, benchmark: () => Promise<BenchmarkReport>): Promise<void> => {
  if (!selected.has(name)) return
  try {
    const report = await benchmark()
    reports.push(report)
    console.log(renderReport(report))
  } catch (err) {
    failures.push({ name, error: (err as Error).stack ?? String(err) })
    console.error(`\n== ${name} FAILED ==\n${(err as Error).stack ?? String(err)}`)
  }
}

try {
  // The benchmarks without InfluxDB and the monitor go first, on a quiet machine.
  await run('intake', () => runIntakeMicro(settings, fleet.file, defaults))
  await run('connections', () => runBrokerConnections(settings))
  await run('lean-sim', () => runLeanSim(settings))
  if (selected.has('ingest') || selected.has('door-sms')) {
    console.log('\nstarting the stack (InfluxDB, broker, monitor, SMTP, SMS stand-in)…')
    stack = await startTestStack({ env: { FLEET_FILE: fleet.file } })
    console.log(`InfluxDB: ${stack.influx.source}`)
    const started = stack
    await run('ingest', () => runIngestThroughput(started, settings))
    await run('door-sms', () => runDoorToSmsLatency(started, settings))
    await stack.stop()
    stack = undefined
  }
  // Last, on their own: they start and kill their own processes, InfluxDB included.
  await run('durability', () => runDurability(settings))
  await run('fleet', () => runFleet(settings))
} finally {
  await stack?.stop()
  await fleet.remove()
}

console.log(renderSummary(reports))
for (const failure of failures) console.log(`FAILED: ${failure.name} (see above)`)
const elapsedS = (performance.now() - t0) / 1000
console.log(`\nwhole run ${elapsedS.toFixed(1)} s; figures in ${RESULTS}`)
await mkdir(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true })
await writeFile(RESULTS, JSON.stringify({
  startedAt: startedAt.toISOString(),
  elapsedS,
  machine: { cpus: cpus().length, model: cpus()[0]?.model, totalMemGiB: totalmem() / 2 ** 30, node: process.version, platform: process.platform },
  settings,
  failures,
  reports: reports.map(r => ({ ...r, comparisons: r.comparisons.map(c => ({ ...c, ratio: c.value / c.baseline })) }))
}, null, 2) + '\n')
// mqtt.js and the test servers may keep a socket or timer alive a little longer; the run is over.
process.exit(failures.length > 0 ? 1 : 0)
