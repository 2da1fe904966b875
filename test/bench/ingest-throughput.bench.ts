import mqtt from 'mqtt'
import { FLEET_SUBSCRIPTIONS } from '@aed/core/protocol'
import type { InfluxV1Client } from '@aed/core/influx'
import { waitFor, type TestStack } from '../support/stack.ts'
import { startBareBroker } from './support/bare-broker.ts'
import { ingestCabinetIds } from './support/bench-fleet.ts'
import { MemoryPeaks, memoryNow, type MemoryFigures } from './support/memory.ts'
import type { BenchmarkReport } from './support/report.ts'
import type { BenchSettings } from './support/settings.ts'
import { perSecond } from './support/stats.ts'
import { FleetTraffic, connectPublishers, disconnectPublishers, publishWindowed, type Publisher } from './support/uplink-traffic.ts'

/**
 * Ingest throughput: QoS 1 uplink messages from many cabinets through the
 * real broker (scrypt authentication, per-cabinet authorisation) into the
 * real monitor, until the monitor has accepted them all and until InfluxDB
 * holds them. Baseline: the same traffic through a bare Aedes to a
 * subscriber that only counts.
 */

interface Round {
  messages: number
  /** Until the last PUBACK reached its publisher. */
  pubackMs: number
  /** Until the far end had every message (subscriber counted, monitor accepted, InfluxDB held). */
  doneMs: number
  memoryBefore: MemoryFigures
  memoryPeak: MemoryFigures
  memoryAfter: MemoryFigures
}

const TIMEOUT_MS = 120_000
const WARM_UP_SHARE = 0.1

export async function runIngestThroughput (stack: TestStack, settings: BenchSettings): Promise<BenchmarkReport> {
  const started = performance.now()
  const ids = ingestCabinetIds(settings.BENCH_INGEST_CABINETS)
  const perCabinet = Math.max(1, Math.ceil(settings.BENCH_INGEST_MESSAGES / ids.length))
  const warmUpPerCabinet = Math.max(1, Math.round(perCabinet * WARM_UP_SHARE))
  const window = settings.BENCH_INGEST_WINDOW

  const baseline = await measureBareTransport(ids, perCabinet, warmUpPerCabinet, window)

  const secrets = new Map(await Promise.all(ids.map(async id => [id, await stack.broker.addCabinet(id)] as const)))
  const publishers = await connectPublishers(stack.broker.url, ids, id => secrets.get(id)!)
  const monitor = stack.service.monitor
  const counters = monitor.counters
  const traffic = new FleetTraffic(ids)
  const client = stack.influx.client
  let published = 0

  const warmUp = traffic.next(warmUpPerCabinet)
  const warmAccepted = counters.accepted + ids.length * warmUpPerCabinet
  await publishWindowed(publishers, warmUp, window)
  published += ids.length * warmUpPerCabinet
  await waitFor(() => counters.accepted >= warmAccepted, 'warm-up accepted', TIMEOUT_MS)
  await waitFor(async () => await storedCount(client) >= published, 'warm-up stored', TIMEOUT_MS)

  const before = { accepted: counters.accepted, rejected: counters.rejected, duplicates: counters.duplicates, unregistered: counters.unregistered, alerts: monitor.alerts.list({}).length, written: monitor.writer.written }
  const messages = traffic.next(perCabinet)
  const count = ids.length * perCabinet
  const memoryBefore = memoryNow({ collect: true })
  const peaks = new MemoryPeaks().start()
  const t0 = performance.now()
  await publishWindowed(publishers, messages, window)
  const pubackMs = performance.now() - t0
  published += count
  await waitFor(() => counters.accepted - before.accepted >= count, 'every message accepted by the monitor', TIMEOUT_MS)
  const acceptedMs = performance.now() - t0
  await waitFor(async () => await storedCount(client) >= published, 'every message stored in InfluxDB', TIMEOUT_MS)
  const storedMs = performance.now() - t0
  const memoryPeak = peaks.stop()
  const memoryAfter = memoryNow({ collect: true })
  await disconnectPublishers(publishers)

  const delta = {
    accepted: counters.accepted - before.accepted,
    rejected: counters.rejected - before.rejected,
    duplicates: counters.duplicates - before.duplicates,
    unregistered: counters.unregistered - before.unregistered,
    alertsRaised: monitor.alerts.list({}).length - before.alerts,
    linesWritten: monitor.writer.written - before.written
  }
  const accepted: Round = { messages: count, pubackMs, doneMs: acceptedMs, memoryBefore, memoryPeak, memoryAfter }
  const stored: Round = { ...accepted, doneMs: storedMs }

  const row = (label: string, round: Round) => [
    label, round.messages, round.pubackMs / 1000, round.doneMs / 1000, perSecond(round.messages, round.doneMs),
    round.memoryBefore.rssMB, round.memoryPeak.rssMB, round.memoryPeak.heapUsedMB, round.memoryAfter.heapUsedMB - round.memoryBefore.heapUsedMB
  ]
  const notes = [
    `${ids.length} cabinets × ${perCabinet} messages (3 heartbeat : 1 battery : 1 door), QoS 1, ≤ ${window} in flight per cabinet, after a warm-up of ${warmUpPerCabinet} per cabinet`,
    'broker, monitor and publishers share this process (startTestStack), as do the bare broker and its subscriber; InfluxDB is a separate influxd',
    `monitor counters during the measured round: accepted ${delta.accepted}, rejected ${delta.rejected}, duplicates ${delta.duplicates}, unregistered ${delta.unregistered}; alerts raised ${delta.alertsRaised}; lines written to InfluxDB ${delta.linesWritten}`
  ]
  if (delta.rejected + delta.duplicates + delta.unregistered > 0) notes.push('WARNING: some messages did not take the accepted path')

  return {
    name: 'ingest',
    title: 'Ingest throughput: QoS 1 uplinks through the broker into the monitor and InfluxDB',
    tables: [{
      caption: 'messages until done; memory of this process (MB)',
      table: {
        columns: ['path', 'messages', 'PUBACKs s', 'done s', 'msgs/s', 'RSS before', 'RSS peak', 'heap peak', 'heap growth'],
        rows: [row('bare Aedes → counting subscriber', baseline), row('broker → monitor accepted', accepted), row('broker → monitor → InfluxDB stored', stored)]
      }
    }],
    comparisons: [
      { metric: 'accepted by monitor', unit: 'msgs/s', value: perSecond(count, acceptedMs), baseline: perSecond(baseline.messages, baseline.doneMs), baselineLabel: 'bare Aedes → counting subscriber', higherIsBetter: true },
      { metric: 'stored in InfluxDB', unit: 'msgs/s', value: perSecond(count, storedMs), baseline: perSecond(baseline.messages, baseline.doneMs), baselineLabel: 'bare Aedes → counting subscriber', higherIsBetter: true }
    ],
    notes,
    figures: { cabinets: ids.length, perCabinet, window, warmUpPerCabinet, baseline, accepted, stored, counters: delta },
    elapsedS: (performance.now() - started) / 1000
  }
}

/** The same traffic through Aedes without hooks, to a subscriber that only counts. */
async function measureBareTransport (ids: string[], perCabinet: number, warmUpPerCabinet: number, window: number): Promise<Round> {
  const broker = await startBareBroker()
  let publishers: Publisher[] = []
  const subscriber = await mqtt.connectAsync(broker.url, { clientId: 'bench-counter', clean: true, protocolVersion: 4, reconnectPeriod: 0 })
  try {
    let received = 0
    subscriber.on('message', () => { received++ })
    await subscriber.subscribeAsync(FLEET_SUBSCRIPTIONS, { qos: 1 })
    publishers = await connectPublishers(broker.url, ids)
    const traffic = new FleetTraffic(ids)

    await publishWindowed(publishers, traffic.next(warmUpPerCabinet), window)
    await waitFor(() => received >= ids.length * warmUpPerCabinet, 'warm-up delivered', TIMEOUT_MS)

    const messages = traffic.next(perCabinet)
    const count = ids.length * perCabinet
    const target = received + count
    const memoryBefore = memoryNow({ collect: true })
    const peaks = new MemoryPeaks().start()
    const t0 = performance.now()
    await publishWindowed(publishers, messages, window)
    const pubackMs = performance.now() - t0
    await waitFor(() => received >= target, 'every message delivered to the counting subscriber', TIMEOUT_MS)
    const doneMs = performance.now() - t0
    const memoryPeak = peaks.stop()
    return { messages: count, pubackMs, doneMs, memoryBefore, memoryPeak, memoryAfter: memoryNow({ collect: true }) }
  } finally {
    await disconnectPublishers(publishers)
    await subscriber.endAsync()
    await broker.close()
  }
}

/** Points of the ingest cabinets in InfluxDB, over the three measurements the traffic writes. */
async function storedCount (client: InfluxV1Client): Promise<number> {
  const where = `WHERE "cabinet" =~ /^bench-ingest-/`
  const results = await client.query([
    `SELECT count("temperature_c") FROM "heartbeat" ${where}`,
    `SELECT count("percent") FROM "battery" ${where}`,
    `SELECT count("state") FROM "door" ${where}`
  ].join('; '))
  let total = 0
  for (const result of results) {
    const value = result.series?.[0]?.values[0]?.[1]
    if (typeof value === 'number') total += value
  }
  return total
}
