import t from 'tap'
import { loadFleet, PERNIK_FLEET_FILE, type FleetCabinet } from '@aed/core/fleet'
import { AlertKindSchema, type Alert, type AlertKind } from '../alerts/alert.ts'
import { LanguageSchema, type Person } from '../routing/people.ts'
import { loadMessageTemplates, MessageStepSchema } from './message-templates.ts'
import { siteShortName } from './place.ts'
import { renderAlertMessage } from './render-alert-message.ts'
import { countSmsSegments } from './sms-segments.ts'
import { shortAckLink } from '../ack/signed-link.ts'

const templates = await loadMessageTemplates()
const fleet = await loadFleet(PERNIK_FLEET_FILE)
const townHall = fleet.cabinets.get('pernik-aed-01')!

/** Longer than any site in the fleet file, to leave no doubt about the SMS budget. */
const library: FleetCabinet = {
  ...townHall,
  id: 'pernik-aed-17',
  location: 'Втори етаж, до гардероба на читалнята',
  coordinates: { lat: 42.6089, lon: 23.0371 },
  site: {
    id: 'regionalna-biblioteka',
    name: 'Регионална библиотека „Светослав Минков“ — читалня за възрастни',
    address: 'ул. „Отец Паисий“ № 1, вх. Б, ет. 2',
    city: 'Перник',
    coordinates: { lat: 42.6089, lon: 23.0371 }
  }
}
const cabinets = [...fleet.cabinets.values(), library]

/** A real link, as the dispatcher makes it, for an 8-character alert id like the alert book's, under a given PUBLIC_URL. */
const linkVia = (publicUrl: string, personId: string): string => shortAckLink(
  publicUrl,
  { id: 'Xk3f9QaB', openedAt: '2026-11-24T10:07:00.000Z' },
  personId,
  { secret: 'a-secret-of-at-least-thirty-two-characters', ttlMs: 72 * 3_600_000 }
)
/** The link as Pernik's people get it: 43 characters whoever the person. */
const linkFor = (personId: string): string => linkVia('https://aed.pernik.bg', personId)
/** A longer link: the same token under a PUBLIC_URL `extra` characters longer. */
const longerLink = (extra: number): string => linkVia(`https://aed.${'p'.repeat(extra)}pernik.bg`, 'ivan-petrov')
const ackUrl = linkFor('ivan-petrov')
const ivan: Person = { id: 'ivan-petrov', name: 'Иван Петров', phone: '+359888123456', language: 'bg' }
const john: Person = { id: 'john-smith', name: 'John Smith', email: 'john@example.org', language: 'en' }
const moshino = fleet.cabinets.get('pernik-aed-03')!
const hub = fleet.cabinets.get('pernik-aed-02')!
const pernik = [townHall, hub, moshino]
/** Room for everything: shows what an SMS says before the budget takes anything away. */
const ROOMY = 5

function alertOf (kind: AlertKind, overrides: Partial<Alert> = {}): Alert {
  return {
    id: 'Xk3f9QaB',
    cabinetId: townHall.id,
    kind,
    severity: kind === 'door_open' ? 'critical' : 'warning',
    status: 'open',
    task: kind === 'post_use_inspection',
    openedAt: '2026-11-24T10:07:00.000Z',
    updatedAt: '2026-11-24T10:07:00.000Z',
    escalationLevel: 0,
    facts: {},
    ...overrides
  }
}

t.test('the link used for the SMS budget is the one sent: the short format, 43 characters for anyone', async t => {
  t.match(ackUrl, /^https:\/\/aed\.pernik\.bg\/a\/Xk3f9QaB[A-Za-z0-9_-]{11}$/)
  for (const personId of ['ivan-petrov', 'john-smith', 'ekaterina-hristova-nikolova']) t.equal(linkFor(personId).length, 43, personId)
  t.equal(longerLink(10).length, 53)
})

const MIN = 60_000
const OPENED = Date.parse('2026-11-24T12:02:00Z') // 14:02 in Sofia

t.test('every kind, step and language has an SMS within two parts, with the link whole, for every Pernik site', async t => {
  for (const kind of AlertKindSchema.options) {
    for (const step of MessageStepSchema.options) {
      for (const language of LanguageSchema.options) {
        for (const cabinet of cabinets) {
          for (const severity of ['critical', 'warning'] as const) {
            const late = { occurredAtMs: OPENED, reportedAtMs: OPENED + 3 * MIN, endedAtMs: OPENED + MIN }
            for (const extra of [{}, { ackTimeoutMinutes: 5 }, late]) {
              const { smsText } = renderAlertMessage(templates, { alert: alertOf(kind, { severity }), cabinet, language, step, ackUrl, ...extra })
              const count = countSmsSegments(smsText)
              const label = `${kind}/${step}/${language}/${cabinet.id}: ${smsText}`
              t.ok(count.segments <= 2, `${count.segments} parts (${count.encoding}, ${count.units}): ${label}`)
              if (step !== 'resolved') t.ok(smsText.endsWith(` ${ackUrl}`), `ends with the link: ${label}`)
              t.notMatch(smsText, /\{\{|\}\}/, `no placeholder left: ${label}`)
            }
          }
        }
      }
    }
  }
})

t.test('a door-open SMS names the site, the street address and the spot in the building, and says what to do', async t => {
  const sms = (cabinet: FleetCabinet, person: Person): string =>
    renderAlertMessage(templates, { alert: alertOf('door_open'), cabinet, person, step: 'opened', ackUrl: linkFor(person.id), maxSmsSegments: ROOMY }).smsText
  t.equal(sms(townHall, ivan), `Взет АЕД от шкафа: Община Перник, пл. „Св. Иван Рилски“ 1А. Партер, входно фоайе. Проверете дали е подаден сигнал на 112. ${linkFor('ivan-petrov')}`)
  t.equal(sms(hub, ivan), `Взет АЕД от шкафа: Социално-здравен хъб, ул. „Младен Стоянов“ бл. 7. Вход на центъра. Проверете дали е подаден сигнал на 112. ${linkFor('ivan-petrov')}`)
  t.equal(sms(moshino, ivan), `Взет АЕД от шкафа: Център „Мошино“, кв. „Мошино“. Вход на центъра. Проверете дали е подаден сигнал на 112. ${linkFor('ivan-petrov')}`)
  t.equal(sms(townHall, john), `AED taken from cabinet: Община Перник, пл. „Св. Иван Рилски“ 1А. Партер, входно фоайе. Check whether 112 has been called. ${linkFor('john-smith')}`)
  t.equal(sms(hub, john), `AED taken from cabinet: Социално-здравен хъб, ул. „Младен Стоянов“ бл. 7. Вход на центъра. Check whether 112 has been called. ${linkFor('john-smith')}`)
  t.equal(sms(moshino, john), `AED taken from cabinet: Център „Мошино“, кв. „Мошино“. Вход на центъра. Check whether 112 has been called. ${linkFor('john-smith')}`)
})

t.test('within two parts, the door-open SMS at each Pernik cabinet keeps the whole street address, what to do and the link', async t => {
  const sms = (cabinet: FleetCabinet, person: Person): string =>
    renderAlertMessage(templates, { alert: alertOf('door_open'), cabinet, person, step: 'opened', ackUrl: linkFor(person.id) }).smsText
  for (const cabinet of pernik) {
    for (const person of [ivan, john]) {
      const text = sms(cabinet, person)
      const label = `${cabinet.id} ${person.id}: ${text}`
      t.equal(countSmsSegments(text).segments, 2, label)
      t.match(text, `${cabinet.site.address}.`, `the whole street address: ${label}`)
      t.match(text, templates[person.language].kinds.door_open.action, `what to do: ${label}`)
      t.ok(text.endsWith(` ${linkFor(person.id)}`), `the link: ${label}`)
    }
  }
  // The spot gives way first, then the site where it does not fit beside the address and what to do.
  t.equal(sms(townHall, ivan), `Взет АЕД от шкафа: пл. „Св. Иван Рилски“ 1А. Проверете дали е подаден сигнал на 112. ${linkFor('ivan-petrov')}`)
  t.equal(sms(hub, ivan), `Взет АЕД от шкафа: ул. „Младен Стоянов“ бл. 7. Проверете дали е подаден сигнал на 112. ${linkFor('ivan-petrov')}`)
  t.equal(sms(moshino, ivan), `Взет АЕД от шкафа: Център „Мошино“, кв. „Мошино“. Проверете дали е подаден сигнал на 112. ${linkFor('ivan-petrov')}`)
  t.equal(sms(townHall, john), `AED taken from cabinet: пл. „Св. Иван Рилски“ 1А. Check whether 112 has been called. ${linkFor('john-smith')}`)
  t.equal(sms(hub, john), `AED taken from cabinet: ул. „Младен Стоянов“ бл. 7. Check whether 112 has been called. ${linkFor('john-smith')}`)
  t.equal(sms(moshino, john), `AED taken from cabinet: Център „Мошино“, кв. „Мошино“. Check whether 112 has been called. ${linkFor('john-smith')}`)
})

/** Which optional parts an SMS still has, least important first. */
function partsIn (smsText: string, cabinet: FleetCabinet, language: 'bg' | 'en'): string[] {
  const texts = templates[language]
  const present = {
    spot: smsText.includes(cabinet.location),
    site: smsText.includes(`${siteShortName(cabinet.site)}, `),
    action: smsText.includes(texts.kinds.door_open.action)
  }
  return (['spot', 'site', 'action'] as const).filter(part => present[part])
}

/** The address in full, or its first words followed by "…" (a comma before the cut is left out). */
function addressWholeOrCutBetweenWords (smsText: string, cabinet: FleetCabinet): boolean {
  const address = cabinet.site.address
  if (smsText.includes(address)) return true
  const cut = /^[^:]+: (.+?)… /.exec(smsText)?.[1]?.replace(`${siteShortName(cabinet.site)}, `, '')
  return cut !== undefined && cut.length < address.length && address.startsWith(cut) && /[\s,]/.test(address[cut.length]!)
}

t.test('a longer link (a longer PUBLIC_URL) takes the spot first, then the site, then what to do; the address only by whole words', async t => {
  // Links from 43 characters (Pernik's) up to 100 in two parts and 160 in three, which shows every stage.
  for (const [maxSmsSegments, mostExtra] of [[2, 57], [3, 117]] as const) {
    for (const language of LanguageSchema.options) {
      for (const cabinet of [...pernik, library]) {
        const stages: string[] = []
        for (let extra = 0; extra <= mostExtra; extra++) {
          const link = longerLink(extra)
          const { smsText } = renderAlertMessage(templates, { alert: alertOf('door_open'), cabinet, language, step: 'opened', ackUrl: link, maxSmsSegments })
          const label = `${maxSmsSegments} parts, ${language} ${cabinet.id}, link of ${link.length}: ${smsText}`
          t.ok(countSmsSegments(smsText).segments <= maxSmsSegments, label)
          t.ok(smsText.endsWith(` ${link}`), `the link is whole: ${label}`)
          t.ok(addressWholeOrCutBetweenWords(smsText, cabinet), `the address whole or cut between words: ${label}`)
          const kept = partsIn(smsText, cabinet, language).join()
          if (stages.at(-1) !== kept) stages.push(kept)
        }
        // Each stage keeps a tail of the order spot < site < action: nothing comes back once gone.
        const order = ['spot,site,action', 'site,action', 'action', '']
        const positions = stages.map(stage => order.indexOf(stage))
        const label = `${maxSmsSegments} parts, ${language} ${cabinet.id}: ${JSON.stringify(stages)}`
        t.ok(positions.every(p => p >= 0), `only whole stages: ${label}`)
        t.same(positions, [...positions].sort((a, b) => a - b), `dropped in order: ${label}`)
        if (maxSmsSegments === 3 && cabinet === townHall) t.same(stages, order, `every stage, in order: ${label}`)
      }
    }
  }
})

t.test('a long link (a long PUBLIC_URL) and a long address: two parts, the link whole, the address cut between words', async t => {
  const link = longerLink(62)
  const { smsText } = renderAlertMessage(templates, { alert: alertOf('door_open'), cabinet: library, step: 'opened', ackUrl: link })
  t.equal(smsText, `Взет АЕД от шкафа: ул.… ${link}`)
  t.equal(countSmsSegments(smsText).segments, 2)
  const roomier = renderAlertMessage(templates, { alert: alertOf('door_open'), cabinet: hub, step: 'opened', ackUrl: longerLink(50) }).smsText
  t.equal(roomier, `Взет АЕД от шкафа: ул. „Младен Стоянов“… ${longerLink(50)}`)
})

t.test('an escalation says that nobody answered, and for how long', async t => {
  const escalated = (person: Person, extra: { ackTimeoutMinutes?: number } = {}) => renderAlertMessage(templates, {
    alert: alertOf('door_open', { escalationLevel: 1 }), cabinet: moshino, person, step: 'escalated', ackUrl: linkFor(person.id), maxSmsSegments: ROOMY, ...extra
  })
  const bg = escalated(ivan, { ackTimeoutMinutes: 5 })
  t.equal(bg.smsText, `Без отговор 5 мин: Взет АЕД от шкафа: Център „Мошино“, кв. „Мошино“. Вход на центъра. Проверете дали е подаден сигнал на 112. ${linkFor('ivan-petrov')}`)
  t.match(bg.emailText, 'Без отговор 5 мин: никой от дежурните преди вас не е поел сигнала от 24.11.2026 г., 12:07. Изпраща се и на вас (ниво 1).')
  t.match(bg.emailSubject, /^Без отговор – КРИТИЧНО: Отворен шкаф с АЕД – Център „Мошино“, кв. „Мошино“$/)
  const en = escalated(john, { ackTimeoutMinutes: 2.5 })
  t.match(en.smsText, /^No answer in 2\.5 min: AED taken from cabinet: /)
  t.match(en.emailText, 'No answer in 2.5 min: nobody on call before you has acknowledged the alert raised 24 Nov 2026, 12:07.')
  t.match(escalated(ivan, { ackTimeoutMinutes: 2.5 }).smsText, /^Без отговор 2,5 мин: /, 'a decimal comma in Bulgarian')

  const untimed = escalated(ivan)
  t.match(untimed.smsText, /^Без отговор: Взет АЕД от шкафа: /, 'without the timeout it still says nobody answered')
  t.match(untimed.emailText, 'Никой не е поел този сигнал от 24.11.2026 г., 12:07. Изпраща се и на вас (ниво 1).')

  const tight = renderAlertMessage(templates, { alert: alertOf('door_open'), cabinet: townHall, person: ivan, step: 'escalated', ackUrl, ackTimeoutMinutes: 5 }).smsText
  t.equal(tight, `Без отговор 5 мин: Взет АЕД от шкафа: пл. „Св. Иван Рилски“ 1А. ${ackUrl}`, 'within two parts the escalation keeps its words and the whole address')
  const longLink = longerLink(40)
  const tighter = renderAlertMessage(templates, { alert: alertOf('door_open'), cabinet: townHall, person: ivan, step: 'escalated', ackUrl: longLink, ackTimeoutMinutes: 5 }).smsText
  t.equal(tighter, `Без отговор 5 мин: Взет АЕД от шкафа: пл.… ${longLink}`, 'with a longer link it cuts the address between words')
})

t.test('an event reported late says when it happened and how late, in Sofia time', async t => {
  const late = { occurredAtMs: OPENED, reportedAtMs: OPENED + 3 * MIN + 10_000 }
  const bg = renderAlertMessage(templates, { alert: alertOf('door_open'), cabinet: townHall, person: ivan, step: 'opened', ackUrl, maxSmsSegments: ROOMY, ...late })
  t.equal(bg.smsText, `Взет АЕД от шкафа: Община Перник, пл. „Св. Иван Рилски“ 1А. Партер, входно фоайе. Отворен в 14:02, съобщено с 3 мин закъснение. Проверете дали е подаден сигнал на 112. ${ackUrl}`)
  t.match(bg.emailText, 'Отворен в 14:02, съобщено с 3 мин закъснение.')
  const en = renderAlertMessage(templates, { alert: alertOf('door_open'), cabinet: townHall, person: john, step: 'opened', ackUrl, maxSmsSegments: ROOMY, ...late })
  t.match(en.smsText, 'Партер, входно фоайе. Opened at 14:02, reported 3 min late. Check whether 112 has been called.')
  t.match(en.emailHtml, '<p style="margin:0 0 12px;font-weight:bold">Opened at 14:02, reported 3 min late.</p>')

  const summer = Date.parse('2026-07-14T11:02:00Z')
  const hours = renderAlertMessage(templates, { alert: alertOf('offline'), cabinet: townHall, person: ivan, step: 'opened', ackUrl, maxSmsSegments: ROOMY, occurredAtMs: summer, reportedAtMs: summer + 135 * MIN })
  t.match(hours.smsText, 'Без връзка от 14:02, съобщено с 2 ч 15 мин закъснение.', 'summer time, and a delay in hours')

  const onTime = renderAlertMessage(templates, { alert: alertOf('door_open'), cabinet: townHall, person: ivan, step: 'opened', ackUrl, maxSmsSegments: ROOMY, occurredAtMs: OPENED, reportedAtMs: OPENED + 59_999 })
  t.notMatch(onTime.smsText, /14:02|закъснение/, 'under a minute is not late: no time is given')
  t.notMatch(onTime.emailText, /закъснение/)
})

t.test('an event already over says so, and when', async t => {
  const over = { occurredAtMs: OPENED, reportedAtMs: OPENED + 3 * MIN, endedAtMs: OPENED + MIN }
  const bg = renderAlertMessage(templates, { alert: alertOf('door_open'), cabinet: hub, person: ivan, step: 'opened', ackUrl, maxSmsSegments: ROOMY, ...over })
  t.match(bg.smsText, 'Вход на центъра. Отворен в 14:02, съобщено с 3 мин закъснение, вече затворен в 14:03. Проверете')
  t.match(bg.emailText, 'Отворен в 14:02, съобщено с 3 мин закъснение, вече затворен в 14:03.')
  const en = renderAlertMessage(templates, { alert: alertOf('door_open'), cabinet: hub, person: john, step: 'opened', ackUrl, maxSmsSegments: ROOMY, ...over })
  t.match(en.smsText, 'Opened at 14:02, reported 3 min late, already closed at 14:03.')

  const quick = renderAlertMessage(templates, { alert: alertOf('door_open'), cabinet: hub, person: ivan, step: 'opened', ackUrl, maxSmsSegments: ROOMY, occurredAtMs: OPENED, reportedAtMs: OPENED + 5000, endedAtMs: OPENED + 40_000 })
  t.match(quick.smsText, 'Отворен в 14:02, вече затворен в 14:02.', 'over but not late: when it happened and ended, no delay')
  const generic = renderAlertMessage(templates, { alert: alertOf('battery_critical'), cabinet: hub, person: john, step: 'opened', ackUrl, maxSmsSegments: ROOMY, ...over })
  t.match(generic.smsText, 'At 14:02, reported 3 min late, already back to normal at 14:03.', 'kinds without their own words use the general ones')

  const tight = renderAlertMessage(templates, { alert: alertOf('door_open'), cabinet: moshino, person: ivan, step: 'opened', ackUrl, ...over }).smsText
  t.equal(tight, `Взет АЕД от шкафа: кв. „Мошино“. Вече затворен в 14:03. ${ackUrl}`, 'within two parts, when it happened gives way before the address and that it is already over')
})

t.test('the door-closed message tells how long the door was open and that an inspection task was opened', async t => {
  const resolved = alertOf('door_open', {
    status: 'resolved',
    openedAt: '2026-11-24T12:02:05.000Z',
    resolvedAt: '2026-11-24T12:14:00.000Z',
    resolvedBy: 'system',
    facts: { openedAt: '2026-11-24T12:02:00.000Z' }
  })
  const bg = renderAlertMessage(templates, { alert: resolved, cabinet: townHall, person: ivan, step: 'resolved', ackUrl })
  t.equal(bg.smsText, 'Шкафът с АЕД е затворен след 12 мин: Община Перник, пл. „Св. Иван Рилски“ 1А. Отворена е задача за проверка.')
  t.match(bg.emailText, 'Шкафът с АЕД е затворен след 12 мин: Община Перник, пл. „Св. Иван Рилски“ 1А. Отворена е задача за проверка.')
  t.match(bg.emailSubject, /^Приключено: Отворен шкаф с АЕД – Община Перник/)
  const en = renderAlertMessage(templates, { alert: resolved, cabinet: hub, person: john, step: 'resolved', ackUrl })
  t.equal(en.smsText, 'AED cabinet closed after 12 min: Социално-здравен хъб, ул. „Младен Стоянов“ бл. 7. An inspection task has been opened.')

  const withoutFacts = renderAlertMessage(templates, { alert: { ...resolved, facts: {}, openedAt: '2026-11-24T12:04:00.000Z' }, cabinet: moshino, person: ivan, step: 'resolved', ackUrl })
  t.equal(withoutFacts.smsText, 'Шкафът с АЕД е затворен след 10 мин: Център „Мошино“, кв. „Мошино“. Отворена е задача за проверка.', 'from the alert\'s own times')
  const given = renderAlertMessage(templates, { alert: resolved, cabinet: moshino, person: ivan, step: 'resolved', ackUrl, occurredAtMs: OPENED, endedAtMs: OPENED + 30_000 })
  t.match(given.smsText, /^Шкафът с АЕД е затворен след по-малко от минута: /, 'from the times given')
  const long = renderAlertMessage(templates, { alert: { ...resolved, resolvedAt: '2026-11-24T14:17:00.000Z' }, cabinet: moshino, person: john, step: 'resolved', ackUrl })
  t.match(long.smsText, /^AED cabinet closed after 2 h 15 min: /)

  const byHand = renderAlertMessage(templates, { alert: { ...resolved, resolvedBy: 'admin' }, cabinet: townHall, person: ivan, step: 'resolved', ackUrl })
  t.notMatch(byHand.smsText, 'задача', 'closed by a person: no inspection task follows, so none is announced')
})

t.test('a person reading English gets English; without a person the message is Bulgarian', async t => {
  const en = renderAlertMessage(templates, { alert: alertOf('battery_low', { facts: { percent: 18.5 } }), cabinet: townHall, person: john, step: 'opened', ackUrl })
  t.equal(en.emailSubject, 'Warning: AED battery low – Община Перник, пл. „Св. Иван Рилски“ 1А')
  t.match(en.emailText, /^Hello John Smith,/)
  t.match(en.emailText, /Charge, %: +18\.5/)
  const bg = renderAlertMessage(templates, { alert: alertOf('battery_low', { facts: { percent: 18.5 } }), cabinet: townHall, step: 'opened', ackUrl })
  t.equal(bg.emailSubject, 'Внимание: Ниска батерия на АЕД – Община Перник, пл. „Св. Иван Рилски“ 1А')
  t.match(bg.emailText, /Заряд, %: +18,5/)
})

t.test('the subject names the site by its short name from the fleet file', async t => {
  const subject = (cabinet: FleetCabinet): string => renderAlertMessage(templates, { alert: alertOf('door_open'), cabinet, step: 'opened', ackUrl }).emailSubject
  t.equal(subject(hub), 'КРИТИЧНО: Отворен шкаф с АЕД – Социално-здравен хъб, ул. „Младен Стоянов“ бл. 7')
  const { shortName: _, ...unnamed } = townHall.site
  t.equal(subject({ ...townHall, site: unnamed }), 'КРИТИЧНО: Отворен шкаф с АЕД – Община Перник, пл. „Св. Иван Рилски“ 1А', 'without one, the name up to the dash')
})

t.test('the door-open email has the full place, the 112 instruction, the ack link and a map link', async t => {
  const { emailSubject, emailText, emailHtml } = renderAlertMessage(templates, {
    alert: alertOf('door_open'), cabinet: townHall, person: ivan, step: 'opened', ackUrl
  })
  t.equal(emailSubject, 'КРИТИЧНО: Отворен шкаф с АЕД – Община Перник, пл. „Св. Иван Рилски“ 1А')
  const map = 'https://www.openstreetmap.org/?mlat=42.6057&mlon=23.0327#map=18/42.6057/23.0327'
  for (const body of [emailText, emailHtml.replaceAll('&amp;', '&')]) {
    t.match(body, 'Община Перник — сграда на общинската администрация')
    t.match(body, 'пл. „Св. Иван Рилски“ 1А, Перник')
    t.match(body, 'Партер, входно фоайе')
    t.match(body, 'сигнал на 112')
    t.match(body, map)
    t.match(body, ackUrl)
    t.match(body, '24.11.2026 г., 12:07', 'time in Sofia')
  }
  t.match(emailText, `Поемам: ${ackUrl}`)
  t.match(emailHtml, /^<!doctype html>\n<html lang="bg">/)
})

t.test('the email links the dashboard only when DASHBOARD_URL is set, never the API root', async t => {
  const email = (extra: { dashboardUrl?: string }) => renderAlertMessage(templates, {
    alert: alertOf('door_open'), cabinet: townHall, person: ivan, step: 'opened', ackUrl, publicUrl: 'https://aed.pernik.bg/', ...extra
  })
  const without = email({})
  t.notMatch(without.emailText, /Табло|https:\/\/aed\.pernik\.bg\/(?!a\/)/, 'no dashboard line in the text')
  t.notMatch(without.emailHtml, /Табло|href="https:\/\/aed\.pernik\.bg\/"/, 'no dashboard link in the HTML')

  const dashboardUrl = 'https://grafana.aed.pernik.bg/d/aed-fleet-overview'
  const withIt = email({ dashboardUrl })
  t.match(withIt.emailText, `Табло: ${dashboardUrl}`)
  t.match(withIt.emailHtml, `<a href="${dashboardUrl}" style="color:#0d47a1">Табло</a>`)
  t.notMatch(withIt.emailHtml, 'href="https://aed.pernik.bg/"')
  t.match(renderAlertMessage(templates, { alert: alertOf('door_open'), cabinet: townHall, person: john, step: 'opened', ackUrl, dashboardUrl }).emailText, `Dashboard: ${dashboardUrl}`)
})

t.test('the reminder email says why it comes; the all-clear offers to view, not to acknowledge', async t => {
  const reminder = renderAlertMessage(templates, { alert: alertOf('offline'), cabinet: townHall, person: ivan, step: 'reminder', ackUrl })
  t.match(reminder.emailText, 'Напомняне: сигналът от 24.11.2026 г., 12:07 все още не е приключен.')
  t.match(reminder.smsText, /^Отново: Шкаф с АЕД без връзка: /)

  const resolved = renderAlertMessage(templates, { alert: alertOf('door_open', { status: 'resolved', resolvedAt: '2026-11-24T10:19:00.000Z', resolvedBy: 'system' }), cabinet: townHall, person: john, step: 'resolved', ackUrl })
  t.equal(resolved.smsText, 'AED cabinet closed after 12 min: Община Перник, пл. „Св. Иван Рилски“ 1А. An inspection task has been opened.')
  t.match(resolved.emailSubject, /^Resolved: AED cabinet opened/)
  t.match(resolved.emailText, `View the alert: ${ackUrl}`)
  t.match(resolved.emailText, /Status: +Resolved/)
  t.notMatch(resolved.emailText, "I'm on it")
})

t.test('every inserted value is escaped in the HTML email', async t => {
  const hostile: FleetCabinet = {
    ...townHall,
    location: '<img src=x onerror=alert(1)>',
    site: { ...townHall.site, name: 'Кафе "Мечо" & <b>Ко</b>', address: "ул. 'Кракра' 5" }
  }
  const { emailHtml, emailText } = renderAlertMessage(templates, {
    alert: alertOf('door_open', { facts: { note: '</td><script>x()</script>' } }),
    cabinet: hostile,
    person: { ...ivan, name: 'Иван <Иванов>' },
    step: 'opened',
    ackUrl: ackUrl + '"><script>'
  })
  t.notMatch(emailHtml, /<script|<img|<b>|<Иванов>/)
  t.match(emailHtml, 'Кафе &quot;Мечо&quot; &amp; &lt;b&gt;Ко&lt;/b&gt;')
  t.match(emailHtml, 'ул. &#39;Кракра&#39; 5')
  t.match(emailHtml, '&lt;img src=x onerror=alert(1)&gt;')
  t.match(emailHtml, '&lt;/td&gt;&lt;script&gt;x()&lt;/script&gt;')
  t.match(emailText, 'Кафе "Мечо" & <b>Ко</b>', 'the plain text is left as it is')
})

t.test('facts are shown with their names, dates and booleans in the reader\'s language', async t => {
  const { emailText } = renderAlertMessage(templates, {
    alert: alertOf('pads_expiring', { facts: { expires: '2027-01-31', adult: true, lot: 'L-77', direction: 'cold', lastSeenAt: '2026-11-24T09:00:00.000Z' } }),
    cabinet: townHall,
    step: 'opened',
    ackUrl
  })
  t.match(emailText, /Изтича на: +31\.01\.2027 г\./)
  t.match(emailText, /adult: +да/)
  t.match(emailText, /lot: +L-77/)
  t.match(emailText, /Отклонение: +твърде студено/)
  t.match(emailText, /Последна връзка: +24\.11\.2026 г\., 11:00/)
})
