import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FleetFileSource } from '@aed/core/fleet'
import { loopbackSourceAddresses, MAX_CABINETS_PER_PROCESS, CABINETS_PER_SOURCE_ADDRESS, provisionSyntheticFleet, readSecrets, startLeanFleetProcesses, zeroCounts, type CabinetCredentials, type LeanCounts, type LeanFleetProcesses } from '@aed/firmware-sim'
import { startBrokerProcess, type BrokerProcess } from '@aed/testkit/broker-process'
import { startPrivateInfluxd, type PrivateInfluxd } from '@aed/testkit/private-influxd'
import { startPrivateRedis } from '@aed/testkit/private-redis'
import { startSmsProviderStandIn, type ReceivedSms } from '@aed/testkit/sms-provider-stand-in'
import { startMonitorProcess, type MonitorProcess } from '../support/monitor-process.ts'
import { PublishingCabinet } from '../support/publishing-cabinet.ts'
import { strongTestSecret } from '../support/stack.ts'
import { startBrokerChild } from './support/broker-child.ts'
import { cpuPercent, establishedTo, residentMB } from './support/proc-stats.ts'
import type { BenchmarkReport } from './support/report.ts'
import type { BenchSettings } from './support/settings.ts'
import { percentiles, perSecond, type Percentiles } from './support/stats.ts'
import { writeOnCallAlerting } from '../support/on-call-alerting.ts'

/**
 * A national fleet on one machine: N lean cabinets (firmware-sim) with
 * heartbeats, dealt out over several broker processes that share one private
 * Redis (BROKER_PERSISTENCE=redis), the monitor from its real entry point
 * with the synthetic fleet in its FLEET_FILE, InfluxDB, and the SMS stand-in.
 * For each N: connections held, memory and CPU per process, time to connect,
 * time until the whole fleet is back after every broker is killed and
 * started again, and door open → SMS idle and during that reconnect storm.
 * Baseline: the same lean cabinets connected to one bare Aedes.
 */

/** What the door_open SMS says ("AED taken from the cabinet: {place}."). */
const DOOR_PAGE = /Взет АЕД/
/** Door cabinets sit in a site each, with an address that tells in the page which one opened. */
const doorSiteName = (i: number): string => `Door bench ${String(i + 1).padStart(4, '0')}`
const DOOR_SITE_IN_PAGE = /Door bench (\d{4})/
/** Openings during the storm are capped by the door cabinets there are: each opens once. */
const STORM_DOORS = 400
/** A page that has not arrived this long after its door opened counts as missed. */
const PAGE_TIMEOUT_MS = 30_000
/** Settling after the fleet connected, before the CPU window: the connect burst is over. */
const SETTLE_MS = 5000
const CPU_WINDOW_MS = 10_000

interface Round {
  cabinets: number
  brokers: number
  fleetProcesses: number
  sourceAddresses: number
  connectedFleetSide: number
  /** Established connections at the broker ports (cabinets, door cabinets and the monitor). */
  connectedBrokerSide: number
  connectS: number
  connectsPerS: number
  brokerIdleRssMB: number
  brokerRssMB: number
  monitorRssMB: number
  fleetRssMB: number
  redisRssMB: number
  influxdRssMB: number
  cpuPercent: Record<string, number>
  idleDoorMs: Percentiles
  idleDoorsMissed: number
  reconnectS: number
  /** From the kill until every broker listened again: no door could be reported meanwhile. */
  brokersDownS: number
  reconnectedBrokerSide: number
  stormDoorMs: Percentiles
  /** Door open → its PUBACK at the door cabinet, during the storm. */
  stormDoorAckedMs: Percentiles
  stormDoorsMissed: number
  /** Every SMS at the stand-in during the storm and 30 s after, door pages included. */
  stormSmsTotal: number
  stormRefused: number
  stormFailures: number
}

interface Baseline {
  cabinets: number
  connectS: number
  connectsPerS: number
  idleRssMB: number
  rssMB: number
  rssPerConnectionKB: number
}

export async function runFleet (settings: BenchSettings): Promise<BenchmarkReport> {
  const started = performance.now()
  const sizes = [...settings.BENCH_FLEET_SIZES].sort((a, b) => a - b)
  const dir = await mkdtemp(join(tmpdir(), 'aed-fleet-bench-'))
  const influxd = await startPrivateInfluxd()
  const rounds: Round[] = []
  let stoppedBy: string | undefined
  let baseline: Baseline | undefined
  try {
    const baselineN = Math.min(settings.BENCH_FLEET_BASELINE, sizes[sizes.length - 1]!)
    console.log(`fleet: baseline, ${baselineN} lean cabinets to a bare Aedes`)
    baseline = await bareBaseline(baselineN)
    for (const n of sizes) {
      const brokers = settings.BENCH_FLEET_BROKERS ?? Math.ceil(n / settings.BENCH_FLEET_PER_BROKER)
      const perBroker = Math.ceil(n / brokers)
      if (perBroker > MAX_CABINETS_PER_PROCESS) {
        stoppedBy = `${n}: ${perBroker} cabinets per broker is over the ${MAX_CABINETS_PER_PROCESS} one process can hold (ulimit -n); raise BENCH_FLEET_BROKERS`
        break
      }
      console.log(`fleet: round of ${n} cabinets over ${brokers} broker processes`)
      try {
        rounds.push(await fleetRound(n, brokers, dir, influxd, settings))
      } catch (err) {
        stoppedBy = `${n}: ${(err as Error).message}`
        console.error(`fleet: round of ${n} failed: ${(err as Error).stack ?? String(err)}`)
        break
      }
    }
  } finally {
    await influxd.stop().catch(() => undefined)
    await rm(dir, { recursive: true, force: true })
  }
  if (stoppedBy !== undefined) console.log(`fleet: stopped at ${stoppedBy}`)
  return report(rounds, baseline!, stoppedBy, settings, (performance.now() - started) / 1000)
}

async function fleetRound (n: number, brokerCount: number, dir: string, influxd: PrivateInfluxd, settings: BenchSettings): Promise<Round> {
  const roundDir = join(dir, `round-${n}`)
  const doorCount = settings.BENCH_FLEET_IDLE_DOORS + 1 + STORM_DOORS
  const provisioned = await provisionSyntheticFleet({ count: n + doorCount, outDir: roundDir, prefix: 'fleet' })
  const doorIds = provisioned.ids.slice(n)
  await giveDoorsSitesOfTheirOwn(provisioned.fleetFile, new Set(doorIds))
  const secrets = await readSecrets(provisioned.secretsFile)
  const alertingFile = join(roundDir, 'alerting.yaml')
  await writeOnCallAlerting(alertingFile, '+359000000203')

  const stops: Array<() => Promise<unknown>> = []
  try {
    const redis = await startPrivateRedis()
    stops.push(() => redis.stop())
    const brokerEnv: Record<string, string> = {
      CREDENTIALS_FILE: provisioned.credentialsFile,
      CREDENTIALS_HASH_KEY: provisioned.hashKey,
      BROKER_PERSISTENCE: 'redis',
      REDIS_URL: redis.url,
      // Each broker takes its share and the door cabinets; all of them come from loopback.
      MQTT_MAX_CONNECTIONS: '19000',
      MQTT_MAX_CONNECTIONS_PER_ADDRESS: '19000',
      LOG_LEVEL: 'warn'
    }
    let brokers: BrokerProcess[] = await Promise.all(Array.from({ length: brokerCount }, () => startBrokerProcess({ env: brokerEnv })))
    stops.push(() => Promise.all(brokers.map(b => b.stop().catch(() => undefined))))
    const ports = brokers.map(b => b.port)
    const database = `aed_fleet_${n}`
    const sms = await startSmsProviderStandIn()
    stops.push(() => sms.close())
    const pages = watchDoorPages(sms.messages)
    const monitor = await startMonitorProcess({
      HOST: '127.0.0.1',
      PORT: '0',
      AED_ADMIN_TOKEN: strongTestSecret(),
      MQTT_URL: brokers[0]!.url,
      MQTT_PASSWORD: strongTestSecret(),
      MQTT_CLIENT_ID: `aed-monitor-fleet-${n}-${process.pid}`,
      CREDENTIALS_FILE: provisioned.credentialsFile,
      CREDENTIALS_HASH_KEY: provisioned.hashKey,
      FLEET_FILE: provisioned.fleetFile,
      DATA_DIR: join(roundDir, 'monitor'),
      INFLUX_URL: influxd.url,
      INFLUX_DB: database,
      ALERTING_FILE: alertingFile,
      ALERT_LINK_SECRET: strongTestSecret(),
      ...sms.monitorSettings('AED-Fleet'),
      NOTIFY_RETRY_BASE_MS: '100',
      LOG_LEVEL: 'warn'
    })
    stops.push(() => stopMonitor(monitor))

    // Door cabinets: mqtt.js clients of their own, dealt out over the brokers like the fleet.
    const doors = await Promise.all(doorIds.map((id, i) => PublishingCabinet.connect(`mqtt://127.0.0.1:${ports[i % ports.length]}`, id, secrets[id]!)))
    stops.push(() => Promise.all(doors.map(d => d.close().catch(() => undefined))))
    const warmUp = await openDoors(doors.slice(0, 1), 0, pages, settings.BENCH_FLEET_DOOR_EVERY_MS, () => false)
    if (warmUp.missed > 0) throw new Error(`the warm-up door opening was never paged (the stand-in had ${sms.requestCount()} requests: ${JSON.stringify(sms.messages.slice(0, 3).map(m => m.body))})`)
    const brokerIdleRssMB = await sumOf(brokers.map(b => b.pid), residentMB)

    // The fleet: a group of lean processes per broker, each group with source addresses of its own.
    const fleetIds = provisioned.ids.slice(0, n)
    const groups = ports.map((_, b) => fleetIds.filter((_, i) => i % ports.length === b).map(id => ({ id, secret: secrets[id]! })))
    const plan = groups.map(cabinets => {
      const processes = Math.max(1, Math.ceil(cabinets.length / MAX_CABINETS_PER_PROCESS))
      return { cabinets, processes, addresses: Math.max(processes, Math.ceil(cabinets.length / CABINETS_PER_SOURCE_ADDRESS)) }
    })
    const addresses = loopbackSourceAddresses(plan.reduce((sum, p) => sum + p.addresses, 0))
    const t0 = performance.now()
    const fleets: LeanFleetProcesses[] = []
    stops.push(() => Promise.all(fleets.map(f => f.stop())))
    let next = 0
    for (const [b, group] of plan.entries()) {
      const own = addresses.slice(next, next + group.addresses)
      next += group.addresses
      fleets.push(await startLeanFleetProcesses({ brokerUrl: `mqtt://127.0.0.1:${ports[b]}`, cabinets: group.cabinets, processes: group.processes, localAddresses: own, heartbeatIntervalS: 60 }))
    }
    const counts = (): Promise<LeanCounts> => fleetCounts(fleets)
    await waitUntil(async () => (await counts()).connected >= n, `${n} cabinets connected`, settings.BENCH_FLEET_TIMEOUT_S * 1000, counts)
    const connectMs = performance.now() - t0
    console.log(`fleet: ${n} connected in ${(connectMs / 1000).toFixed(1)} s`)

    await new Promise(resolve => setTimeout(resolve, SETTLE_MS))
    const fleetPids = fleets.flatMap(f => f.pids)
    const pids: Record<string, number> = {
      monitor: monitor.pid ?? -1,
      redis: redis.pid,
      influxd: influxd.pid,
      ...Object.fromEntries(brokers.map((b, i) => [`broker ${i + 1}`, b.pid])),
      ...Object.fromEntries(fleetPids.map((pid, i) => [`fleet ${i + 1}`, pid]))
    }
    const cpu = await cpuPercent(pids, CPU_WINDOW_MS)
    const connectedFleetSide = (await counts()).connected
    const connectedBrokerSide = await sumOf(ports, establishedTo)
    const brokerRssMB = await sumOf(brokers.map(b => b.pid), residentMB)
    const monitorRssMB = await residentMB(monitor.pid ?? -1)
    const fleetRssMB = await sumOf(fleetPids, residentMB)
    const redisRssMB = await residentMB(redis.pid)
    const influxdRssMB = await residentMB(influxd.pid)

    const idle = await openDoors(doors.slice(1, 1 + settings.BENCH_FLEET_IDLE_DOORS), 1, pages, settings.BENCH_FLEET_DOOR_EVERY_MS, () => false)
    console.log(`fleet: idle door → SMS p50 ${idle.ms.p50.toFixed(0)} ms, p99 ${idle.ms.p99.toFixed(0)} ms`)

    // The storm: every broker killed at once, started again on its port; doors open from the moment
    // the brokers listen again until the whole fleet is back. (A door opened while no broker runs
    // cannot be reported by anyone before one does: that wait is the broker's restart, not the storm.)
    const before = await counts()
    const smsBefore = sms.messages.length
    const stormStart = performance.now()
    let back = false
    await Promise.all(brokers.map(b => b.kill()))
    brokers = await Promise.all(ports.map(port => startBrokerProcess({ env: brokerEnv, port })))
    const brokersDownS = (performance.now() - stormStart) / 1000
    const stormDoors = openDoors(doors.slice(1 + settings.BENCH_FLEET_IDLE_DOORS), 1 + settings.BENCH_FLEET_IDLE_DOORS, pages, settings.BENCH_FLEET_DOOR_EVERY_MS, () => back)
    await waitUntil(async () => {
      const now = await counts()
      return now.connected >= n && now.connects - before.connects >= n
    }, `${n} cabinets back after the brokers restarted`, settings.BENCH_FLEET_TIMEOUT_S * 1000, counts)
    const reconnectMs = performance.now() - stormStart
    back = true
    const after = await counts()
    const reconnectedBrokerSide = await sumOf(ports, establishedTo)
    console.log(`fleet: ${n} back in ${(reconnectMs / 1000).toFixed(1)} s after every broker restarted`)
    const storm = await stormDoors
    const stormSmsTotal = sms.messages.length - smsBefore

    return {
      cabinets: n,
      brokers: brokerCount,
      fleetProcesses: fleetPids.length,
      sourceAddresses: addresses.length,
      connectedFleetSide,
      connectedBrokerSide,
      connectS: connectMs / 1000,
      connectsPerS: perSecond(n, connectMs),
      brokerIdleRssMB,
      brokerRssMB,
      monitorRssMB,
      fleetRssMB,
      redisRssMB,
      influxdRssMB,
      cpuPercent: cpu,
      idleDoorMs: idle.ms,
      idleDoorsMissed: idle.missed,
      reconnectS: reconnectMs / 1000,
      brokersDownS,
      reconnectedBrokerSide,
      stormDoorMs: storm.ms,
      stormDoorAckedMs: storm.ackedMs,
      stormDoorsMissed: storm.missed,
      stormSmsTotal,
      stormRefused: after.refused - before.refused,
      stormFailures: after.failures - before.failures
    }
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined)
    await rm(roundDir, { recursive: true, force: true })
  }
}

/** The same lean cabinets to one bare Aedes in a process of its own: connect rate and memory per connection. */
async function bareBaseline (n: number): Promise<Baseline> {
  const broker = await startBrokerChild('bare')
  let fleet: LeanFleetProcesses | undefined
  try {
    const idleRssMB = await residentMB(broker.pid)
    const cabinets: CabinetCredentials[] = Array.from({ length: n }, (_, i) => ({ id: `bare-aed-${String(i + 1).padStart(6, '0')}`, secret: 'unchecked' }))
    const processes = Math.max(1, Math.ceil(n / MAX_CABINETS_PER_PROCESS))
    const t0 = performance.now()
    fleet = await startLeanFleetProcesses({ brokerUrl: broker.url, cabinets, processes, localAddresses: loopbackSourceAddresses(Math.max(processes, Math.ceil(n / CABINETS_PER_SOURCE_ADDRESS))), heartbeatIntervalS: 60 })
    await fleet.waitUntilConnected(n, 300_000)
    const connectMs = performance.now() - t0
    const rssMB = await residentMB(broker.pid)
    return { cabinets: n, connectS: connectMs / 1000, connectsPerS: perSecond(n, connectMs), idleRssMB, rssMB, rssPerConnectionKB: (rssMB - idleRssMB) * 1024 / n }
  } finally {
    await fleet?.stop()
    await broker.stop()
  }
}

/**
 * Moves the door cabinets out of the synthetic sites into one site each,
 * with a long heartbeat interval (they send none: they are not to go
 * offline during the round).
 */
async function giveDoorsSitesOfTheirOwn (fleetFile: string, doorIds: ReadonlySet<string>): Promise<void> {
  const fleet = JSON.parse(await readFile(fleetFile, 'utf8')) as FleetFileSource
  const doors = fleet.sites.flatMap(site => site.cabinets.filter(c => doorIds.has(c.id)))
  const sites = fleet.sites
    .map(site => ({ ...site, cabinets: site.cabinets.filter(c => !doorIds.has(c.id)) }))
    .filter(site => site.cabinets.length > 0)
  doors.forEach((cabinet, i) => {
    sites.push({
      id: `door-bench-site-${String(i + 1).padStart(4, '0')}`,
      name: `Door site ${i + 1}`,
      // The SMS names the place by its address when the site's name would make it too long.
      address: doorSiteName(i),
      city: 'Load test',
      coordinates: { lat: 42.6, lon: 23.3 },
      cabinets: [{ ...cabinet, heartbeatIntervalS: 3600 }]
    })
  })
  await writeFile(fleetFile, JSON.stringify({ ...fleet, sites }) + '\n', { mode: 0o600 })
}

/** When the first door_open page for each door site reached the stand-in (performance.now()), stamped on append. */
function watchDoorPages (messages: ReceivedSms[]): Map<number, number> {
  const arrivals = new Map<number, number>()
  const push = messages.push.bind(messages)
  messages.push = (...added: ReceivedSms[]): number => {
    const now = performance.now()
    for (const message of added) {
      const site = DOOR_SITE_IN_PAGE.exec(message.body)
      if (site === null || !DOOR_PAGE.test(message.body)) continue
      const index = Number(site[1]) - 1
      if (!arrivals.has(index)) arrivals.set(index, now)
    }
    return push(...added)
  }
  return arrivals
}

/**
 * Opens the doors of `cabinets` one by one every `everyMs` (QoS 1, not
 * waiting for the PUBACK, which may come only after a broker is back) until
 * they are used up or `enough()`; then waits for every page. `first` is the
 * index of cabinets[0] among the door sites.
 */
async function openDoors (cabinets: PublishingCabinet[], first: number, pages: Map<number, number>, everyMs: number, enough: () => boolean): Promise<{ ms: Percentiles, ackedMs: Percentiles, missed: number }> {
  const opened: Array<{ site: number, at: number, ackedAt?: number, cabinet: PublishingCabinet }> = []
  for (const [i, cabinet] of cabinets.entries()) {
    if (i > 0 && enough()) break
    const door = { site: first + i, at: performance.now(), ackedAt: undefined as number | undefined, cabinet }
    cabinet.door('open').then(() => { door.ackedAt = performance.now() }, () => undefined)
    opened.push(door)
    await new Promise(resolve => setTimeout(resolve, everyMs))
  }
  const deadline = performance.now() + PAGE_TIMEOUT_MS
  while (performance.now() < deadline && !opened.every(o => pages.has(o.site))) await new Promise(resolve => setTimeout(resolve, 100))
  for (const { cabinet } of opened) cabinet.door('closed').catch(() => undefined)
  const samples = opened.filter(o => pages.has(o.site)).map(o => pages.get(o.site)! - o.at)
  // How much of it was the door cabinet's own way in: its broker's PUBACK (the message stored, routed to the monitor).
  const acked = opened.filter(o => o.ackedAt !== undefined).map(o => o.ackedAt! - o.at)
  return { ms: percentiles(samples), ackedMs: percentiles(acked), missed: opened.length - samples.length }
}

async function fleetCounts (fleets: LeanFleetProcesses[]): Promise<LeanCounts> {
  const total = zeroCounts()
  for (const fleet of fleets) {
    const { total: own } = await fleet.counts()
    for (const key of Object.keys(total) as Array<keyof LeanCounts>) total[key] += own[key]
  }
  return total
}

async function waitUntil (done: () => Promise<boolean>, what: string, timeoutMs: number, counts: () => Promise<LeanCounts>): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!await done()) {
    if (performance.now() > deadline) throw new Error(`not ${what} within ${timeoutMs / 1000} s: ${JSON.stringify(await counts())}`)
    await new Promise(resolve => setTimeout(resolve, 250))
  }
}

async function sumOf<T> (items: T[], read: (item: T) => Promise<number>): Promise<number> {
  const values = await Promise.all(items.map(read))
  return values.reduce((sum, v) => sum + v, 0)
}

async function stopMonitor (monitor: MonitorProcess): Promise<void> {
  const late = setTimeout(() => { monitor.kill().catch(() => undefined) }, 15_000)
  await monitor.terminate().catch(() => undefined)
  clearTimeout(late)
}

function report (rounds: Round[], baseline: Baseline, stoppedBy: string | undefined, settings: BenchSettings, elapsedS: number): BenchmarkReport {
  const sumCpu = (r: Round, prefix: string): number => Object.entries(r.cpuPercent).filter(([k]) => k.startsWith(prefix)).reduce((s, [, v]) => s + v, 0)
  const comparable = rounds.find(r => r.cabinets === baseline.cabinets) ?? rounds.reduce<Round | undefined>((best, r) => best === undefined || Math.abs(r.cabinets - baseline.cabinets) < Math.abs(best.cabinets - baseline.cabinets) ? r : best, undefined)
  const largest = rounds.at(-1)
  const label = `bare Aedes, ${baseline.cabinets} lean cabinets, no authentication`
  return {
    name: 'fleet',
    title: 'A national fleet: brokers on Redis, the monitor, lean cabinets',
    tables: [{
      caption: 'connections and memory at steady state: held (fleet side / broker side, the broker side also counts the door cabinets and the monitor), time to connect; RSS (MB) of the brokers together and the monitor, and per cabinet (KB): the whole RSS over N (what a fleet of N costs), and the brokers growth from their RSS before the fleet connected over N (the baseline figure is of this kind: compare it with this one, not with the first)',
      table: {
        columns: ['cabinets', 'brokers', 'fleet procs', 'held (fleet)', 'held (brokers)', 'connect s', 'conn/s', 'brokers RSS idle', 'brokers RSS', 'KB/cab', 'KB/cab above idle', 'monitor RSS', 'KB/cab', 'brokers+monitor MB', 'fleet RSS', 'redis RSS', 'influxd RSS'],
        rows: rounds.map(r => [r.cabinets, r.brokers, r.fleetProcesses, r.connectedFleetSide, r.connectedBrokerSide, r.connectS, r.connectsPerS, r.brokerIdleRssMB, r.brokerRssMB, r.brokerRssMB * 1024 / r.cabinets, (r.brokerRssMB - r.brokerIdleRssMB) * 1024 / r.cabinets, r.monitorRssMB, r.monitorRssMB * 1024 / r.cabinets, r.brokerRssMB + r.monitorRssMB, r.fleetRssMB, r.redisRssMB, r.influxdRssMB])
      }
    }, {
      caption: `CPU at steady state, % of one core over ${CPU_WINDOW_MS / 1000} s (utime + stime from /proc), ${SETTLE_MS / 1000} s after the fleet connected; heartbeats every 60 s`,
      table: {
        columns: ['cabinets', 'brokers (sum)', 'busiest broker', 'monitor', 'redis', 'influxd', 'fleet (sum)'],
        rows: rounds.map(r => [r.cabinets, sumCpu(r, 'broker'), Math.max(...Object.entries(r.cpuPercent).filter(([k]) => k.startsWith('broker')).map(([, v]) => v)), r.cpuPercent.monitor ?? NaN, r.cpuPercent.redis ?? NaN, r.cpuPercent.influxd ?? NaN, sumCpu(r, 'fleet')])
      }
    }, {
      caption: `every broker killed (SIGKILL) and started again on its port: time until every cabinet has connected again; door open → SMS at the stand-in (ms), a door every ${settings.BENCH_FLEET_DOOR_EVERY_MS} ms, idle, and in the storm from the moment every broker listens again until the fleet is back; storm PUBACK: door open → the door cabinet's PUBACK from its broker`,
      table: {
        columns: ['cabinets', 'brokers down s', 'back after s', 'held after (brokers)', 'refused', 'failed tries', 'idle n', 'idle p50', 'idle p99', 'idle missed', 'storm n', 'storm p50', 'storm p99', 'storm max', 'storm missed', 'storm PUBACK p50', 'storm PUBACK p99', 'SMS in storm'],
        rows: rounds.map(r => [r.cabinets, r.brokersDownS, r.reconnectS, r.reconnectedBrokerSide, r.stormRefused, r.stormFailures, r.idleDoorMs.count, r.idleDoorMs.p50, r.idleDoorMs.p99, r.idleDoorsMissed, r.stormDoorMs.count, r.stormDoorMs.p50, r.stormDoorMs.p99, r.stormDoorMs.max, r.stormDoorsMissed, r.stormDoorAckedMs.p50, r.stormDoorAckedMs.p99, r.stormSmsTotal])
      }
    }, {
      caption: 'baseline: lean cabinets to one bare Aedes (child process, no authentication, in-memory persistence)',
      table: {
        columns: ['cabinets', 'connect s', 'conn/s', 'broker RSS idle', 'broker RSS', 'RSS KB/conn above idle'],
        rows: [[baseline.cabinets, baseline.connectS, baseline.connectsPerS, baseline.idleRssMB, baseline.rssMB, baseline.rssPerConnectionKB]]
      }
    }, {
      caption: 'targets',
      table: {
        columns: ['target', 'measured', 'met'],
        rows: targets(rounds, baseline, comparable, largest)
      }
    }],
    comparisons: comparable === undefined
      ? []
      : [
          { metric: `connect rate at ${comparable.cabinets} (${comparable.brokers} broker on Redis, authenticated)`, unit: 'conn/s', value: comparable.connectsPerS, baseline: baseline.connectsPerS, baselineLabel: label, higherIsBetter: true },
          { metric: `broker RSS per connection above idle at ${comparable.cabinets}`, unit: 'KB', value: (comparable.brokerRssMB - comparable.brokerIdleRssMB) * 1024 / comparable.cabinets, baseline: baseline.rssPerConnectionKB, baselineLabel: label, higherIsBetter: false }
        ],
    notes: [
      ...(stoppedBy !== undefined ? [`stopped at ${stoppedBy}`] : [`every size ran: ${rounds.map(r => r.cabinets).join(', ')}`]),
      'each round: a private redis-server, broker processes (@aed/testkit/broker-process, BROKER_PERSISTENCE=redis, MQTT_MAX_CONNECTIONS and _PER_ADDRESS 19000), the monitor (test/support/monitor-process.ts) with the synthetic fleet as FLEET_FILE, a database in one private influxd, the SMS stand-in',
      'cabinets are dealt out over the broker ports; each broker\'s share runs in lean fleet processes of its own (≤ 18,000 cabinets each) from source addresses of their own (127.0.0.2, …); persistent sessions, retained-status will, heartbeats every 60 s, the lean fleet\'s default backoff (1 s base, doubling, 60 s cap, jitter 0.5)',
      `door cabinets: ${settings.BENCH_FLEET_IDLE_DOORS + 1 + STORM_DOORS} more active cabinets of the fleet file, a site each, mqtt.js clients (persistent session, reconnect every 200 ms) dealt out over the brokers; each opens its door once (QoS 1); the clock runs from the publish to the page at the stand-in; a page later than ${PAGE_TIMEOUT_MS / 1000} s counts as missed`,
      'the monitor subscribes through the first broker: a door on another broker crosses Redis',
      'RSS is VmRSS from /proc without a garbage collection; brokers+monitor is the figure the 2 GB target is about'
    ],
    figures: { rounds, baseline, stoppedBy },
    elapsedS
  }
}

function targets (rounds: Round[], baseline: Baseline, comparable: Round | undefined, largest: Round | undefined): Array<Array<string | number>> {
  const rows: Array<Array<string | number>> = []
  const top = rounds.find(r => r.cabinets >= 100_000)
  rows.push(top === undefined
    ? ['100,000 connected on one machine', `largest held: ${largest?.connectedFleetSide ?? 0}`, 'missed']
    : ['100,000 connected, brokers+monitor < 2048 MB RSS', `${top.connectedFleetSide} held, ${(top.brokerRssMB + top.monitorRssMB).toFixed(0)} MB`, top.brokerRssMB + top.monitorRssMB < 2048 ? `met by ${(2048 - top.brokerRssMB - top.monitorRssMB).toFixed(0)} MB` : `missed by ${(top.brokerRssMB + top.monitorRssMB - 2048).toFixed(0)} MB`])
  if (largest !== undefined) {
    rows.push([`whole fleet back < 60 s after every broker restarts (${largest.cabinets})`, `${largest.reconnectS.toFixed(1)} s`, largest.reconnectS < 60 ? `met by ${(60 - largest.reconnectS).toFixed(1)} s` : `missed by ${(largest.reconnectS - 60).toFixed(1)} s`])
    rows.push([`door → SMS p99 < 1000 ms in the storm (${largest.cabinets})`, `${largest.stormDoorMs.p99.toFixed(0)} ms, ${largest.stormDoorsMissed} missed`, largest.stormDoorMs.p99 < 1000 && largest.stormDoorsMissed === 0 ? `met by ${(1000 - largest.stormDoorMs.p99).toFixed(0)} ms` : `missed by ${(largest.stormDoorMs.p99 - 1000).toFixed(0)} ms`])
    rows.push([`door → SMS p99 < 100 ms idle (${largest.cabinets})`, `${largest.idleDoorMs.p99.toFixed(0)} ms`, largest.idleDoorMs.p99 < 100 ? `met by ${(100 - largest.idleDoorMs.p99).toFixed(0)} ms` : `missed by ${(largest.idleDoorMs.p99 - 100).toFixed(0)} ms`])
  }
  if (comparable !== undefined) {
    const ratio = comparable.connectsPerS / baseline.connectsPerS
    rows.push([`authenticated connect rate ≥ 0.7× bare Aedes (${comparable.cabinets})`, `${ratio.toFixed(2)}×`, ratio >= 0.7 ? `met by ${(ratio - 0.7).toFixed(2)}×` : `missed by ${(0.7 - ratio).toFixed(2)}×`])
  }
  return rows
}
