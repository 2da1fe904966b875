import t from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { loadFleet, PERNIK_FLEET_FILE } from '@aed/core/fleet'
import { ManualTime } from '@aed/testkit/manual-time'
import { AlertBook } from '../alerts/alert-book.ts'
import { AlertJournal } from '../alerts/alert-journal.ts'
import { MonitorBus } from '../events.ts'
import { loadMessageTemplates } from '../messages/message-templates.ts'
import { EmailNotifier } from '../notifiers/email-notifier.ts'
import { TwilioSmsNotifier } from '../notifiers/sms-twilio.ts'
import { Recorder } from '../recording/recorder.ts'
import { parseAlertingFile } from '../routing/alerting-config.ts'
import { AlertRouting } from '../routing/alert-routing.ts'
import { FleetState } from '../state/fleet-state.ts'
import { startSmsProviderStandIn } from '@aed/testkit/sms-provider-stand-in'
import { startSmtpTestServer } from '@aed/testkit/smtp-test-server'
import { waitFor } from '@aed/testkit/wait-for'
import { NotificationDispatcher } from './notification-dispatcher.ts'

/**
 * Who is told, when: escalation, acknowledgement, flap windows, retries and
 * a restart, on a clock the test moves by hand. The messages really go out,
 * to a local SMTP server and a local Twilio-compatible SMS provider.
 */
const MINUTE = 60_000
const sms = await startSmsProviderStandIn()
const smtp = await startSmtpTestServer()
t.teardown(async () => { await sms.close(); await smtp.close() })

const PEOPLE = {
  primary: { id: 'ivan', name: 'Иван Петров', phone: '+359888000001', email: 'ivan@example.org', language: 'bg' as const },
  backup: { id: 'maria', name: 'Maria Georgieva', phone: '+359888000002', email: 'maria@example.org', language: 'en' as const },
  facility: { id: 'elena', name: 'Елена Димитрова', email: 'elena@example.org', language: 'bg' as const }
}
const routing = new AlertRouting(parseAlertingFile(JSON.stringify({
  people: Object.values(PEOPLE),
  rota: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '00:00', primary: 'ivan', backup: 'maria' }],
  facilityManagers: { '*': ['elena'] },
  escalation: { ackTimeoutMinutes: 5 },
  flapWindowMinutes: 10,
  digest: { enabled: false }
})))
const fleetFile = await loadFleet(PERNIK_FLEET_FILE)
const templates = await loadMessageTemplates()
const smsTo = (person: { phone: string }) => sms.messages.filter(m => m.to === person.phone)
const mailTo = (person: { email: string }) => smtp.mails.filter(m => m.envelopeTo.includes(person.email))

/** The dispatcher with the units around it in the monitor: journal, recorder, alert book; restartable on the same journal. */
async function harness (time = new ManualTime('2026-11-24T10:00:00Z'), dir?: string) {
  const dataDir = dir ?? await mkdtemp(join(tmpdir(), 'dispatcher-'))
  const logger = pino({ level: 'silent' })
  const bus = new MonitorBus()
  const book = new AlertBook()
  const fleet = new FleetState(fleetFile, bus, time, { defaults: { temperatureMinC: 0, temperatureMaxC: 50, temperatureCriticalAfterMin: 30, batteryLowPercent: 25, batteryCriticalPercent: 10, expiryWarningDays: 30, selftestMaxAgeH: 26 }, offlineAfterHeartbeats: 3, clockSkewToleranceMs: 120_000, logger })
  const journal = new AlertJournal(join(dataDir, 'alert-journal.jsonl'), time)
  const lines: string[] = []
  const recorder = new Recorder({ bus, book, fleet, clock: time, scheduler: time, snapshotIntervalMs: 3_600_000, clockSkewToleranceMs: 120_000, logger, sinks: { write: line => lines.push(line), journal } })
  const dispatcher = new NotificationDispatcher({
    book, bus, time, routing, templates, logger,
    journalled: () => journal.restored,
    notifiers: [
      new TwilioSmsNotifier({ baseUrl: sms.baseUrl, accountSid: sms.accountSid, authToken: sms.authToken, from: 'AED-Pernik', timeoutMs: 30_000 }),
      new EmailNotifier({ host: smtp.host, port: smtp.port, secure: false, from: 'aed@example.org', tlsRejectUnauthorized: false, timeoutMs: 30_000 })
    ],
    findCabinet: id => fleet.get(id)?.definition,
    publicUrl: 'http://aed.example.org',
    ackSecret: 'dispatcher-test-secret-0123456789abcdef',
    ackTtlMs: 72 * 3_600_000,
    timeZone: 'Europe/Sofia',
    retryPolicy: { attempts: 4, baseDelayMs: 2000, maxDelayMs: 30_000 },
    retryFailedEveryMs: MINUTE
  })
  await journal.start()
  for (const alert of journal.restored.alerts.values()) book.restore(alert)
  recorder.start()
  dispatcher.start()
  return {
    time, book, lines, dataDir, dispatcher, journal,
    /** Waits (in real time) for deliveries under way to reach the servers. */
    delivered: () => dispatcher.idle(),
    async stop () {
      await dispatcher.stop()
      recorder.stop()
      await journal.stop()
    },
    async restart () {
      await this.stop()
      return harness(time, dataDir)
    },
    async discard () {
      await this.stop()
      await rm(dataDir, { recursive: true, force: true })
    }
  }
}

/** A critical door opening at the town hall cabinet. */
function openDoor (book: AlertBook, time: ManualTime) {
  return book.raise({ cabinetId: 'pernik-aed-01', kind: 'door_open', severity: 'critical', facts: { openedAt: new Date(time.now()).toISOString() } }, time.now()).alert
}

t.test('an unacknowledged critical alert goes to the primary at once, the backup after 5 minutes, the facility managers after 10', async t => {
  const h = await harness()
  t.teardown(() => h.discard())
  const before = { primary: smsTo(PEOPLE.primary).length, backup: smsTo(PEOPLE.backup).length, facility: mailTo(PEOPLE.facility).length }
  const alert = openDoor(h.book, h.time)
  await h.delivered()
  t.equal(smsTo(PEOPLE.primary).length - before.primary, 1, 'the primary by SMS at once')
  t.ok(mailTo(PEOPLE.primary).some(m => /Отворен шкаф/.test(m.subject)), 'and by email')

  await h.time.advance(5 * MINUTE - 1)
  await h.delivered()
  t.equal(smsTo(PEOPLE.backup).length, before.backup, 'the backup is not told a millisecond early')
  await h.time.advance(1)
  await h.delivered()
  t.equal(smsTo(PEOPLE.backup).length - before.backup, 1, 'the backup at exactly 5 minutes')
  t.equal(h.book.get(alert.id)?.escalationLevel, 1)

  await h.time.advance(5 * MINUTE)
  await h.delivered()
  t.equal(mailTo(PEOPLE.facility).length - before.facility, 1, 'the facility manager at 10 minutes')
  t.equal(h.book.get(alert.id)?.escalationLevel, 2)
  t.ok(h.lines.some(l => l.startsWith('alert_event,') && l.includes('escalated to level 1')), 'each escalation is an alert_event point')
  t.ok(h.lines.some(l => l.includes('escalated to level 2')))
  const total = sms.messages.length + smtp.mails.length
  await h.time.advance(60 * MINUTE)
  await h.delivered()
  t.equal(sms.messages.length + smtp.mails.length, total, 'after the last level nobody further is told')
})

t.test('an acknowledgement stops the escalation', async t => {
  const h = await harness()
  t.teardown(() => h.discard())
  const backupBefore = smsTo(PEOPLE.backup).length
  const alert = openDoor(h.book, h.time)
  await h.delivered()
  await h.time.advance(4 * MINUTE)
  h.book.acknowledge(alert.id, PEOPLE.primary.id, h.time.now())
  await h.time.advance(30 * MINUTE)
  await h.delivered()
  t.equal(smsTo(PEOPLE.backup).length, backupBefore, 'nobody else is told')
})

t.test('a condition back within the flap window is the same incident; the all-clear waits out the window', async t => {
  const h = await harness()
  t.teardown(() => h.discard())
  const primaryBefore = smsTo(PEOPLE.primary).length
  const raiseOffline = () => h.book.raise({ cabinetId: 'pernik-aed-01', kind: 'offline', severity: 'critical', facts: { cause: 'no heartbeat' } }, h.time.now())
  raiseOffline()
  await h.delivered()
  t.equal(smsTo(PEOPLE.primary).length - primaryBefore, 1, 'paged once')
  for (let i = 0; i < 3; i++) {
    await h.time.advance(MINUTE)
    h.book.clear('pernik-aed-01', 'offline', h.time.now())
    await h.time.advance(MINUTE)
    raiseOffline()
    await h.delivered()
  }
  t.equal(smsTo(PEOPLE.primary).length - primaryBefore, 1, 'not paged again while it flaps')
  h.book.clear('pernik-aed-01', 'offline', h.time.now())
  await h.time.advance(10 * MINUTE - 1)
  await h.delivered()
  t.equal(smsTo(PEOPLE.primary).length - primaryBefore, 1, 'no all-clear before the window is over')
  await h.time.advance(1)
  await h.delivered()
  t.equal(smsTo(PEOPLE.primary).length - primaryBefore, 2, 'the all-clear once it is')
})

t.test('an SMS the provider refuses twice is retried on the backoff schedule and delivered once', async t => {
  const h = await harness()
  t.teardown(() => h.discard())
  const before = smsTo(PEOPLE.primary).length
  const requestsBefore = sms.requestCount()
  sms.failNext(2, 500)
  openDoor(h.book, h.time)
  await waitFor(() => sms.requestCount() === requestsBefore + 1, 'the first try')
  t.equal(smsTo(PEOPLE.primary).length, before, 'the first try failed')
  // Backoff: 1–2 s after the first failure, 2–4 s after the second.
  await h.time.advance(2000)
  await waitFor(() => sms.requestCount() === requestsBefore + 2, 'the second try')
  await h.time.advance(4000)
  await h.delivered()
  t.equal(smsTo(PEOPLE.primary).length - before, 1, 'delivered on the third try, once')
  t.ok(h.lines.some(l => l.startsWith('notification,') && l.includes('channel=sms') && l.includes('attempt=3i')), 'the outcome records three attempts')
})

t.test('after a restart nothing is sent twice and the escalation keeps its time from the opening', async t => {
  const first = await harness()
  const before = { primary: smsTo(PEOPLE.primary).length, backup: smsTo(PEOPLE.backup).length }
  const alert = openDoor(first.book, first.time)
  await first.delivered()
  t.equal(smsTo(PEOPLE.primary).length - before.primary, 1)
  await first.time.advance(3 * MINUTE)
  const second = await first.restart()
  t.teardown(() => second.discard())
  await second.delivered()
  t.equal(second.book.get(alert.id)?.status, 'open', 'the alert came back from the journal')
  t.equal(smsTo(PEOPLE.primary).length - before.primary, 1, 'the primary is not paged again')
  await second.time.advance(2 * MINUTE)
  await second.delivered()
  t.equal(smsTo(PEOPLE.backup).length - before.backup, 1, 'the backup at 5 minutes from the opening, across the restart')
})

t.test('every door opening pages at once, and each closing is told at once to those paged', async t => {
  const h = await harness()
  t.teardown(() => h.discard())
  const before = smsTo(PEOPLE.primary).length
  const first = openDoor(h.book, h.time)
  await h.delivered()
  t.equal(smsTo(PEOPLE.primary).length - before, 1, 'the first opening pages')
  await h.time.advance(30_000)
  h.book.clear('pernik-aed-01', 'door_open', h.time.now())
  await h.delivered()
  t.equal(smsTo(PEOPLE.primary).length - before, 2, 'the closing is told at once, no flap window')
  t.match(smsTo(PEOPLE.primary).at(-1)!.body, /затворен/)
  await h.time.advance(60_000)
  const second = openDoor(h.book, h.time)
  t.not(second.id, first.id)
  await h.delivered()
  t.equal(smsTo(PEOPLE.primary).length - before, 3, 'an opening a minute later pages again at once')
  t.match(smsTo(PEOPLE.primary).at(-1)!.body, /АЕД/)
})

t.test('a warning superseded by a critical alert on the same part gets no all-clear; nor does one that ends while the critical is open', async t => {
  const h = await harness()
  t.teardown(() => h.discard())
  const facility = () => mailTo(PEOPLE.facility).filter(m => /Приключено/.test(m.subject)).length
  const allClearsBefore = facility()
  const raise = (kind: 'battery_low' | 'battery_expiring' | 'battery_expired', severity: 'warning' | 'critical') =>
    h.book.raise({ cabinetId: 'pernik-aed-01', kind, severity, facts: {} }, h.time.now()).alert
  const low = raise('battery_low', 'warning')
  const expiring = raise('battery_expiring', 'warning')
  await h.delivered()
  raise('battery_expired', 'critical')
  h.book.resolve(expiring.id, 'superseded', h.time.now())
  await h.delivered()
  h.book.clear('pernik-aed-01', 'battery_low', h.time.now())
  await h.time.advance(30 * MINUTE)
  await h.delivered()
  t.equal(h.book.get(low.id)?.status, 'resolved')
  t.equal(facility(), allClearsBefore, 'nobody is told the battery is fine while it is expired')
})

t.test('a flapping condition that was acknowledged comes back without escalating', async t => {
  const h = await harness()
  t.teardown(() => h.discard())
  const backupBefore = smsTo(PEOPLE.backup).length
  const raiseOffline = () => h.book.raise({ cabinetId: 'pernik-aed-02', kind: 'offline', severity: 'critical', facts: { cause: 'no heartbeat' } }, h.time.now()).alert
  const first = raiseOffline()
  await h.delivered()
  h.book.acknowledge(first.id, PEOPLE.primary.id, h.time.now())
  h.book.clear('pernik-aed-02', 'offline', h.time.now())
  await h.time.advance(MINUTE)
  raiseOffline()
  await h.time.advance(20 * MINUTE)
  await h.delivered()
  t.equal(smsTo(PEOPLE.backup).length, backupBefore, 'the person who took it goes on handling it')
})
