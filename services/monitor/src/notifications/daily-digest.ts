import type { Logger } from 'pino'
import { sleep, type Time } from '@aed/core/time'
import { renderDigest, type DigestItem, type DigestTemplates } from '../messages/digest-message.ts'
import type { MessageTemplates } from '../messages/message-templates.ts'
import { deliver, type RetryPolicy } from '../notifiers/delivery.ts'
import type { Notifier } from '../notifiers/notifier.ts'
import { daysLeft } from '../readiness/readiness.ts'
import type { AlertRouting } from '../routing/alert-routing.ts'
import { dateInZone, localTime, parseHhMm } from '../time-zone.ts'
import type { Language, Person } from '../routing/people.ts'
import { previousMonth } from '../reports/report-month.ts'
import type { AlertBook } from '../alerts/alert-book.ts'
import type { NotificationClaims } from '../replicas/ownership.ts'
import { sentKey, type JournalState } from '../alerts/alert-journal.ts'
import type { MonitorBus } from '../events.ts'
import type { FleetView, TrackedCabinet } from '../state/fleet-state.ts'
import type { Unit } from '../unit.ts'

export interface DailyDigestOptions {
  fleet: FleetView
  book: Pick<AlertBook, 'list'>
  /** Checked on every `tick`; outcomes announced as `notification` (the recorder journals them). */
  bus: MonitorBus
  routing: AlertRouting
  notifiers: readonly Notifier[]
  texts: DigestTemplates
  templates: MessageTemplates
  /** The journal's replay, read at start(): what was already sent (digests included). */
  journalled: () => Pick<JournalState, 'sent'>
  time: Time
  logger: Logger
  retryPolicy: RetryPolicy
  /** Base URL of the API (PUBLIC_URL): the digest links to last month's readiness report there. */
  publicUrl: string
  /** With replicas: each manager's digest is claimed across replicas, so one of them sends it. */
  claims?: NotificationClaims | undefined
}

/**
 * Once a day, at the configured local time, each facility manager gets one
 * email listing what needs doing at their sites: pads and batteries that
 * expire within the warning period or have expired, and open alerts and
 * tasks. Nothing to report, no email. Journalled, so a restart the same day
 * does not send it twice.
 */
export class DailyDigest implements Unit {
  readonly name = 'daily-digest'
  private readonly sent = new Set<string>()
  private sending: Promise<void> | undefined

  constructor (private readonly options: DailyDigestOptions) {}

  start (): void {
    for (const key of this.options.journalled().sent) this.sent.add(key)
    this.options.bus.on('tick', this.check)
  }

  async stop (): Promise<void> {
    this.options.bus.off('tick', this.check)
    await this.idle()
  }

  /** Resolves once a digest being sent is out. */
  async idle (): Promise<void> {
    await this.sending
  }

  /** Sends today's digest once its time has come. */
  readonly check = (): void => {
    const { digest, timezone } = this.options.routing.file
    if (!digest.enabled || this.sending !== undefined) return
    const now = this.options.time.now()
    if (localTime(now, timezone).minutes < parseHhMm(digest.at)) return
    const date = dateInZone(now, timezone)
    this.sending = this.send(date).catch(err => this.options.logger.error({ err, date }, 'daily digest failed')).finally(() => { this.sending = undefined })
  }

  /** Sends the digest for `date` to every facility manager who has not had it. */
  async send (date: string): Promise<void> {
    const email = this.options.notifiers.find(n => n.channel === 'email')
    if (email === undefined) return
    const digestId = `digest-${date}`
    const now = this.options.time.now()
    for (const [person, cabinets] of this.cabinetsByManager()) {
      const key = sentKey(digestId, 'digest', 'email', person.id)
      if (this.sent.has(key)) continue
      this.sent.add(key)
      const items = cabinets.flatMap(c => this.expiring(c, now))
      const alerts = this.options.book.list({ status: 'live' })
        .filter(a => cabinets.some(c => c.definition.id === a.cabinetId))
        .map(alert => ({ alert, cabinet: cabinets.find(c => c.definition.id === alert.cabinetId)! }))
      if (items.length === 0 && alerts.length === 0) continue
      if (this.options.claims !== undefined && !await this.options.claims.claim(key)) continue
      const report = this.reportLink(date, person.language)
      const message = renderDigest(this.options.texts, this.options.templates, { person, date, items, alerts, timeZone: this.options.routing.file.timezone, report })
      const outcome = await deliver({ notifier: email, to: person, message, idempotencyKey: key }, this.options.retryPolicy, {
        now: () => this.options.time.now(),
        sleep: (ms, signal) => sleep(this.options.time, ms, signal)
      })
      this.options.bus.emit('notification', { alertId: digestId, alert: undefined, step: 'digest', outcome, atMs: this.options.time.now() })
      if (outcome.outcome === 'sent') {
        this.options.logger.info({ date, recipientId: person.id, items: items.length, alerts: alerts.length }, 'daily digest sent')
      } else {
        this.sent.delete(key)
        this.options.claims?.release(key)
        this.options.logger.error({ date, recipientId: person.id, err: outcome.error }, 'daily digest not sent')
      }
    }
  }

  /**
   * Last month's readiness report, as a PDF in the person's language. It is
   * the API's address, so it opens with a viewer token (docs/reports.md):
   * an email link that works without one would be a credential in every
   * mailbox the digest is forwarded to.
   */
  private reportLink (date: string, language: Language): { month: string, url: string } {
    const month = previousMonth(date.slice(0, 7))
    const url = `${this.options.publicUrl.replace(/\/+$/, '')}/api/v1/reports/readiness?month=${month}&format=pdf&lang=${language}`
    return { month, url }
  }

  private expiring (cabinet: TrackedCabinet, now: number): DigestItem[] {
    if (cabinet.definition.status !== 'active') return []
    const timeZone = this.options.fleet.fleet.timezone
    const items: DigestItem[] = []
    for (const [part, expires] of [['pads', cabinet.state.padsExpires], ['battery', cabinet.state.batteryExpires]] as const) {
      const days = daysLeft(expires, now, timeZone)
      if (expires !== undefined && days !== undefined && days <= cabinet.thresholds.expiryWarningDays) items.push({ cabinet, part, expires, daysLeft: days })
    }
    return items
  }

  private cabinetsByManager (): Map<Person, TrackedCabinet[]> {
    const byManager = new Map<string, { person: Person, cabinets: TrackedCabinet[] }>()
    for (const cabinet of this.options.fleet.all()) {
      for (const person of this.options.routing.facilityManagers(cabinet.definition.site.id)) {
        const entry = byManager.get(person.id) ?? { person, cabinets: [] }
        entry.cabinets.push(cabinet)
        byManager.set(person.id, entry)
      }
    }
    return new Map([...byManager.values()].map(e => [e.person, e.cabinets]))
  }
}
