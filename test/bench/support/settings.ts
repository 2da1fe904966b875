import { z } from 'zod'

/**
 * How big each benchmark is. Defaults keep the whole run under about three
 * minutes on a 2-core machine; every figure can be raised for a longer, more
 * stable run. Parsed once, here, with every problem listed.
 */
const int = (fallback: number, description: string) => z.coerce.number().int().positive().default(fallback).describe(description)

export const BenchSettingsSchema = z.object({
  BENCH_INGEST_CABINETS: int(50, 'Cabinets publishing in the ingest benchmark, each with its own MQTT credentials'),
  BENCH_INGEST_MESSAGES: int(50_000, 'QoS 1 messages published in the measured round of the ingest benchmark'),
  BENCH_INGEST_WINDOW: int(32, 'Unacknowledged QoS 1 messages each publishing cabinet may have in flight'),
  BENCH_INTAKE_MESSAGES: int(200_000, 'Messages handled in-process by the intake micro-benchmark'),
  BENCH_DOOR_RUNS: int(40, 'Door openings measured in the door → SMS benchmark'),
  BENCH_DOOR_CABINETS: int(5, 'Simulated cabinets the door openings are spread over'),
  BENCH_RTT_SAMPLES: int(100, 'MQTT round trips measured as the latency baseline'),
  BENCH_CONNECTIONS_MAX: int(100_000, 'Upper bound of the connection ramp; the run also sizes it to ulimit -n and to the time budget'),
  BENCH_CONNECT_BUDGET_S: int(40, 'Seconds of authenticated connecting the ramp may take, estimated from the rate of the steps before'),
  BENCH_LEAN_CABINETS: int(5000, 'Simulated cabinets connected in each round of the lean-sim benchmark'),
  BENCH_CONNECT_CONCURRENCY: int(16, 'Connection attempts in flight at once during the ramp'),
  BENCH_DURABILITY_CABINETS: int(20, 'Cabinets publishing QoS 1 heartbeats in each row of the durability benchmark'),
  BENCH_DURABILITY_RATE: int(500, 'Heartbeats per second of all the durability cabinets together'),
  BENCH_DURABILITY_LOAD_S: int(30, 'Seconds each durability row publishes for (longer if its fault takes longer)'),
  BENCH_DURABILITY_SEED: z.coerce.number().int().nonnegative().optional().describe('Seed of the durability faults\' random moments; unset = a new one, printed'),
  BENCH_FLEET_SIZES: z.string().default('1000,10000,100000').transform(v => v.split(',').map(s => Number(s.trim()))).pipe(z.array(z.number().int().positive()).min(1))
    .describe('Comma-separated fleet sizes of the fleet benchmark, a round each, smallest first; it stops at the first round this machine cannot hold'),
  BENCH_FLEET_BROKERS: z.coerce.number().int().positive().optional().describe('Broker processes in every fleet round; unset = one per BENCH_FLEET_PER_BROKER cabinets'),
  BENCH_FLEET_PER_BROKER: int(15_000, 'Cabinets per broker process when BENCH_FLEET_BROKERS is unset (a process holds at most about ulimit -n connections)'),
  BENCH_FLEET_BASELINE: int(10_000, 'Cabinets connected to a bare Aedes as the fleet benchmark\'s baseline'),
  BENCH_FLEET_IDLE_DOORS: int(20, 'Door openings measured on the idle fleet in each round'),
  BENCH_FLEET_DOOR_EVERY_MS: int(200, 'Milliseconds between door openings, idle and during the reconnect storm'),
  BENCH_FLEET_TIMEOUT_S: int(300, 'Longest wait for the whole fleet to connect, or to come back after the brokers restart'),
  BENCH_DURABILITY_FAULTS: z.string().optional().transform(v => v === undefined || v === '' ? undefined : v.split(',').map(s => s.trim())).describe('Comma-separated keys of the durability rows to run; unset = all')
})

export type BenchSettings = z.infer<typeof BenchSettingsSchema>

export function loadBenchSettings (env: NodeJS.ProcessEnv = process.env): BenchSettings {
  const result = BenchSettingsSchema.safeParse(env)
  if (!result.success) {
    const problems = result.error.issues.map(issue => `${issue.path.join('.')}: ${issue.message}`)
    throw new Error(`benchmark settings invalid:\n  ${problems.join('\n  ')}`)
  }
  return result.data
}
