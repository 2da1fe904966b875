import { pino } from 'pino'
import { decodeUplink } from '@aed/core/protocol'
import { loadFleet } from '@aed/core/fleet'
import { systemTime } from '@aed/core/time'
import { MonitorBus } from '../../services/monitor/src/events.ts'
import { IngestCounters } from '../../services/monitor/src/ingest/ingest-counters.ts'
import { MessageIntake } from '../../services/monitor/src/ingest/message-intake.ts'
import { defaultThresholds } from '../../services/monitor/src/readiness/thresholds.ts'
import { FleetState } from '../../services/monitor/src/state/fleet-state.ts'
import { Recorder } from '../../services/monitor/src/recording/recorder.ts'
import { AlertBook } from '../../services/monitor/src/alerts/alert-book.ts'
import type { MonitorConfig } from '../../services/monitor/src/config.ts'
import { ingestCabinetIds } from './support/bench-fleet.ts'
import { collectGarbage, memoryNow } from './support/memory.ts'
import type { BenchmarkReport } from './support/report.ts'
import type { BenchSettings } from './support/settings.ts'
import { FleetTraffic, type PreparedMessage } from './support/uplink-traffic.ts'

/**
 * MessageIntake.handle alone, in process: no network, no broker, no
 * InfluxDB. Baseline: JSON.parse of the same payloads, the least any
 * intake must do. Two steps in between show where the time goes.
 */

interface Variant {
  label: string
  run (message: PreparedMessage): void
}

interface Measured {
  label: string
  nsPerMessage: number
  messagesPerS: number
  heapGrowthKB: number
}

const WARM_UP_MESSAGES = 20_000

export async function runIntakeMicro (settings: BenchSettings, fleetFile: string, config: MonitorConfig): Promise<BenchmarkReport> {
  const started = performance.now()
  // The ingest cabinets of the bench fleet, so every message is of a tracked cabinet.
  const ids = ingestCabinetIds(settings.BENCH_INGEST_CABINETS)
  // Every message is new (the cabinet's next seq and ts), as on the wire: no
  // duplicates, and each reading is newer than the state it updates.
  const traffic = new FleetTraffic(ids)
  const warmUp = interleave(traffic.next(Math.ceil(WARM_UP_MESSAGES / ids.length)))
  const messages = interleave(traffic.next(Math.ceil(settings.BENCH_INTAKE_MESSAGES / ids.length)))

  const logger = pino({ level: 'silent' })
  // The intake with only the counters listening.
  const countingBus = new MonitorBus()
  const countingCounters = new IngestCounters(countingBus, logger)
  countingCounters.start()
  const countingIntake = new MessageIntake(countingBus, systemTime)

  // The monitor's own listeners: the counters, the recorder (a line of line protocol per message) and the cabinet state.
  const fleet = await loadFleet(fleetFile)
  const bus = new MonitorBus()
  const state = new FleetState(fleet, bus, systemTime, { defaults: defaultThresholds(config), offlineAfterHeartbeats: config.OFFLINE_AFTER_HEARTBEATS, clockSkewToleranceMs: config.CLOCK_SKEW_TOLERANCE_S * 1000, logger })
  const lines: string[] = []
  const recorder = new Recorder({
    bus, book: new AlertBook(), fleet: state, clock: systemTime, scheduler: systemTime, snapshotIntervalMs: 3_600_000, clockSkewToleranceMs: config.CLOCK_SKEW_TOLERANCE_S * 1000, logger,
    sinks: {
      write: line => { lines.push(line); if (lines.length >= 500) lines.length = 0 },
      journal: { append: async () => {} }
    }
  })
  const realCounters = new IngestCounters(bus, logger)
  for (const unit of [recorder, realCounters, state]) unit.start()
  const realIntake = new MessageIntake(bus, systemTime)

  let parsed: unknown
  const variants: Variant[] = [
    { label: 'JSON.parse (baseline)', run: m => { parsed = JSON.parse(m.payload.toString('utf8')) } },
    { label: 'decodeUplink (topic + JSON + zod)', run: m => { parsed = decodeUplink(m.topic, m.payload) } },
    { label: 'MessageIntake.handle, counters only', run: m => countingIntake.handle(m.topic, m.payload) },
    { label: 'MessageIntake.handle, monitor listeners (recorder + FleetState)', run: m => realIntake.handle(m.topic, m.payload) }
  ]

  const total = messages.length
  const results: Measured[] = []
  for (const variant of variants) {
    // Warm-up: let the JIT settle before the clock starts.
    for (const message of warmUp) variant.run(message)
    collectGarbage()
    const heapBefore = process.memoryUsage().heapUsed
    const t0 = process.hrtime.bigint()
    for (const message of messages) variant.run(message)
    const ns = Number(process.hrtime.bigint() - t0)
    collectGarbage()
    const heapAfter = process.memoryUsage().heapUsed
    results.push({ label: variant.label, nsPerMessage: ns / total, messagesPerS: total * 1e9 / ns, heapGrowthKB: (heapAfter - heapBefore) / 1024 })
  }
  void parsed
  for (const unit of [recorder, realCounters, state, countingCounters]) unit.stop()

  const baseline = results[0]!
  const notes = [
    `${total.toLocaleString('en-US')} messages per row of ${ids.length} cabinets, prepared beforehand, after a warm-up of ${warmUp.length.toLocaleString('en-US')}; heap growth is after a full GC`,
    `intake counters, counting sinks: accepted ${countingCounters.accepted}, duplicates ${countingCounters.duplicates}, rejected ${countingCounters.rejected}; monitor sinks: accepted ${realCounters.accepted}, duplicates ${realCounters.duplicates}, rejected ${realCounters.rejected}`
  ]
  if (countingCounters.duplicates + countingCounters.rejected + realCounters.duplicates + realCounters.rejected > 0) notes.push('WARNING: some messages were not accepted')
  const memory = memoryNow()
  return {
    name: 'intake',
    title: 'MessageIntake.handle in process (no network)',
    tables: [{
      caption: `per message; process RSS ${memory.rssMB.toFixed(0)} MB, heap ${memory.heapUsedMB.toFixed(0)} MB`,
      table: {
        columns: ['step', 'ns/msg', 'msgs/s', 'heap growth KB', '× JSON.parse'],
        rows: results.map(r => [r.label, r.nsPerMessage, r.messagesPerS, r.heapGrowthKB, `${(r.nsPerMessage / baseline.nsPerMessage).toFixed(1)}×`])
      }
    }],
    comparisons: results.slice(1).map(r => ({
      metric: r.label, unit: 'ns/msg', value: r.nsPerMessage, baseline: baseline.nsPerMessage, baselineLabel: 'JSON.parse of the same payloads', higherIsBetter: false
    })),
    notes,
    figures: { total, warmUp: warmUp.length, cabinets: ids.length, results },
    elapsedS: (performance.now() - started) / 1000
  }
}

/** Messages as they arrive from a fleet: one from each cabinet in turn. */
function interleave (byCabinet: readonly PreparedMessage[][]): PreparedMessage[] {
  const out: PreparedMessage[] = []
  const longest = Math.max(0, ...byCabinet.map(m => m.length))
  for (let k = 0; k < longest; k++) for (const ofCabinet of byCabinet) if (ofCabinet[k] !== undefined) out.push(ofCabinet[k]!)
  return out
}
