import t from 'tap'
import { loadFleet, PERNIK_FLEET_FILE, type FleetCabinet } from '@aed/core/fleet'
import { AlertKindSchema, type Alert, type AlertKind } from '../alerts/alert.ts'
import { LanguageSchema, type Person } from '../routing/people.ts'
import { loadMessageTemplates, MessageStepSchema } from './message-templates.ts'
import { renderAlertMessage } from './render-alert-message.ts'
import { countSmsSegments } from './sms-segments.ts'
import { ackLink, createAckToken } from '../ack/signed-link.ts'

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

/** A real token for realistic ids: a little over 60 characters. */
const ackUrl = ackLink('https://aed.pernik.bg', createAckToken(
  { alertId: 'alr-01JD3X9Q', personId: 'ivan-petrov', expiresAt: new Date('2026-11-25T10:07:00Z') },
  'a-secret-of-at-least-thirty-two-characters'
))
const ivan: Person = { id: 'ivan-petrov', name: 'Иван Петров', phone: '+359888123456', language: 'bg' }
const john: Person = { id: 'john-smith', name: 'John Smith', email: 'john@example.org', language: 'en' }

function alertOf (kind: AlertKind, overrides: Partial<Alert> = {}): Alert {
  return {
    id: 'alr-01JD3X9Q4T',
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

t.test('the link used for the SMS budget is realistic: a token of 60 or more characters', async t => {
  const token = ackUrl.slice('https://aed.pernik.bg/a/'.length)
  t.ok(token.length >= 60 && token.length <= 70, `token is ${token.length}`)
})

t.test('every kind, step and language has an SMS within two parts, with the link, for every Pernik site', async t => {
  for (const kind of AlertKindSchema.options) {
    for (const step of MessageStepSchema.options) {
      for (const language of LanguageSchema.options) {
        for (const cabinet of cabinets) {
          for (const severity of ['critical', 'warning'] as const) {
            const { smsText } = renderAlertMessage(templates, { alert: alertOf(kind, { severity }), cabinet, language, step, ackUrl })
            const count = countSmsSegments(smsText)
            const label = `${kind}/${step}/${language}/${cabinet.id}: ${smsText}`
            t.ok(count.segments <= 2, `${count.segments} parts (${count.encoding}, ${count.units}): ${label}`)
            if (step !== 'resolved') t.ok(smsText.endsWith(ackUrl), `ends with the link: ${label}`)
            t.notMatch(smsText, /\{\{|\}\}/, `no placeholder left: ${label}`)
          }
        }
      }
    }
  }
})

t.test('a door-open SMS says what, then where, then the link, and names the site in full when it fits', async t => {
  const bg = renderAlertMessage(templates, { alert: alertOf('door_open'), cabinet: townHall, person: ivan, step: 'opened', ackUrl })
  t.equal(bg.smsText, `АЕД отворен: Община Перник. Има ли 112? ${ackUrl}`)
  const en = renderAlertMessage(templates, { alert: alertOf('door_open'), cabinet: townHall, person: john, step: 'opened', ackUrl })
  t.equal(en.smsText, `AED opened: Община Перник. 112 called? ${ackUrl}`)
})

t.test('the SMS names the site or the address, never both, and shortens only when neither fits', async t => {
  const moshino = fleet.cabinets.get('pernik-aed-03')!
  const sms = renderAlertMessage(templates, { alert: alertOf('door_open'), cabinet: moshino, step: 'opened', ackUrl }).smsText
  t.equal(sms, `АЕД отворен: кв. „Мошино“. Има ли 112? ${ackUrl}`)

  const long = renderAlertMessage(templates, { alert: alertOf('door_open'), cabinet: library, step: 'reminder', ackUrl }).smsText
  t.match(long, /^Отново: АЕД отворен: .+[^ ]… Има ли 112\? https:/)
  t.equal(countSmsSegments(long).segments, 2)
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

t.test('the door-open email has the full place, the 112 instruction, the ack link and a map link', async t => {
  const { emailSubject, emailText, emailHtml } = renderAlertMessage(templates, {
    alert: alertOf('door_open'), cabinet: townHall, person: ivan, step: 'opened', ackUrl, publicUrl: 'https://aed.pernik.bg/'
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
    t.match(body, 'https://aed.pernik.bg/')
    t.match(body, '24.11.2026 г., 12:07', 'time in Sofia')
  }
  t.match(emailText, `Поемам: ${ackUrl}`)
  t.match(emailHtml, /^<!doctype html>\n<html lang="bg">/)
})

t.test('the escalation and reminder emails say why they come; the all-clear offers to view, not to acknowledge', async t => {
  const escalated = renderAlertMessage(templates, { alert: alertOf('offline', { escalationLevel: 1 }), cabinet: townHall, person: ivan, step: 'escalated', ackUrl })
  t.match(escalated.emailSubject, /^Без отговор – Внимание: Шкаф с АЕД без връзка/)
  t.match(escalated.emailText, 'Никой не е поел този сигнал от 24.11.2026 г., 12:07. Изпраща се и на вас (ниво 1).')

  const resolved = renderAlertMessage(templates, { alert: alertOf('door_open', { status: 'resolved' }), cabinet: townHall, person: john, step: 'resolved', ackUrl })
  t.equal(resolved.smsText, 'AED cabinet closed: Община Перник — сграда на общинската администрация.')
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
