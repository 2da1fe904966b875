import { setMaxListeners } from 'node:events'
import type { Logger } from 'pino'
import type { FleetCabinet } from '@aed/core/fleet'
import { shortAckLink } from '../ack/signed-link.ts'
import { sleep, type ScheduledTimer, type Time } from '@aed/core/time'
import type { MessageStep, MessageTemplates } from '../messages/message-templates.ts'
import { renderAlertMessage } from '../messages/render-alert-message.ts'
import { deliver, type RetryPolicy } from '../notifiers/delivery.ts'
import type { Notifier } from '../notifiers/notifier.ts'
import type { AlertRouting } from '../routing/alert-routing.ts'
import type { Person } from '../routing/people.ts'
import { PART_KINDS, SUPERSEDED, partOf, type Alert, type AlertKind } from '../alerts/alert.ts'
import type { AlertBook, AlertTransition } from '../alerts/alert-book.ts'
import { sentKey, type JournalState } from '../alerts/alert-journal.ts'
import type { MonitorBus } from '../events.ts'
import { SOLE_OWNER, type NotificationClaims, type Ownership } from '../replicas/ownership.ts'
import type { Unit } from '../unit.ts'

export interface DispatcherOptions {
  book: AlertBook
  /** Where every delivery outcome is announced (`notification`), for the recorder. */
  bus: MonitorBus
  routing: AlertRouting
  notifiers: readonly Notifier[]
  templates: MessageTemplates
  findCabinet (cabinetId: string): FleetCabinet | undefined
  /** Escalation, flap windows, retries: all on this time line. */
  time: Time
  logger: Logger
  publicUrl: string
  /** The Grafana fleet overview, linked from emails; none when undefined. */
  dashboardUrl?: string | undefined
  ackSecret: string
  ackTtlMs: number
  timeZone: string
  retryPolicy: RetryPolicy
  /** The journal's replay, read at start(): notifications already sent before a restart. */
  journalled: () => Pick<JournalState, 'sentRecords'>
  /** How often notifications that failed every try are tried again while their alert is open, ms. */
  retryFailedEveryMs?: number
  /** With replicas: whether this process notifies a cabinet's alerts; every cabinet when undefined. */
  ownership?: Ownership
  /** With replicas: each delivery is claimed across replicas before it is sent; none when undefined. */
  claims?: NotificationClaims | undefined
}

/**
 * When the event behind an alert happened and was reported, from the facts
 * its rule recorded (`openedAt`, and `reportedAt` when the reading arrived
 * late), and whether it was already over when the message is written.
 */
function eventTiming (alert: Alert): { occurredAtMs?: number, reportedAtMs?: number, endedAtMs?: number } {
  const timing: { occurredAtMs?: number, reportedAtMs?: number, endedAtMs?: number } = {}
  const { openedAt, reportedAt } = alert.facts
  if (typeof openedAt === 'string') timing.occurredAtMs = Date.parse(openedAt)
  if (typeof reportedAt === 'string') timing.reportedAtMs = Date.parse(reportedAt)
  if (alert.resolvedAt !== undefined) timing.endedAtMs = Date.parse(alert.resolvedAt)
  return timing
}

/**
 * Conditions that bounce (a cabinet on a weak link, a temperature around its
 * limit): their all-clear waits out the flap window, and if they return
 * within it the incident goes on. Nothing else is held back: every door
 * opening pages at once, and its closing is told at once.
 */
const FLAPPING_KINDS: ReadonlySet<AlertKind> = new Set(['offline', 'temperature_out_of_range'])

/**
 * Turns alert transitions into messages to people (docs/alerts.md).
 *
 * - Critical: the on-call person by SMS and email at once; without an
 *   acknowledgement within the timeout, the next level (backup, then the
 *   site's facility managers), told that nobody answered.
 * - Warning and info: email to the site's facility managers.
 * - Resolution: an all-clear to everyone who was told, naming the condition
 *   that ended, unless it is not true: an alert superseded by a more severe
 *   one gets none, and neither does one whose part (battery, pads) still has
 *   a critical alert open. For offline and temperature the all-clear waits
 *   out the flap window; if the condition comes back within it, the incident
 *   goes on: nobody is told again, and its escalation goes on unless it was
 *   acknowledged.
 *
 * Each (alert, step, channel, person) is sent at most once: what went out is
 * journalled (by the recorder, from the `notification` events), and after a
 * restart only what is missing is sent. Escalation times derive from the
 * alert's opening time, so they survive a restart.
 */
export class NotificationDispatcher implements Unit {
  readonly name = 'notification-dispatcher'
  private readonly sent = new Set<string>()
  /** alertId → people told about it (any step), for the all-clear. */
  private readonly told = new Map<string, Map<string, Person>>()
  private readonly escalationTimers = new Map<string, ScheduledTimer>()
  /** `${cabinetId}|${kind}` → the resolved alert whose all-clear is waiting out the flap window. */
  private readonly pendingAllClear = new Map<string, { alert: Alert, timer: ScheduledTimer }>()
  private readonly inFlight = new Set<Promise<unknown>>()
  /** Alerts that continue a flapping incident: their people were told already. */
  private readonly continuations = new Set<string>()
  private retryTimer: ScheduledTimer | undefined
  private abort = new AbortController()
  private readonly escalateAfterMs: number
  private readonly flapWindowMs: number
  private readonly ownership: Ownership

  constructor (private readonly options: DispatcherOptions) {
    this.escalateAfterMs = options.routing.file.escalation.ackTimeoutMinutes * 60_000
    this.flapWindowMs = options.routing.file.flapWindowMinutes * 60_000
    this.ownership = options.ownership ?? SOLE_OWNER
  }

  /** Takes in what the journal says was sent, subscribes to the alert book and resumes what a restart interrupted. */
  start (): void {
    const { routing, book, time } = this.options
    this.abort = new AbortController()
    // Every delivery waiting to try again listens for the stop on this one signal: thousands at once in a mass outage are expected, not a leak.
    setMaxListeners(0, this.abort.signal)
    for (const record of this.options.journalled().sentRecords) {
      this.sent.add(sentKey(record.alertId, record.step, record.channel, record.recipientId))
      const person = routing.person(record.recipientId)
      if (person !== undefined) this.toldMap(record.alertId).set(person.id, person)
    }
    book.on('transition', this.onTransition)
    // First among the listeners: a cabinet taken over is resumed before its rules run again.
    this.options.bus.prependListener('ownershipChanged', this.onOwnershipChanged)
    for (const alert of book.list({ status: 'live' })) {
      if (alert.status === 'open' && this.ownership.owns(alert.cabinetId)) this.resume(alert)
    }
    // What failed every try is tried again while its alert is still open (resume skips what was sent).
    this.retryTimer = time.setInterval(() => {
      for (const alert of book.list({ status: 'open' })) {
        if (!this.continuations.has(alert.id) && this.ownership.owns(alert.cabinetId)) this.resume(alert, false)
      }
    }, this.options.retryFailedEveryMs ?? 60_000)
  }

  /** Stops timers and waits for deliveries under way: each finishes its current try (bounded by the channel's timeout) and gives up retrying. */
  async stop (): Promise<void> {
    const { book, time } = this.options
    book.off('transition', this.onTransition)
    this.options.bus.off('ownershipChanged', this.onOwnershipChanged)
    time.clear(this.retryTimer)
    for (const timer of this.escalationTimers.values()) time.clear(timer)
    for (const { timer } of this.pendingAllClear.values()) time.clear(timer)
    this.escalationTimers.clear()
    this.pendingAllClear.clear()
    this.abort.abort()
    await Promise.allSettled([...this.inFlight])
  }

  /** Resolves when every delivery started so far has an outcome. */
  async idle (): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight])
  }

  private readonly onTransition = ({ alert, change, by }: AlertTransition): void => {
    // Another replica speaks for this cabinet: its changes arrive here only to keep the book in step.
    if (!this.ownership.owns(alert.cabinetId)) {
      if (change === 'acknowledged' || change === 'resolved') this.cancelEscalation(alert.id)
      return
    }
    if (change === 'opened') this.onOpened(alert)
    else if (change === 'acknowledged') this.cancelEscalation(alert.id)
    else if (change === 'resolved') this.onResolved(alert, by)
  }

  private onOpened (alert: Alert): void {
    const flapKey = `${alert.cabinetId}|${alert.kind}`
    const flapping = this.pendingAllClear.get(flapKey)
    if (flapping !== undefined) {
      // Back within the flap window: the same incident goes on; those told about it stay told.
      this.options.time.clear(flapping.timer)
      this.pendingAllClear.delete(flapKey)
      const told = this.told.get(flapping.alert.id)
      if (told !== undefined) this.told.set(alert.id, new Map(told))
      this.continuations.add(alert.id)
      const acknowledged = flapping.alert.acknowledgedAt !== undefined
      this.options.logger.info({ alertId: alert.id, previousAlertId: flapping.alert.id, kind: alert.kind, acknowledged }, 'condition returned within the flap window: the same incident goes on')
      if (alert.severity === 'critical' && !acknowledged) this.scheduleEscalation(alert)
      return
    }
    this.resume(alert)
  }

  /**
   * Cabinets taken over from another replica: their open alerts carry on
   * here (what their step still needs, claimed so nothing goes out twice,
   * and their escalation from the opening time); cabinets handed over stop
   * escalating here.
   */
  private readonly onOwnershipChanged = (gained: readonly string[], lost: readonly string[]): void => {
    const { book, time } = this.options
    for (const cabinetId of lost) {
      for (const alert of book.list({ status: 'live', cabinetId })) this.cancelEscalation(alert.id)
      for (const [key, pending] of this.pendingAllClear) {
        if (pending.alert.cabinetId !== cabinetId) continue
        time.clear(pending.timer)
        this.pendingAllClear.delete(key)
      }
    }
    for (const cabinetId of gained) {
      for (const alert of book.list({ status: 'live', cabinetId })) {
        this.adoptTold(alert)
        if (alert.status === 'open') this.resume(alert)
      }
    }
  }

  /**
   * Who the previous owner told about an alert, as far as the routing says
   * (each level up to the alert's, or the facility managers): the people
   * its all-clear goes to.
   */
  private adoptTold (alert: Alert): void {
    const cabinet = this.options.findCabinet(alert.cabinetId)
    if (cabinet === undefined) return
    const people = alert.severity === 'critical'
      ? this.levelsFor(alert, cabinet).slice(0, alert.escalationLevel + 1).flat()
      : this.options.routing.facilityManagers(cabinet.site.id)
    const told = this.toldMap(alert.id)
    for (const person of people) {
      if (!told.has(person.id)) told.set(person.id, person)
    }
  }

  /** Sends what this alert's current step still needs and (unless told not to) arms its escalation. */
  private resume (alert: Alert, arm = true): void {
    const cabinet = this.options.findCabinet(alert.cabinetId)
    if (cabinet === undefined) return
    if (alert.severity === 'critical') {
      const levels = this.levelsFor(alert, cabinet)
      const level = Math.min(alert.escalationLevel, levels.length - 1)
      if (level >= 0) this.send(alert, cabinet, level === 0 ? 'opened' : 'escalated', level, levels[level]!)
      if (arm) this.scheduleEscalation(alert)
    } else {
      this.send(alert, cabinet, 'opened', 0, this.options.routing.facilityManagers(cabinet.site.id))
    }
  }

  private onResolved (alert: Alert, by: string): void {
    this.cancelEscalation(alert.id)
    this.continuations.delete(alert.id)
    if (by === SUPERSEDED) {
      this.options.logger.info({ alertId: alert.id, kind: alert.kind }, 'superseded: no all-clear')
      return
    }
    const critical = this.criticalOnPart(alert)
    if (critical !== undefined) {
      this.options.logger.info({ alertId: alert.id, kind: alert.kind, openAlertId: critical.id, openKind: critical.kind }, 'resolved while a critical alert on the same part is open: no all-clear')
      return
    }
    if (by === 'system' && FLAPPING_KINDS.has(alert.kind) && this.flapWindowMs > 0) {
      const key = `${alert.cabinetId}|${alert.kind}`
      const timer = this.options.time.setTimeout(() => {
        this.pendingAllClear.delete(key)
        this.sendAllClear(alert)
      }, this.flapWindowMs)
      this.pendingAllClear.set(key, { alert, timer })
      return
    }
    this.sendAllClear(alert)
  }

  /** A critical alert open on the same part (battery, pads) of the same cabinet, if any. */
  private criticalOnPart (alert: Alert): Alert | undefined {
    const part = partOf(alert.kind)
    if (part === undefined) return undefined
    for (const kind of PART_KINDS) {
      if (kind === alert.kind || partOf(kind) !== part) continue
      const open = this.options.book.liveFor(alert.cabinetId, kind)
      if (open?.severity === 'critical') return open
    }
    return undefined
  }

  private sendAllClear (alert: Alert): void {
    const cabinet = this.options.findCabinet(alert.cabinetId)
    const told = [...(this.told.get(alert.id)?.values() ?? [])]
    if (cabinet === undefined || told.length === 0) return
    this.send(alert, cabinet, 'resolved', 0, told)
  }

  /** The levels fixed when the alert opened: the rota at that moment decides who is on call. */
  private levelsFor (alert: Alert, cabinet: FleetCabinet): Person[][] {
    return this.options.routing.criticalLevels(cabinet.site.id, Date.parse(alert.openedAt))
  }

  private scheduleEscalation (alert: Alert): void {
    this.cancelEscalation(alert.id)
    const cabinet = this.options.findCabinet(alert.cabinetId)
    if (cabinet === undefined) return
    const levels = this.levelsFor(alert, cabinet)
    const next = alert.escalationLevel + 1
    if (next >= levels.length) return
    const dueMs = Date.parse(alert.openedAt) + next * this.escalateAfterMs
    const timer = this.options.time.setTimeout(() => {
      this.escalationTimers.delete(alert.id)
      const current = this.options.book.get(alert.id)
      if (current?.status !== 'open' || !this.ownership.owns(current.cabinetId)) return
      this.options.logger.warn({ alertId: alert.id, cabinetId: alert.cabinetId, kind: alert.kind, escalationLevel: next }, 'not acknowledged in time: escalating')
      this.options.book.escalate(alert.id, next, this.options.time.now())
      this.send(current, cabinet, 'escalated', next, levels[next]!)
      this.scheduleEscalation(current)
    }, Math.max(0, dueMs - this.options.time.now()))
    this.escalationTimers.set(alert.id, timer)
  }

  private cancelEscalation (alertId: string): void {
    this.options.time.clear(this.escalationTimers.get(alertId))
    this.escalationTimers.delete(alertId)
  }

  private send (alert: Alert, cabinet: FleetCabinet, step: MessageStep, level: number, people: readonly Person[]): void {
    const stepKey = step === 'resolved' ? 'resolved' : `${step}:${level}`
    // Critical steps use every channel; other messages go by email only.
    const channels = alert.severity === 'critical'
      ? this.options.notifiers
      : this.options.notifiers.filter(n => n.channel === 'email')
    for (const person of people) {
      const message = renderAlertMessage(this.options.templates, {
        alert,
        cabinet,
        person,
        step,
        ackUrl: shortAckLink(this.options.publicUrl, alert, person.id, { secret: this.options.ackSecret, ttlMs: this.options.ackTtlMs }),
        dashboardUrl: this.options.dashboardUrl,
        timeZone: this.options.timeZone,
        ackTimeoutMinutes: this.escalateAfterMs / 60_000,
        ...eventTiming(alert)
      })
      for (const notifier of channels) {
        const key = sentKey(alert.id, stepKey, notifier.channel, person.id)
        if (this.sent.has(key) || !notifier.canReach(person)) continue
        this.sent.add(key)
        this.toldMap(alert.id).set(person.id, person)
        const claims = this.options.claims
        const claimed = claims === undefined ? undefined : claims.claim(key)
        const delivery = this.deliverClaimed(claimed, key, alert, () => deliver({ notifier, to: person, message, idempotencyKey: key }, this.options.retryPolicy, {
          signal: this.abort.signal,
          // Stopping ends retries, not a send under way: its outcome must be journalled, or a restart sends it again.
          abortSends: false,
          now: () => this.options.time.now(),
          sleep: (ms, signal) => sleep(this.options.time, ms, signal),
          onAttemptFailed: failure => this.options.logger.warn({ alertId: alert.id, channel: failure.channel, recipientId: failure.recipientId, attempt: failure.attempt, retryInMs: failure.retryInMs, err: failure.error.message }, 'notification attempt failed')
        })).then(outcome => {
          if (outcome === undefined) return
          this.options.bus.emit('notification', { alertId: alert.id, alert, step: stepKey, outcome, atMs: this.options.time.now() })
          if (outcome.outcome !== 'sent') {
            // Not sent: forget the key so a resume after restart tries again, here or on the replica that owns the cabinet next.
            this.sent.delete(key)
            claims?.release(key)
            this.options.logger.error({ alertId: alert.id, step: stepKey, channel: outcome.channel, recipientId: outcome.recipientId, attempts: outcome.attempts, err: outcome.error }, 'notification failed')
          }
        }).catch(err => this.options.logger.error({ err, alertId: alert.id }, 'recording a notification failed'))
        this.inFlight.add(delivery)
        void delivery.finally(() => this.inFlight.delete(delivery))
      }
    }
  }

  /**
   * Delivers at once when there is no claim to wait for (a single process:
   * no extra turn of the event loop), else once the claim is granted;
   * undefined when another replica holds it.
   */
  private deliverClaimed<T> (claimed: Promise<boolean> | undefined, key: string, alert: Alert, send: () => Promise<T>): Promise<T | undefined> {
    if (claimed === undefined) return send()
    return claimed.then(granted => {
      if (granted) return send()
      this.options.logger.info({ alertId: alert.id, cabinetId: alert.cabinetId, key }, 'notification already claimed by another replica: not sent again')
      return undefined
    })
  }

  private toldMap (alertId: string): Map<string, Person> {
    let told = this.told.get(alertId)
    if (told === undefined) {
      told = new Map()
      this.told.set(alertId, told)
    }
    return told
  }
}

