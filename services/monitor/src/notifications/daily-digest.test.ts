import t from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { loadFleet, PERNIK_FLEET_FILE } from '@aed/core/fleet'
import type { UplinkMessage } from '@aed/core/protocol'
import { ManualTime } from '@aed/testkit/manual-time'
import { startSmtpTestServer } from '@aed/testkit/smtp-test-server'
import { MonitorBus } from '../events.ts'
import { Recorder } from '../recording/recorder.ts'
import { loadDigestTemplates } from '../messages/digest-message.ts'
import { loadMessageTemplates } from '../messages/message-templates.ts'
import { EmailNotifier } from '../notifiers/email-notifier.ts'
import { parseAlertingFile } from '../routing/alerting-config.ts'
import { AlertRouting } from '../routing/alert-routing.ts'
import { FleetState } from '../state/fleet-state.ts'
import { AlertBook } from '../alerts/alert-book.ts'
import { AlertJournal } from '../alerts/alert-journal.ts'
import { DailyDigest } from './daily-digest.ts'

const smtp = await startSmtpTestServer()
const dir = await mkdtemp(join(tmpdir(), 'digest-'))
t.teardown(async () => { await smtp.close(); await rm(dir, { recursive: true, force: true }) })

// 07:30 in Sofia on Tuesday 24 November 2026.
const time = new ManualTime('2026-11-24T05:30:00Z')
const clock = time
const now = time.now()
const routing = new AlertRouting(parseAlertingFile(`
people:
  - { id: elena, name: Елена Димитрова, email: elena@example.org, language: bg }
  - { id: tech, name: Technician, email: tech@example.org, language: en }
facilityManagers:
  obshtina-pernik: [elena]
  "*": [tech]
digest: { at: "08:00" }
`))
const fleet = new FleetState(await loadFleet(PERNIK_FLEET_FILE), new MonitorBus(), clock, {
  defaults: { temperatureMinC: 0, temperatureMaxC: 50, temperatureCriticalAfterMin: 30, batteryLowPercent: 25, batteryCriticalPercent: 10, expiryWarningDays: 30, selftestMaxAgeH: 26 },
  offlineAfterHeartbeats: 3,
  clockSkewToleranceMs: 120_000,
  logger: pino({ level: 'silent' })
})
fleet.apply({ cabinetId: 'pernik-aed-01', channel: 'pads', payload: { ts: new Date(now).toISOString(), seq: 1, expires: '2026-12-10' } } as UplinkMessage, now)
fleet.apply({ cabinetId: 'pernik-aed-01', channel: 'battery', payload: { ts: new Date(now).toISOString(), seq: 2, percent: 80, expires: '2030-01-01' } } as UplinkMessage, now)
const book = new AlertBook()
book.raise({ cabinetId: 'pernik-aed-01', kind: 'post_use_inspection', severity: 'warning', task: true, facts: {} }, now)

/** The digest as the monitor runs it: the journal replayed at start, what goes out journalled by the recorder. */
async function digestAfterRestart () {
  const bus = new MonitorBus()
  const logger = pino({ level: 'silent' })
  const journal = new AlertJournal(join(dir, 'alert-journal.jsonl'), time)
  const recorder = new Recorder({ bus, book, fleet, clock, scheduler: time, snapshotIntervalMs: 60_000, clockSkewToleranceMs: 120_000, logger, sinks: { write: () => {}, journal } })
  const digest = new DailyDigest({
    fleet, book, routing, bus, time,
    journalled: () => journal.restored,
    notifiers: [new EmailNotifier({ host: '127.0.0.1', port: smtp.port, secure: false, from: 'aed@example.org', tlsRejectUnauthorized: false })],
    texts: await loadDigestTemplates(),
    templates: await loadMessageTemplates(),
    logger,
    retryPolicy: { attempts: 2, baseDelayMs: 10, maxDelayMs: 10 },
    publicUrl: 'https://aed.pernik.bg/'
  })
  const units = [journal, recorder, digest]
  for (const unit of units) await unit.start()
  return {
    /** One tick: sends the digest if it is due, and waits until it is out. */
    async tick () {
      bus.emit('tick', time.now())
      await digest.idle()
    },
    async stop () {
      for (const unit of units.reverse()) await unit.stop()
    }
  }
}

t.test('before the digest time nothing is sent', async t => {
  const monitor = await digestAfterRestart()
  await monitor.tick()
  t.equal(smtp.mails.length, 0)
  await monitor.stop()
})

t.test('at the digest time each facility manager gets what expires soon and what is open at their sites', async t => {
  await time.advanceTo(Date.parse('2026-11-24T06:00:00Z'))
  const monitor = await digestAfterRestart()
  await monitor.tick()
  const mails = smtp.mails.filter(m => m.envelopeTo.includes('elena@example.org'))
  t.equal(mails.length, 1)
  t.match(mails[0]!.subject, /АЕД – преглед за 2026-11-24: 2 за внимание/)
  t.match(mails[0]!.text, /pernik-aed-01 – Община Перник.*електродите изтичат на 2026-12-10 \(след 16 дни\)/)
  t.match(mails[0]!.text, /Преглед на АЕД след употреба/)
  t.notMatch(mails[0]!.text, /батерията/, 'a battery far from expiry is not listed')
  t.match(mails[0]!.text, 'Месечен отчет за готовността за 2026-10 (PDF; отваря се с API токен с роля viewer): https://aed.pernik.bg/api/v1/reports/readiness?month=2026-10&format=pdf&lang=bg',
    'last month\'s report, in her language, and what it takes to open it')
  t.match(mails[0]!.html, 'https://aed.pernik.bg/api/v1/reports/readiness?month=2026-10&amp;format=pdf&amp;lang=bg')
  t.equal(smtp.mails.filter(m => m.envelopeTo.includes('tech@example.org')).length, 0, 'nothing to report for the planned sites: no email')
  await monitor.tick()
  t.equal(smtp.mails.length, 1, 'once a day')
  await monitor.stop()
})

t.test('a restart the same day does not send it again; the next day it comes again', async t => {
  await time.advance(3_600_000)
  const restarted = await digestAfterRestart()
  await restarted.tick()
  t.equal(smtp.mails.length, 1)
  await restarted.stop()
  await time.advance(24 * 3_600_000)
  const nextDay = await digestAfterRestart()
  await nextDay.tick()
  t.equal(smtp.mails.length, 2)
  t.match(smtp.mails[1]!.subject, /2026-11-25/)
  await nextDay.stop()
})
