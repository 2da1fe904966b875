import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { parseCabinetTopic, type RejectionCode, type UplinkMessage } from '@aed/core/protocol'
import type { Clock } from '@aed/core/time'
import { SeveritySchema } from '../alerts/alert.ts'
import type { AlertBook, AlertTransition } from '../alerts/alert-book.ts'
import type { MonitorBus, NotificationRecord } from '../events.ts'
import { READINESS_STATES, isOffline } from '../readiness/readiness.ts'
import type { FleetView } from '../state/fleet-state.ts'
import type { InfluxWriteClient, InfluxWriter } from '../storage/influx-writer.ts'
import type { Unit } from '../unit.ts'
import type { ReplicaHealth } from '../replicas/replica-group.ts'

export interface MonitorMetricsOptions {
  bus: MonitorBus
  book: Pick<AlertBook, 'on' | 'off' | 'list'>
  fleet: FleetView
  /** The monitor's time line: arrivals and notification outcomes are stamped on it. */
  clock: Clock
  offlineAfterHeartbeats: number
  /** The InfluxDB writer's counts, read at each scrape. */
  influx: () => Pick<InfluxWriter, 'written' | 'rejectedByServer' | 'buffered' | 'spooledBytes' | 'full'>
  mqttConnected: () => boolean
  /** The door lane's session (see LANES): door messages also come on the fleet lane while it is away, later. */
  doorLaneConnected: () => boolean
  /** With replicas (REPLICA_REDIS_URL): the group as /readyz shows it; the replica gauges exist only then. */
  replica?: (() => ReplicaHealth | undefined) | undefined
}

/** What /metrics answers: the exposition and its content type. */
export interface MetricsExposition {
  contentType: string
  text: string
}

/** The step of a door_open alert whose notifications a door opening causes (escalations follow the policy's clock). */
const FIRST_PAGE = 'opened:0'
/** Readiness states a connected cabinet can have: `unknown` means never heard from, `offline` not connected. */
const CONNECTED_READINESS = READINESS_STATES.filter(state => state !== 'unknown' && state !== 'offline')

/**
 * The monitor's Prometheus metrics (/metrics), in a registry of its own, so
 * that several monitors in one process (tests) keep separate counts and
 * nothing lands in prom-client's global registry.
 *
 * Counters and histograms are fed from the events the monitor already
 * announces (the bus, the alert book's transitions) and from the batches the
 * InfluxDB writer sends through `timeWrites`; a message on the MQTT path
 * costs a counter increment. Gauges are read from the units at scrape time.
 *
 * Every label has a bounded set of values: a channel the protocol does not
 * define is counted as `other`, however many names cabinets invent.
 *
 * The door latency binds a door_open alert to the door message that opened
 * it: the `telemetry` of an opening is remembered until the alert book
 * announces the alert, synchronously, from the rules run on that telemetry.
 * This needs the unit to subscribe to `telemetry` and `tick` before the
 * alert lifecycle does, so it starts before it.
 */
export class MonitorMetrics implements Unit {
  readonly name = 'metrics'
  readonly registry = new Registry()
  private defaultsCollected = false
  /** The door opening being taken in: set by its `telemetry`, cleared by the next telemetry or tick. */
  private doorArriving: { cabinetId: string, arrivedAtMs: number } | undefined
  /** cabinetId → the door_open alert its door message opened (one live per cabinet, so bounded by the fleet). */
  private readonly pagedDoors = new Map<string, { alertId: string, arrivedAtMs: number }>()

  private readonly received: Counter
  private readonly accepted: Counter
  private readonly duplicates: Counter
  private readonly unregistered: Counter
  private readonly clockSkewed: Counter
  private readonly rejected: Counter<'channel' | 'reason'>
  private readonly doorLatency: Histogram<'channel' | 'outcome'>
  private readonly deliveryLatency: Histogram<'channel' | 'outcome'>
  private readonly influxWrites: Histogram<'outcome'>

  constructor (private readonly options: MonitorMetricsOptions) {
    const registers = [this.registry]
    const counter = (name: string, help: string): Counter => new Counter({ name, help, registers })
    this.received = counter('aed_mqtt_messages_received_total', 'MQTT messages handed to the intake: accepted, duplicate or rejected')
    this.accepted = counter('aed_mqtt_messages_accepted_total', 'Valid messages seen for the first time')
    this.duplicates = counter('aed_mqtt_messages_duplicate_total', 'QoS 1 redeliveries dropped')
    this.unregistered = counter('aed_mqtt_messages_unregistered_total', 'Valid messages from cabinets not in the fleet file (stored, not monitored)')
    this.clockSkewed = counter('aed_mqtt_messages_clock_skewed_total', 'Messages whose ts lay too far ahead of their arrival, taken at their arrival')
    this.rejected = new Counter({
      name: 'aed_mqtt_messages_rejected_total',
      help: 'Invalid messages, by channel (a channel the protocol does not define is "other") and reason class',
      labelNames: ['channel', 'reason'] as const,
      registers
    })
    const { influx, mqttConnected, doorLaneConnected } = options
    new Counter({
      name: 'aed_influx_lines_written_total',
      help: 'Lines InfluxDB accepted',
      registers,
      collect () { this.reset(); this.inc(influx().written) }
    })
    new Counter({
      name: 'aed_influx_lines_dropped_total',
      help: 'Lines given up because InfluxDB refused them as malformed (nothing else is ever dropped)',
      registers,
      collect () { this.reset(); this.inc(influx().rejectedByServer) }
    })
    new Gauge({
      name: 'aed_influx_lines_buffered',
      help: 'Lines waiting to be written to InfluxDB',
      registers,
      collect () { this.set(influx().buffered) }
    })
    new Gauge({
      name: 'aed_spool_bytes',
      help: 'Bytes of the write-ahead spool on disk (lines not yet in InfluxDB)',
      registers,
      collect () { this.set(influx().spooledBytes) }
    })
    new Gauge({
      name: 'aed_spool_full',
      help: '1 while so many lines wait for InfluxDB that new MQTT messages wait with the broker',
      registers,
      collect () { this.set(influx().full ? 1 : 0) }
    })
    this.influxWrites = new Histogram({
      name: 'aed_influx_write_duration_seconds',
      help: 'Time to write one batch to InfluxDB, by outcome (written, failed)',
      labelNames: ['outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers
    })
    this.doorLatency = new Histogram({
      name: 'aed_door_notification_latency_seconds',
      help: 'From the arrival of the door message that opened a door_open alert to the outcome of each of its first notifications, by channel and outcome',
      labelNames: ['channel', 'outcome'] as const,
      buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
      registers
    })
    this.deliveryLatency = new Histogram({
      name: 'aed_notification_delivery_duration_seconds',
      help: 'From the first try of a notification to its outcome, retries included, by channel and outcome',
      labelNames: ['channel', 'outcome'] as const,
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
      registers
    })
    const { fleet, clock, offlineAfterHeartbeats, book } = options
    new Gauge({
      name: 'aed_cabinets_connected',
      help: 'Fleet cabinets heard from and not offline, by readiness state',
      labelNames: ['readiness'] as const,
      registers,
      collect () {
        const counts = new Map<string, number>(CONNECTED_READINESS.map(state => [state, 0]))
        const now = clock.now()
        for (const { definition, state, readiness } of fleet.all()) {
          if (state.lastSeenMs === 0 || isOffline(state, now, { heartbeatIntervalS: definition.heartbeatIntervalS, offlineAfterHeartbeats })) continue
          counts.set(readiness.state, (counts.get(readiness.state) ?? 0) + 1)
        }
        this.reset()
        for (const [readiness, n] of counts) this.set({ readiness }, n)
      }
    })
    new Gauge({
      name: 'aed_alerts_live',
      help: 'Alerts not resolved (open or acknowledged), by severity',
      labelNames: ['severity'] as const,
      registers,
      collect () {
        const counts = new Map<string, number>(SeveritySchema.options.map(severity => [severity, 0]))
        for (const alert of book.list({ status: 'live' })) counts.set(alert.severity, (counts.get(alert.severity) ?? 0) + 1)
        this.reset()
        for (const [severity, n] of counts) this.set({ severity }, n)
      }
    })
    new Gauge({
      name: 'aed_mqtt_connected',
      help: '1 while the monitor is connected to the MQTT broker, else 0',
      registers,
      collect () { this.set(mqttConnected() ? 1 : 0) }
    })
    if (options.replica !== undefined) this.replicaGauges(options.replica, registers)
    new Gauge({
      name: 'aed_mqtt_door_lane_connected',
      help: '1 while the door lane (the second MQTT session, for door messages first) is connected, else 0',
      registers,
      collect () { this.set(doorLaneConnected() ? 1 : 0) }
    })
  }

  /** What the replica group says at each scrape: nothing while it has not started. */
  private replicaGauges (replica: () => ReplicaHealth | undefined, registers: Registry[]): void {
    const gauge = (name: string, help: string, value: (health: ReplicaHealth) => number): void => {
      new Gauge({
        name,
        help,
        registers,
        collect () {
          const health = replica()
          if (health === undefined) this.reset()
          else this.set(value(health))
        }
      })
    }
    gauge('aed_replica_slots', 'Slots (of 64) whose cabinets this replica raises and notifies alerts for', health => health.slots.length)
    gauge('aed_replica_members', 'Replicas alive in the group at the last round of leases, this one included', health => health.members)
    gauge('aed_replica_isolated', '1 while Redis has been unreachable for a whole lease and this replica speaks for every cabinet, else 0', health => health.isolated ? 1 : 0)
  }

  /** Subscribes to the events it measures; the process metrics are added at the first start. */
  start (): void {
    if (!this.defaultsCollected) {
      // Once per registry: prom-client refuses to register a metric name twice.
      collectDefaultMetrics({ register: this.registry })
      this.defaultsCollected = true
    }
    const { bus, book } = this.options
    bus.on('message', this.onMessage)
    bus.on('duplicate', this.onDuplicate)
    bus.on('rejected', this.onRejected)
    bus.on('unregistered', this.onUnregistered)
    bus.on('clockSkew', this.onClockSkew)
    bus.on('telemetry', this.onTelemetry)
    bus.on('tick', this.onTick)
    bus.on('notification', this.onNotification)
    book.on('transition', this.onTransition)
  }

  stop (): void {
    const { bus, book } = this.options
    bus.off('message', this.onMessage)
    bus.off('duplicate', this.onDuplicate)
    bus.off('rejected', this.onRejected)
    bus.off('unregistered', this.onUnregistered)
    bus.off('clockSkew', this.onClockSkew)
    bus.off('telemetry', this.onTelemetry)
    bus.off('tick', this.onTick)
    bus.off('notification', this.onNotification)
    book.off('transition', this.onTransition)
    this.doorArriving = undefined
    this.pagedDoors.clear()
  }

  /** The Prometheus text exposition of every metric of this monitor. */
  async exposition (): Promise<MetricsExposition> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() }
  }

  /** The client to give the InfluxDB writer: the same client, each batch it writes timed. */
  timeWrites (client: InfluxWriteClient): InfluxWriteClient {
    const histogram = this.influxWrites
    return {
      async write (lines) {
        const done = histogram.startTimer()
        try {
          await client.write(lines)
          done({ outcome: 'written' })
        } catch (err) {
          done({ outcome: 'failed' })
          throw err
        }
      },
      createDatabase: async () => await client.createDatabase()
    }
  }

  private readonly onMessage = (): void => {
    this.received.inc()
    this.accepted.inc()
  }

  private readonly onDuplicate = (): void => {
    this.received.inc()
    this.duplicates.inc()
  }

  private readonly onRejected = (_reason: string, topic: string, _cabinetId: string | undefined, code: RejectionCode): void => {
    this.received.inc()
    const route = parseCabinetTopic(topic)
    this.rejected.inc({ channel: route?.kind === 'uplink' ? route.channel : 'other', reason: code })
  }

  private readonly onUnregistered = (): void => { this.unregistered.inc() }

  private readonly onClockSkew = (): void => { this.clockSkewed.inc() }

  private readonly onTelemetry = (message: UplinkMessage, receivedAtMs: number): void => {
    this.doorArriving = message.channel === 'door' && message.payload.state === 'open'
      ? { cabinetId: message.cabinetId, arrivedAtMs: receivedAtMs }
      : undefined
  }

  private readonly onTick = (): void => { this.doorArriving = undefined }

  private readonly onTransition = ({ alert, change }: AlertTransition): void => {
    if (alert.kind !== 'door_open' || change !== 'opened') return
    const arriving = this.doorArriving
    if (arriving?.cabinetId !== alert.cabinetId) return
    this.pagedDoors.set(alert.cabinetId, { alertId: alert.id, arrivedAtMs: arriving.arrivedAtMs })
    this.doorArriving = undefined
  }

  private readonly onNotification = ({ alertId, alert, step, outcome, atMs }: NotificationRecord): void => {
    if (outcome.outcome === 'skipped') return
    const labels = { channel: outcome.channel, outcome: outcome.outcome }
    this.deliveryLatency.observe(labels, outcome.latencyMs / 1000)
    if (alert?.kind !== 'door_open' || step !== FIRST_PAGE) return
    const paged = this.pagedDoors.get(alert.cabinetId)
    if (paged?.alertId === alertId) this.doorLatency.observe(labels, (atMs - paged.arrivedAtMs) / 1000)
  }
}
