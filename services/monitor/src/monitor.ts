import type { Logger } from 'pino'
import type { Fleet } from '@aed/core/fleet'
import { MEASUREMENT, Point, TAG, toLine, type InfluxV1Client } from '@aed/core/influx'
import { cabinetTopic, type CommandName } from '@aed/core/protocol'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { FleetCabinet } from '@aed/core/fleet'
import type { AlertDesk } from './ack/alert-desk.ts'
import { AlertBook, type AlertTransition } from './alerts/alert-book.ts'
import { AlertJournal } from './alerts/alert-journal.ts'
import { DailyDigest } from './alerts/daily-digest.ts'
import type { DigestTemplates } from './messages/digest-message.ts'
import { MaintenanceDesk } from './alerts/maintenance-desk.ts'
import { NotificationDispatcher } from './alerts/notification-dispatcher.ts'
import { raiseInspectionAfterUse } from './alerts/post-use-inspection.ts'
import { RuleEvaluator } from './alerts/rule-evaluator.ts'
import { allRules, type AlertRule } from './alerts/rules/index.ts'
import type { MessageTemplates } from './messages/message-templates.ts'
import type { DeliveryOutcome, RetryPolicy } from './notifiers/delivery.ts'
import type { Notifier } from './notifiers/notifier.ts'
import type { Routing } from './routing/escalation-levels.ts'
import { systemClock, type Clock } from './clock.ts'
import { MonitorBus } from './events.ts'
import { IngestCounters } from './ingest/ingest-counters.ts'
import { MessageIntake } from './ingest/message-intake.ts'
import { MqttSubscriber, type MqttSubscriberOptions } from './ingest/mqtt-subscriber.ts'
import { readinessSnapshotLine } from './readiness/readiness-snapshot.ts'
import type { Thresholds } from './readiness/thresholds.ts'
import { FleetState } from './state/fleet-state.ts'
import { messageToLine } from './telemetry/telemetry-points.ts'
import { TelemetryWriter, type TelemetryWriterOptions } from './telemetry/telemetry-writer.ts'

/** Who is told about alerts, how, and where the alert journal lives. */
export interface AlertingOptions {
  routing: Routing
  notifiers: readonly Notifier[]
  templates: MessageTemplates
  digestTemplates: DigestTemplates
  /** Directory of the durable alert journal. */
  dataDir: string
  publicUrl: string
  ackSecret: string
  ackTtlMs: number
  retryPolicy: RetryPolicy
}

export interface MonitorOptions {
  alerting: AlertingOptions
  fleet: Fleet
  influx: InfluxV1Client
  mqtt: MqttSubscriberOptions
  writer: TelemetryWriterOptions
  thresholds: Thresholds
  offlineAfterHeartbeats: number
  snapshotIntervalMs: number
  createDatabase: boolean
  logger: Logger
  clock?: Clock
  rules?: readonly AlertRule[]
  /** How often time-driven conditions are re-evaluated, ms. */
  tickMs?: number
  /** How often notifications that failed every try are tried again, ms. */
  retryFailedEveryMs?: number
}

export interface MonitorHealth {
  ready: boolean
  mqtt: boolean
  influx: boolean
  reasons: string[]
}

/**
 * The monitor's core, without HTTP: wires the MQTT intake, cabinet state,
 * storage and alert rules through one event bus. The constructor only
 * builds; start() connects and starts the timers.
 */
export class Monitor {
  readonly bus = new MonitorBus()
  readonly clock: Clock
  readonly counters = new IngestCounters()
  readonly state: FleetState
  readonly alerts = new AlertBook()
  readonly writer: TelemetryWriter
  readonly subscriber: MqttSubscriber
  readonly journal: AlertJournal
  readonly maintenance: MaintenanceDesk
  /** Created at start(), from the journal's record of what was already sent. */
  dispatcher: NotificationDispatcher | undefined
  digest: DailyDigest | undefined
  private readonly intake: MessageIntake
  private readonly evaluator: RuleEvaluator
  private readonly logger: Logger
  private readonly timers: NodeJS.Timeout[] = []
  private influxReachable = false

  constructor (private readonly options: MonitorOptions) {
    this.clock = options.clock ?? systemClock
    this.logger = options.logger
    this.state = new FleetState(options.fleet, this.bus, this.clock, { defaults: options.thresholds, offlineAfterHeartbeats: options.offlineAfterHeartbeats })
    this.writer = new TelemetryWriter(options.influx, {
      ...options.writer,
      // InfluxDB 1.x may have been down at start-up: create the database when a write finds it missing.
      ...(options.createDatabase ? { onDatabaseMissing: () => options.influx.createDatabase() } : {})
    }, this.logger.child({ module: 'telemetry-writer' }))
    this.intake = new MessageIntake({
      store: message => {
        const line = messageToLine(message)
        if (line !== undefined) this.writer.enqueue(line)
      },
      track: (message, receivedAtMs) => this.state.apply(message, receivedAtMs)
    }, this.bus, this.counters, this.clock, this.logger.child({ module: 'intake' }))
    this.subscriber = new MqttSubscriber(options.mqtt, (topic, payload) => this.intake.handle(topic, payload), this.logger.child({ module: 'mqtt' }), () => this.requestReports())
    this.evaluator = new RuleEvaluator(options.rules ?? allRules({ offlineAfterHeartbeats: options.offlineAfterHeartbeats }), this.state, this.alerts, this.clock)
    this.journal = new AlertJournal(join(options.alerting.dataDir, 'alert-journal.jsonl'))
    this.maintenance = new MaintenanceDesk(this.state, this.journal, line => this.writer.enqueue(line), this.clock, this.logger.child({ module: 'maintenance' }))

    this.bus.on('telemetry', message => {
      const cabinet = this.state.get(message.cabinetId)
      if (cabinet !== undefined) this.evaluator.evaluateCabinet(cabinet)
    })
    this.bus.on('readinessChanged', (cabinetId, previous, current) => {
      const cabinet = this.state.get(cabinetId)
      if (cabinet === undefined) return
      this.logger.info({ cabinetId, from: previous.state, to: current.state, reasons: current.reasons }, 'readiness changed')
      this.writer.enqueue(readinessSnapshotLine(cabinet, this.clock.now(), options.fleet.timezone))
    })
    this.alerts.on('transition', transition => this.recordTransition(transition))
    this.alerts.on('transition', raiseInspectionAfterUse(this.alerts, this.state))
  }

  /** The acknowledgement page's view of the alerts. */
  get desk (): AlertDesk {
    return {
      find: alertId => this.alerts.get(alertId),
      acknowledge: async (alertId, by) => this.alerts.acknowledge(alertId, by, this.clock.now())
    }
  }

  findCabinet (cabinetId: string): FleetCabinet | undefined {
    return this.state.get(cabinetId)?.definition
  }

  async start (): Promise<void> {
    // Alerts first: open alerts, maintenance windows and what was sent survive a restart.
    const journalled = await this.journal.open(this.clock.now())
    if (journalled.skippedLines > 0) this.logger.warn({ lines: journalled.skippedLines }, 'unreadable alert journal lines skipped')
    for (const alert of journalled.alerts.values()) this.alerts.restore(alert)
    this.maintenance.restore(journalled.maintenance.values())
    const { alerting } = this.options
    this.dispatcher = new NotificationDispatcher({
      book: this.alerts,
      journal: this.journal,
      routing: alerting.routing,
      notifiers: alerting.notifiers,
      templates: alerting.templates,
      findCabinet: id => this.findCabinet(id),
      clock: this.clock,
      logger: this.logger.child({ module: 'notifications' }),
      publicUrl: alerting.publicUrl,
      ackSecret: alerting.ackSecret,
      ackTtlMs: alerting.ackTtlMs,
      timeZone: alerting.routing.file.timezone,
      retryPolicy: alerting.retryPolicy,
      sent: journalled.sentRecords,
      ...(this.options.retryFailedEveryMs !== undefined ? { retryFailedEveryMs: this.options.retryFailedEveryMs } : {}),
      onOutcome: (outcome, alert, step) => this.recordNotification(outcome, alert.id, alert.cabinetId, alert.kind, step)
    })
    this.dispatcher.start()
    this.digest = new DailyDigest({
      fleet: this.state,
      book: this.alerts,
      routing: alerting.routing,
      notifiers: alerting.notifiers,
      texts: alerting.digestTemplates,
      templates: alerting.templates,
      journal: this.journal,
      sent: journalled.sent,
      clock: this.clock,
      logger: this.logger.child({ module: 'digest' }),
      retryPolicy: alerting.retryPolicy
    })
    this.logger.info({ liveAlerts: this.alerts.list({ status: 'live' }).length }, 'alert journal loaded')

    this.influxReachable = await this.options.influx.ping()
    if (this.options.createDatabase) {
      await this.options.influx.createDatabase().catch(err => this.logger.warn({ err }, 'CREATE DATABASE failed; writes will retry until the database exists'))
    }
    this.subscriber.start()
    this.every(this.options.tickMs ?? 5000, () => {
      this.maintenance.expire()
      this.state.tick()
      this.evaluator.evaluateAll()
      this.digest?.check()
    })
    this.every(this.options.snapshotIntervalMs, () => this.writeSnapshots())
    this.every(10_000, () => {
      this.options.influx.ping().then(up => { this.influxReachable = up }, () => { this.influxReachable = false })
    })
    this.writeSnapshots()
  }

  async stop (): Promise<void> {
    for (const timer of this.timers.splice(0)) clearInterval(timer)
    await this.subscriber.stop()
    await this.dispatcher?.stop()
    await this.journal.close()
    await this.writer.stop()
  }

  health (): MonitorHealth {
    const mqtt = this.subscriber.connected
    const influx = this.influxReachable && this.writer.healthy
    const reasons: string[] = []
    if (!mqtt) reasons.push('MQTT broker not connected')
    if (!influx) reasons.push(`InfluxDB not reachable${this.writer.lastError !== undefined ? `: ${this.writer.lastError}` : ''}`)
    return { ready: reasons.length === 0, mqtt, influx, reasons }
  }

  /** Sends a command to a cabinet; returns the request id the cabinet echoes in its result. */
  async sendCommand (cabinetId: string, cmd: CommandName): Promise<string> {
    const id = randomBytes(6).toString('base64url')
    await this.subscriber.publish(cabinetTopic(cabinetId, 'cmd'), JSON.stringify({ cmd, id, ts: new Date(this.clock.now()).toISOString() }))
    return id
  }

  /**
   * Asks every active cabinet not heard from since start-up to publish all
   * its readings now, so state (and the rules that wait for it) is complete
   * within seconds of a restart instead of at the next scheduled report.
   */
  private requestReports (): void {
    for (const cabinet of this.state.all()) {
      if (cabinet.definition.status !== 'active' || cabinet.state.lastSeenMs !== 0) continue
      this.sendCommand(cabinet.definition.id, 'report').catch(err => this.logger.warn({ err, cabinetId: cabinet.definition.id }, 'report request failed'))
    }
  }

  private writeSnapshots (): void {
    const now = this.clock.now()
    for (const cabinet of this.state.all()) this.writer.enqueue(readinessSnapshotLine(cabinet, now, this.options.fleet.timezone))
  }

  private recordTransition ({ alert, previous, by, atMs, updated }: AlertTransition): void {
    this.journal.append({ t: 'alert', alert }).catch(err => this.logger.error({ err, alertId: alert.id }, 'alert journal write failed'))
    this.logger.info({ alertId: alert.id, cabinetId: alert.cabinetId, kind: alert.kind, from: previous ?? null, to: alert.status, by, updated: updated === true }, 'alert transition')
    const point = new Point(MEASUREMENT.alertEvent)
      .tag(TAG.cabinet, alert.cabinetId).tag('kind', alert.kind).tag('severity', alert.severity)
      .stringField('alert_id', alert.id).stringField('status', alert.status).stringField('by', by)
      .stringField('message', previous === undefined ? 'opened' : updated === true ? 'updated' : `${previous} → ${alert.status}`)
      .timestamp(atMs)
    if (alert.status === 'acknowledged' && previous === 'open') point.floatField('ack_after_s', (atMs - Date.parse(alert.openedAt)) / 1000)
    const line = toLine(point)
    if (line !== undefined) this.writer.enqueue(line)
  }

  private recordNotification (outcome: DeliveryOutcome, alertId: string, cabinetId: string, kind: string, step: string): void {
    if (outcome.outcome === 'skipped') return
    const point = new Point(MEASUREMENT.notification)
      .tag(TAG.cabinet, cabinetId).tag('channel', outcome.channel).tag('outcome', outcome.outcome)
      .stringField('alert_id', alertId).stringField('kind', kind).stringField('step', step).stringField('recipient', outcome.recipientId)
      .intField('attempt', outcome.attempts).floatField('latency_ms', outcome.latencyMs)
      .timestamp(this.clock.now())
    if (outcome.error !== undefined) point.stringField('error', outcome.error)
    const line = toLine(point)
    if (line !== undefined) this.writer.enqueue(line)
  }

  private every (ms: number, fn: () => void): void {
    const timer = setInterval(() => {
      try {
        fn()
      } catch (err) {
        this.logger.error({ err }, 'periodic task failed')
      }
    }, ms)
    timer.unref()
    this.timers.push(timer)
  }
}
