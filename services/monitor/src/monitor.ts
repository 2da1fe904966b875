import { join } from 'node:path'
import type { Logger } from 'pino'
import type { Fleet } from '@aed/core/fleet'
import type { InfluxV1Client } from '@aed/core/influx'
import { systemTime, type Time } from '@aed/core/time'
import type { AlertDesk } from './ack/alert-desk.ts'
import { AlertBook } from './alerts/alert-book.ts'
import { AlertJournal } from './alerts/alert-journal.ts'
import { AlertLifecycle } from './alerts/alert-lifecycle.ts'
import { MaintenanceDesk } from './alerts/maintenance-desk.ts'
import { allRules, type AlertRule } from './alerts/rules/index.ts'
import { CabinetCommands } from './commands/cabinet-commands.ts'
import { MonitorBus } from './events.ts'
import { HealthCheck } from './health/health-check.ts'
import { MonitorMetrics } from './health/monitor-metrics.ts'
import type { MonitorServices } from './http/monitor-services.ts'
import { IngestCounters } from './ingest/ingest-counters.ts'
import { MessageIntake } from './ingest/message-intake.ts'
import { MqttSubscriber, type MqttSubscriberOptions } from './ingest/mqtt-subscriber.ts'
import type { DigestTemplates } from './messages/digest-message.ts'
import type { MessageTemplates } from './messages/message-templates.ts'
import { DailyDigest } from './notifications/daily-digest.ts'
import { NotificationDispatcher } from './notifications/notification-dispatcher.ts'
import type { RetryPolicy } from './notifiers/delivery.ts'
import type { Notifier } from './notifiers/notifier.ts'
import type { Thresholds } from './readiness/thresholds.ts'
import { Recorder } from './recording/recorder.ts'
import { ReadinessReports } from './reports/readiness-reports.ts'
import type { AlertRouting } from './routing/alert-routing.ts'
import { FleetState } from './state/fleet-state.ts'
import { InfluxWriter, type InfluxWriterOptions } from './storage/influx-writer.ts'
import { Spool } from './storage/spool.ts'
import { ReplicaGroup, type ReplicaSettings } from './replicas/replica-group.ts'
import { SOLE_OWNER } from './replicas/ownership.ts'
import { Ticker } from './ticker.ts'
import type { Unit } from './unit.ts'

/** Who is told about alerts, how, and where the alert journal lives. */
export interface AlertingOptions {
  routing: AlertRouting
  notifiers: readonly Notifier[]
  templates: MessageTemplates
  digestTemplates: DigestTemplates
  /** Directory of the durable alert journal. */
  dataDir: string
  publicUrl: string
  /** The Grafana fleet overview linked from emails (DASHBOARD_URL). */
  dashboardUrl?: string | undefined
  ackSecret: string
  ackTtlMs: number
  retryPolicy: RetryPolicy
  /** How often notifications that failed every try are tried again while their alert is open, ms. */
  retryFailedEveryMs: number
}

export interface MonitorOptions {
  alerting: AlertingOptions
  fleet: Fleet
  influx: InfluxV1Client
  mqtt: MqttSubscriberOptions
  writer: InfluxWriterOptions
  thresholds: Thresholds
  offlineAfterHeartbeats: number
  /** How far ahead of the arrival a cabinet's `ts` may lie, ms (CLOCK_SKEW_TOLERANCE_S). */
  clockSkewToleranceMs: number
  snapshotIntervalMs: number
  logger: Logger
  /** The time line of everything people see: rules, escalation, flap windows, retries, ticks, snapshots, the digest. */
  time?: Time
  /** The time line of plumbing (InfluxDB batching, health pings), real in tests too. */
  ioTime?: Time
  rules?: readonly AlertRule[]
  /** How often time-driven conditions are re-evaluated, ms. */
  tickMs?: number
  /** Set: this process is one replica of several that split the cabinets (REPLICA_REDIS_URL); unset: it speaks for every cabinet. */
  replicas?: ReplicaSettings | undefined
}

/**
 * The composition root of the monitor: builds each unit with the narrow
 * parts it needs, starts them in order (storage and the recorder before
 * anything that produces events, MQTT last, so nothing arrives before every
 * listener is in place) and stops them in reverse.
 *
 * One message's path: MqttSubscriber (the fleet lane, or the door lane
 * first for a door message) → MessageIntake → bus `message` →
 * FleetState (→ `telemetry`, `readinessChanged`) and Recorder →
 * AlertLifecycle (rules) → AlertBook `transition` → Recorder (journal,
 * InfluxDB) and NotificationDispatcher (people). See docs/architecture.md.
 */
export class Monitor {
  readonly bus = new MonitorBus()
  readonly time: Time
  readonly book = new AlertBook()
  readonly journal: AlertJournal
  readonly writer: InfluxWriter
  readonly counters: IngestCounters
  readonly metrics: MonitorMetrics
  readonly fleet: FleetState
  readonly maintenance: MaintenanceDesk
  readonly alerts: AlertLifecycle
  readonly dispatcher: NotificationDispatcher
  readonly commands: CabinetCommands
  readonly health: HealthCheck
  readonly subscriber: MqttSubscriber
  /** The second MQTT session, for door messages only (see LANES). */
  readonly doorLane: MqttSubscriber
  readonly reports: ReadinessReports
  readonly replicas: ReplicaGroup | undefined
  private readonly units: Unit[]
  private started: Unit[] = []

  constructor (options: MonitorOptions) {
    const { alerting, logger } = options
    const time = this.time = options.time ?? systemTime
    const ioTime = options.ioTime ?? systemTime
    const bus = this.bus
    const book = this.book
    const child = (module: string): Logger => logger.child({ module })

    const journal = this.journal = new AlertJournal(join(alerting.dataDir, 'alert-journal.jsonl'), time, child('journal'))
    const journalled = () => journal.restored
    const fleet = this.fleet = new FleetState(options.fleet, bus, time, { defaults: options.thresholds, offlineAfterHeartbeats: options.offlineAfterHeartbeats, clockSkewToleranceMs: options.clockSkewToleranceMs, logger: child('fleet-state') })
    // Leases are plumbing against Redis's own clock: they run on the I/O time line.
    const replicas = this.replicas = options.replicas === undefined
      ? undefined
      : new ReplicaGroup({ ...options.replicas, book, bus, time: ioTime, cabinetIds: () => options.fleet.cabinets.keys(), logger: child('replicas') })
    const ownership = replicas ?? SOLE_OWNER
    const metrics: MonitorMetrics = this.metrics = new MonitorMetrics({
      bus, book, fleet, clock: time, offlineAfterHeartbeats: options.offlineAfterHeartbeats,
      // Read when scraped: the writer is built just below, with the metrics' timed client.
      influx: (): InfluxWriter => writer,
      mqttConnected: (): boolean => subscriber.connected,
      doorLaneConnected: (): boolean => this.doorLane.connected,
      replica: replicas === undefined ? undefined : () => replicas.health()
    })
    const spool = new Spool({ dir: join(alerting.dataDir, 'spool'), segmentBytes: 8 * 1024 * 1024 })
    const writer: InfluxWriter = this.writer = new InfluxWriter(metrics.timeWrites(options.influx), spool, options.writer, ioTime, child('influx-writer'))
    const recorder = new Recorder({
      bus, book, fleet, clock: time, scheduler: time, snapshotIntervalMs: options.snapshotIntervalMs, clockSkewToleranceMs: options.clockSkewToleranceMs, logger: child('recorder'),
      sinks: { write: line => writer.enqueue(line), journal }
    })
    this.counters = new IngestCounters(bus, child('intake'))
    this.maintenance = new MaintenanceDesk({ fleet, journal, bus, clock: time, logger: child('maintenance') })
    this.alerts = new AlertLifecycle({
      book, fleet, bus, clock: time, journalled, journalSettled: () => journal.settled(), logger: child('alerts'), ownership,
      rules: options.rules ?? allRules({ offlineAfterHeartbeats: options.offlineAfterHeartbeats })
    })
    const findCabinet = (id: string) => fleet.get(id)?.definition
    this.dispatcher = new NotificationDispatcher({
      book, bus, time, journalled, findCabinet, ownership, claims: replicas?.claims,
      routing: alerting.routing,
      notifiers: alerting.notifiers,
      templates: alerting.templates,
      logger: child('notifications'),
      publicUrl: alerting.publicUrl,
      dashboardUrl: alerting.dashboardUrl,
      ackSecret: alerting.ackSecret,
      ackTtlMs: alerting.ackTtlMs,
      timeZone: alerting.routing.file.timezone,
      retryPolicy: alerting.retryPolicy,
      retryFailedEveryMs: alerting.retryFailedEveryMs
    })
    const digest = new DailyDigest({
      fleet, book, bus, time, journalled, claims: replicas?.claims,
      routing: alerting.routing,
      notifiers: alerting.notifiers,
      texts: alerting.digestTemplates,
      templates: alerting.templates,
      logger: child('digest'),
      retryPolicy: alerting.retryPolicy,
      publicUrl: alerting.publicUrl
    })
    const intake = new MessageIntake(bus, time)
    // A message is acknowledged once what it caused is on disk: its lines in the spool, its alert changes in the journal.
    const durable = async (): Promise<void> => { await Promise.all([writer.durable(), journal.settled()]) }
    const subscriber: MqttSubscriber = this.subscriber = new MqttSubscriber(options.mqtt, {
      handle: (topic, payload) => intake.handle(topic, payload, 'fleet'),
      durable,
      // While InfluxDB has fallen far behind, new messages wait with the broker.
      admission: () => writer.full ? writer.roomAgain() : undefined
    }, bus, child('mqtt'), 'fleet')
    // Door openings come in on a lane of their own, first, and are never held back for InfluxDB: someone may be using the AED.
    this.doorLane = new MqttSubscriber(options.mqtt, { handle: (topic, payload) => intake.handle(topic, payload, 'doors'), durable, admission: () => undefined }, bus, child('mqtt-doors'), 'doors')
    this.commands = new CabinetCommands({ mqtt: subscriber, fleet, bus, clock: time, logger: child('commands'), ownership })
    this.reports = new ReadinessReports({
      influx: options.influx, fleet, alerts: () => book.list(), clock: time, logger: child('reports'),
      // The recorder writes a readiness point at least every snapshot interval: three missed in a row mean it was not running.
      holdMs: 3 * options.snapshotIntervalMs
    })
    this.health = new HealthCheck({ influx: options.influx, writer, mqttConnected: () => subscriber.connected, scheduler: ioTime, pingEveryMs: 10_000, logger: child('health'), replica: () => replicas?.health() })

    this.units = [
      journal,
      writer,
      recorder,
      this.counters,
      // Before the fleet state and the alert lifecycle: it binds a door opening to the alert it raises.
      metrics,
      this.maintenance,
      fleet,
      this.alerts,
      this.dispatcher,
      digest,
      this.commands,
      this.health,
      // After everything that reacts to a change of hands, before the first message: the alerts of the group are in the book and the first leases held when messages start to flow.
      ...(replicas !== undefined ? [replicas] : []),
      this.doorLane,
      subscriber,
      new Ticker(bus, time, options.tickMs ?? 5000, child('ticker'))
    ]
  }

  async start (): Promise<void> {
    for (const unit of this.units) {
      await unit.start()
      this.started.push(unit)
    }
  }

  /** Stops every started unit in reverse order; a failing stop does not keep the others running. */
  async stop (): Promise<void> {
    const failures: unknown[] = []
    for (const unit of this.started.reverse()) {
      try {
        await unit.stop()
      } catch (err) {
        failures.push(new Error(`stopping ${unit.name} failed`, { cause: err }))
      }
    }
    this.started = []
    if (failures.length > 0) throw new AggregateError(failures, 'the monitor did not stop cleanly')
  }

  /** The narrow services the HTTP API is built on. */
  services (): MonitorServices {
    return {
      clock: this.time,
      fleet: this.fleet,
      alerts: this.alerts,
      maintenance: this.maintenance,
      commands: this.commands,
      reports: this.reports,
      health: () => this.health.health(),
      metrics: async () => await this.metrics.exposition()
    }
  }

  /** The acknowledgement pages' view of the alerts. */
  get desk (): AlertDesk {
    return {
      find: alertId => this.alerts.get(alertId),
      acknowledge: async (alertId, by) => await this.alerts.acknowledge(alertId, by)
    }
  }
}
