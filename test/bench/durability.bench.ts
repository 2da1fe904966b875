import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { rm } from 'node:fs/promises'
import { findInfluxd, startPrivateInfluxd } from '@aed/testkit/private-influxd'
import { findRedisServer, startPrivateRedis, type PrivateRedis } from '@aed/testkit/private-redis'
import { waitFor } from '@aed/testkit/wait-for'
import { DurabilityRig, prepareGround, type DurabilityGround } from './support/durability-rig.ts'
import type { BenchmarkReport, Comparison } from './support/report.ts'
import type { BenchSettings } from './support/settings.ts'

/**
 * Durability under faults: the broker, the monitor and a private influxd
 * run as separate processes; cabinets publish QoS 1 heartbeats with
 * increasing `seq` while one part is killed, stopped or hung. Each row
 * counts the PUBACKs the cabinets got against the distinct `seq` values
 * InfluxDB holds once things have settled: an acknowledged message that is
 * not stored is lost. A door opened during the fault must be paged once.
 * Nothing here is asserted; the table is the result.
 */

/** What happened when, seconds after the load started. */
type Timeline = Array<[number, string]>

interface FaultContext {
  rig: DurabilityRig
  /** Waits until `s` seconds after the load started (at once if that is past). */
  at (s: number): Promise<void>
  /** Notes an event on the row's timeline. */
  mark (event: string): void
  random (): number
}

interface Fault {
  key: string
  label: string
  persistence: 'disk' | 'redis'
  influxViaProxy: boolean
  /** Runs while the cabinets publish; opens the door during the fault. */
  inject (ctx: FaultContext): Promise<void>
}

const pause = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))
const between = (random: () => number, low: number, high: number): number => low + random() * (high - low)
/** `count` sorted moments in [from, to] seconds, at least `gap` apart. */
function moments (random: () => number, count: number, from: number, to: number, gap: number): number[] {
  const span = to - from - gap * (count - 1)
  return Array.from({ length: count }, () => random() * span).sort((a, b) => a - b).map((x, i) => from + x + i * gap)
}

/** How long InfluxDB is away in the InfluxDB rows, seconds. */
const INFLUX_DOWN_S = 15

const FAULTS: Fault[] = [
  {
    key: 'none',
    label: 'none',
    persistence: 'disk',
    influxViaProxy: false,
    async inject ({ rig, at, mark }) {
      await at(15)
      rig.openDoor()
      mark('door opened')
    }
  },
  {
    key: 'monitor-kill',
    label: 'kill -9 of the monitor ×4, restarted each time',
    persistence: 'disk',
    influxViaProxy: false,
    async inject ({ rig, at, mark, random }) {
      const kills = moments(random, 4, 2, 24, 4)
      for (const [i, moment] of kills.entries()) {
        await at(moment)
        if (i === 1) {
          rig.openDoor()
          mark('door opened')
          await pause(between(random, 50, 400))
        }
        await rig.monitor.kill()
        mark('monitor killed')
        await rig.monitor.restart()
        mark('monitor listening again')
      }
    }
  },
  ...(['disk', 'redis'] as const).map((persistence): Fault => ({
    key: `broker-kill-${persistence}`,
    label: `kill -9 of the broker ×3, 1–5 s down (BROKER_PERSISTENCE=${persistence})`,
    persistence,
    influxViaProxy: false,
    async inject ({ rig, at, mark, random }) {
      const kills = moments(random, 3, 2, 17, 6)
      for (const [i, moment] of kills.entries()) {
        await at(moment)
        if (i === 1) {
          rig.openDoor()
          mark('door opened')
          await pause(between(random, 50, 400))
        }
        const downMs = between(random, 1000, 5000)
        mark(`broker killed, down ${(downMs / 1000).toFixed(1)} s`)
        await rig.killBroker(downMs)
        mark('broker listening again')
      }
    }
  })),
  {
    key: 'influx-down-monitor-kill',
    label: `InfluxDB stopped ${INFLUX_DOWN_S} s, then the monitor killed and restarted, then InfluxDB back`,
    persistence: 'disk',
    influxViaProxy: false,
    async inject ({ rig, at, mark }) {
      await at(3)
      await rig.influxd.pause('stop')
      mark('influxd stopped (SIGTERM)')
      await at(8)
      rig.openDoor()
      mark('door opened')
      await at(3 + INFLUX_DOWN_S)
      await rig.monitor.kill()
      mark('monitor killed')
      await rig.monitor.restart()
      mark('monitor listening again')
      await rig.influxd.resume()
      mark('influxd answering again')
    }
  },
  {
    key: 'monitor-sigterm-influx-hung',
    label: 'SIGTERM of the monitor with InfluxDB hung, restarted once InfluxDB is restored',
    persistence: 'disk',
    influxViaProxy: true,
    async inject ({ rig, at, mark }) {
      const proxy = rig.influxProxy!
      await at(3)
      proxy.hang()
      mark('InfluxDB hung (proxy accepts, never answers)')
      await at(5)
      rig.openDoor()
      mark('door opened')
      await at(8)
      const asked = performance.now()
      const code = await rig.monitor.terminate()
      mark(`monitor SIGTERM: exited with code ${code} after ${((performance.now() - asked) / 1000).toFixed(1)} s`)
      await at(13)
      proxy.restore()
      mark('InfluxDB restored')
      await rig.monitor.restart()
      mark('monitor listening again')
    }
  },
  ...(['stop', 'kill'] as const).map((how): Fault => ({
    key: `influx-${how}`,
    label: `InfluxDB ${how === 'stop' ? 'stopped (SIGTERM)' : 'killed (kill -9)'} ${INFLUX_DOWN_S} s, monitor alive`,
    persistence: 'disk',
    influxViaProxy: false,
    async inject ({ rig, at, mark }) {
      await at(5)
      await rig.influxd.pause(how)
      mark(`influxd ${how === 'stop' ? 'stopped (SIGTERM)' : 'killed (SIGKILL)'}`)
      await at(8)
      rig.openDoor()
      mark('door opened')
      await at(5 + INFLUX_DOWN_S)
      await rig.influxd.resume()
      mark('influxd answering again')
    }
  }))
]
export const DURABILITY_FAULTS = FAULTS.map(f => f.key)

export interface DurabilityRow {
  key: string
  fault: string
  sent: number
  acked: number
  stored: number
  lost: number
  /** Still lost once the monitor was restarted after the count (a new session gets what the broker still queued for it). */
  lostAfterRestart: number
  /** Stored although its publisher got no PUBACK (the PUBACK was lost with a killed broker): not a loss. */
  storedNotAcked: number
  doorPages: number
  /** Seconds the cabinets published. */
  loadS: number
  /** Seconds from the end of the load until every acknowledged message was stored (or the wait gave up). */
  settleS: number
  timeline: Timeline
  /** Up to 10 lost `seq` values per cabinet that lost any. */
  lostSample: Record<string, number[]>
  problems: string[]
}

/** How long after the load the row waits for InfluxDB to hold every acknowledged message. */
const SETTLE_LIMIT_MS = 150_000
/** …and how long it waits without any progress before it stops waiting. */
const SETTLE_STALL_MS = 25_000

export async function runDurability (settings: BenchSettings): Promise<BenchmarkReport> {
  const started = performance.now()
  if (findInfluxd() === undefined) throw new Error('the durability benchmark stops and kills InfluxDB, so it needs influxd on PATH (Debian: apt-get install influxdb); INFLUX_URL is not enough')
  const seed = settings.BENCH_DURABILITY_SEED ?? Math.floor(Math.random() * 2 ** 31)
  const random = mulberry32(seed)
  const cabinetIds = Array.from({ length: settings.BENCH_DURABILITY_CABINETS }, (_, i) => `durability-${String(i + 1).padStart(2, '0')}`)
  const perCabinet = settings.BENCH_DURABILITY_RATE / cabinetIds.length
  const only = settings.BENCH_DURABILITY_FAULTS
  const unknown = (only ?? []).filter(key => !DURABILITY_FAULTS.includes(key))
  if (unknown.length > 0) throw new Error(`unknown durability fault ${unknown.join(', ')}; known: ${DURABILITY_FAULTS.join(', ')}`)
  const faults = FAULTS.filter(f => only === undefined || only.includes(f.key))

  const influxd = await startPrivateInfluxd()
  const dir = join(tmpdir(), `aed-durability-${process.pid}`)
  const rows: DurabilityRow[] = []
  try {
    console.log(`durability: preparing ${cabinetIds.length + 1} cabinets' credentials…`)
    const ground = await prepareGround(dir, cabinetIds, influxd)
    for (const fault of faults) {
      console.log(`durability: ${fault.label}…`)
      const row = await runRow(ground, fault, cabinetIds, perCabinet, settings.BENCH_DURABILITY_LOAD_S, random)
      console.log(`  sent ${row.sent}, acked ${row.acked}, stored ${row.stored}, lost ${row.lost} (${row.lostAfterRestart} after a monitor restart), door paged ${row.doorPages}×${row.problems.length > 0 ? `; ${row.problems.join('; ')}` : ''}`)
      rows.push(row)
    }
  } finally {
    await influxd.stop()
    await rm(dir, { recursive: true, force: true })
  }

  const share = (row: DurabilityRow): number => row.acked === 0 ? NaN : 100 * (row.acked - row.lost) / row.acked
  const none = rows.find(r => r.key === 'none')
  const comparisons: Comparison[] = none === undefined
    ? []
    : rows.filter(r => r !== none).map(row => ({
      metric: `${row.key}: acknowledged and stored`,
      unit: '%',
      value: share(row),
      baseline: share(none),
      baselineLabel: 'no fault, same run',
      higherIsBetter: true
    }))
  return {
    name: 'durability',
    title: 'Durability: acknowledged QoS 1 messages against what InfluxDB holds, under faults',
    tables: [{
      caption: `${cabinetIds.length} cabinets, QoS 1 heartbeats at ${settings.BENCH_DURABILITY_RATE} msg/s in total, ~${settings.BENCH_DURABILITY_LOAD_S} s of load per row; lost = acknowledged but not stored`,
      table: {
        columns: ['fault', 'sent', 'acked', 'stored', 'lost', 'lost after monitor restart', 'stored, not acked', 'door paged', 'load s', 'settle s'],
        rows: rows.map(r => [r.fault, r.sent, r.acked, r.stored, r.lost, r.lostAfterRestart, r.storedNotAcked, `${r.doorPages}×`, r.loadS, r.settleS])
      }
    }],
    comparisons,
    notes: [
      `random moments from seed ${seed} (BENCH_DURABILITY_SEED=${seed} repeats them)`,
      'broker, monitor and influxd are separate processes, fresh per row (a database per row); the broker keeps its state on disk unless the row says redis',
      'stored = distinct seq of the row\'s heartbeats in InfluxDB once every acknowledged one was there, or after waiting ' +
        `${SETTLE_STALL_MS / 1000} s without progress (${SETTLE_LIMIT_MS / 1000} s at most)`,
      ...rows.map(r => `${r.key}: ${r.timeline.map(([s, e]) => `${s.toFixed(1)} s ${e}`).join('; ')}`),
      ...rows.filter(r => r.lost > 0).map(r => `${r.key} lost: ${JSON.stringify(r.lostSample)}`),
      ...rows.filter(r => r.problems.length > 0).map(r => `${r.key}: ${r.problems.join('; ')}`)
    ],
    figures: { seed, cabinets: cabinetIds.length, ratePerSecond: settings.BENCH_DURABILITY_RATE, loadS: settings.BENCH_DURABILITY_LOAD_S, rows },
    elapsedS: (performance.now() - started) / 1000
  }
}

async function runRow (ground: DurabilityGround, fault: Fault, cabinetIds: readonly string[], perCabinet: number, loadS: number, random: () => number): Promise<DurabilityRow> {
  const timeline: Timeline = []
  const problems: string[] = []
  let redis: PrivateRedis | undefined
  if (fault.persistence === 'redis') {
    if (findRedisServer() === undefined) throw new Error('redis-server is not on PATH (Debian: apt-get install redis-server)')
    redis = await startPrivateRedis()
  }
  const rig = await DurabilityRig.start(ground, { key: fault.key, persistence: fault.persistence, redisUrl: redis?.url, influxViaProxy: fault.influxViaProxy, cabinetIds })
  try {
    const t0 = performance.now()
    const now = (): number => (performance.now() - t0) / 1000
    const mark = (event: string): void => { timeline.push([now(), event]) }
    for (const cabinet of rig.cabinets) cabinet.start(perCabinet)
    try {
      await fault.inject({
        rig,
        at: s => pause(Math.max(0, s * 1000 - (performance.now() - t0))),
        mark,
        random
      })
    } catch (err) {
      problems.push(`the fault script failed: ${(err as Error).message}`)
      mark('fault script failed')
    }
    await pause(Math.max(0, loadS * 1000 - (performance.now() - t0)))
    // Publishing stops; each cabinet waits until everything it sent has its PUBACK.
    const stopped = await Promise.allSettled(rig.cabinets.map(c => c.stop()))
    const loadEnd = performance.now()
    mark('load stopped, every message acknowledged')
    for (const result of stopped) if (result.status === 'rejected') problems.push(`a cabinet still had messages in flight: ${(result.reason as Error).message}`)
    await withTimeout(rig.doorAcknowledged(), 60_000).catch(err => problems.push(`the door message: ${(err as Error).message}`))

    const first = await settle(rig)
    if (first.timedOut) problems.push(`InfluxDB was still taking messages ${SETTLE_LIMIT_MS / 1000} s after the load`)
    const settleS = (performance.now() - loadEnd) / 1000

    await waitFor(() => rig.doorPages() > 0, 'the door opening paged', 60_000).catch(() => problems.push('the door opening was not paged within 60 s'))
    // Give a second page, if there were to be one, the chance to arrive.
    await pause(3000)
    const doorPages = rig.doorPages()

    // What is still missing may be gone, or only held back: a new session of
    // the monitor gets whatever the broker still queues for it.
    const count = first.count
    if (count.lost > 0) {
      mark('monitor restarted (SIGTERM) to recount')
      await rig.monitor.terminate()
      await rig.monitor.restart()
    }
    const second = count.lost > 0 ? (await settle(rig)).count : count
    if (rig.doorPages() !== doorPages) problems.push(`the monitor's restart for the recount paged the door again (${rig.doorPages()}× in all)`)
    const lostSample: Record<string, number[]> = {}
    for (const [id, missing] of count.missing) lostSample[id] = missing.slice(0, 10)
    const sent = rig.cabinets.reduce((n, c) => n + c.sent, 0)
    return {
      key: fault.key,
      fault: fault.label,
      sent,
      acked: count.acked,
      stored: count.stored,
      lost: count.lost,
      lostAfterRestart: second.lost,
      storedNotAcked: count.storedNotAcked,
      doorPages,
      loadS: (loadEnd - t0) / 1000,
      settleS,
      timeline,
      lostSample,
      problems
    }
  } finally {
    // InfluxDB may be away if the fault script failed half-way: the next row needs it.
    await ground.influxd.resume().catch(() => undefined)
    await rig.stop()
    await redis?.stop()
  }
}

interface Count {
  acked: number
  stored: number
  lost: number
  storedNotAcked: number
  /** Acknowledged `seq` values not in InfluxDB, per cabinet. */
  missing: Map<string, number[]>
}

/** Acknowledged against stored, per cabinet, summed. */
async function countRow (rig: DurabilityRig): Promise<Count> {
  const count: Count = { acked: 0, stored: 0, lost: 0, storedNotAcked: 0, missing: new Map() }
  for (const cabinet of rig.cabinets) {
    const seqs = await rig.storedSeqs(cabinet.id)
    const missing = [...cabinet.acked].filter(seq => !seqs.has(seq)).sort((a, b) => a - b)
    count.acked += cabinet.acked.size
    count.stored += seqs.size
    count.lost += missing.length
    count.storedNotAcked += [...seqs].filter(seq => !cabinet.acked.has(seq)).length
    if (missing.length > 0) count.missing.set(cabinet.id, missing)
  }
  return count
}

/** Counts once InfluxDB holds every acknowledged message, or once it has stopped getting more. */
async function settle (rig: DurabilityRig): Promise<{ count: Count, timedOut: boolean }> {
  const started = performance.now()
  let count: Count | undefined
  let lastProgress = started
  while (performance.now() - started < SETTLE_LIMIT_MS) {
    await pause(500)
    const next = await countRow(rig).catch(() => undefined)
    if (next === undefined) continue
    if (count === undefined || next.stored !== count.stored) lastProgress = performance.now()
    count = next
    if (count.lost === 0 || performance.now() - lastProgress > SETTLE_STALL_MS) return { count, timedOut: false }
  }
  return { count: count ?? await countRow(rig), timedOut: true }
}

function withTimeout<T> (promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`no PUBACK within ${ms / 1000} s`)), ms) })
  ])
}

/** A small seeded generator, so a run's random moments can be repeated. */
function mulberry32 (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}
