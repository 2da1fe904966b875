import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import { chromium, type Browser } from 'playwright-core'
import { loadFleet, PERNIK_FLEET_FILE, type FleetCabinet } from '@aed/core/fleet'
import type { Alert } from '../alerts/alert.ts'
import { AlertBook } from '../alerts/alert-book.ts'
import type { Person } from '../routing/people.ts'
import { loadMessageTemplates } from '../messages/message-templates.ts'
import { renderAlertMessage } from '../messages/render-alert-message.ts'
import type { AuditEvent, AuditTrail } from '../audit/audit-log.ts'
import type { AlertDesk } from './alert-desk.ts'
import { registerSecurityHeaders } from '../http/security-headers.ts'
import { ackRoutes } from './ack-routes.ts'
import { ackLink, createAckToken, createShortAckToken, shortAckLink } from './signed-link.ts'

const secret = 'ack-routes-test-secret-0123456789abcdef'
const HOUR = 3_600_000
const LINK_TTL_MS = 72 * HOUR
const startedAt = Date.parse('2026-11-24T10:07:00.000Z')
let clockMs = startedAt + 60_000
const templates = await loadMessageTemplates()
const fleet = await loadFleet(PERNIK_FLEET_FILE)

const people: Person[] = [
  { id: 'ivan-petrov', name: 'Иван Петров', phone: '+359888123456', language: 'bg' },
  { id: 'john-smith', name: 'John Smith', email: 'john@example.org', language: 'en' },
  { id: 'maria-ivanova', name: 'Мария Иванова', phone: '+359887000111', language: 'bg' }
]

/** The alert lifecycle as far as the page can see it, recording every acknowledgement. */
class FakeDesk implements AlertDesk {
  readonly alerts = new Map<string, Alert>()
  readonly acknowledgements: Array<{ alertId: string, by: string }> = []
  failNext = false

  find (alertId: string): Alert | undefined {
    const alert = this.alerts.get(alertId)
    return alert === undefined ? undefined : { ...alert }
  }

  async acknowledge (alertId: string, by: string): Promise<Alert> {
    if (this.failNext) {
      this.failNext = false
      throw new Error('journal unavailable')
    }
    const alert = this.alerts.get(alertId)
    if (alert === undefined) throw new Error(`alert ${alertId} not found`)
    this.acknowledgements.push({ alertId, by })
    const at = new Date(clockMs).toISOString()
    Object.assign(alert, { status: 'acknowledged', acknowledgedAt: at, acknowledgedBy: by, updatedAt: at })
    return { ...alert }
  }

  open (id: string, overrides: Partial<Alert> = {}): Alert {
    const alert: Alert = {
      id,
      cabinetId: 'pernik-aed-01',
      kind: 'door_open',
      severity: 'critical',
      status: 'open',
      task: false,
      openedAt: new Date(startedAt).toISOString(),
      updatedAt: new Date(startedAt).toISOString(),
      escalationLevel: 0,
      facts: {},
      ...overrides
    }
    this.alerts.set(id, alert)
    return alert
  }
}

const desk = new FakeDesk()
/** What the pages recorded in the audit trail. */
const audited: AuditEvent[] = []
const audit: AuditTrail = { record: async event => { audited.push(event) } }
const hostileCabinet: FleetCabinet = {
  ...fleet.cabinets.get('pernik-aed-01')!,
  id: 'pernik-aed-99',
  location: '<script>alert(1)</script>',
  site: { ...fleet.cabinets.get('pernik-aed-01')!.site, name: 'Кафе "Мечо" & <b>Ко</b>' }
}

async function buildApp (): Promise<FastifyInstance> {
  const app = Fastify()
  await registerSecurityHeaders(app)
  await app.register(ackRoutes, {
    prefix: '/a',
    secret,
    desk,
    audit,
    findCabinet: id => id === hostileCabinet.id ? hostileCabinet : fleet.cabinets.get(id),
    findPerson: id => people.find(p => p.id === id),
    people: () => people,
    linkTtlMs: LINK_TTL_MS,
    templates,
    clock: { now: () => clockMs }
  })
  return app
}

const app = await buildApp()
const origin = await app.listen({ host: '127.0.0.1', port: 0 })
const browser: Browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
})
t.teardown(async () => {
  await browser.close()
  await app.close()
})

/** The link the dispatcher sends: the short format, for the alert book's 8-character ids. */
function linkFor (alertId: string, personId: string): string {
  const alert = desk.find(alertId)
  return shortAckLink(origin, { id: alertId, openedAt: alert?.openedAt ?? new Date(clockMs).toISOString() }, personId, { secret, ttlMs: LINK_TTL_MS })
}

/** A link in the long format, as sent before the short one, which may still sit in people's phones. */
function oldLinkFor (alertId: string, personId: string, validForMs = 24 * HOUR): string {
  return ackLink(origin, createAckToken({ alertId, personId, expiresAt: new Date(clockMs + validForMs) }, secret))
}

const pathOf = (link: string): string => new URL(link).pathname

t.test('in a browser: the link shows the alert with site and address, and "Поемам" acknowledges it for that person', async t => {
  desk.open('door0001')
  const page = await browser.newPage()
  t.teardown(() => page.close())
  const requested: string[] = []
  page.on('request', request => { requested.push(request.url()) })

  const link = linkFor('door0001', 'ivan-petrov')
  t.match(link, /\/a\/door0001[A-Za-z0-9_-]{11}$/, 'a short link')
  const response = await page.goto(link)
  t.equal(response?.status(), 200)
  const headers = response?.headers() ?? {}
  t.equal(headers['referrer-policy'], 'no-referrer')
  t.equal(headers['content-security-policy'], "default-src 'none';style-src 'unsafe-inline';form-action 'self';base-uri 'none';frame-ancestors 'none'")
  t.equal(await page.getAttribute('html', 'lang'), 'bg')
  t.equal(await page.textContent('h1'), 'Отворен шкаф с АЕД')
  const text = await page.textContent('main') ?? ''
  t.match(text, 'Здравейте, Иван Петров')
  t.match(text, 'Община Перник — сграда на общинската администрация')
  t.match(text, 'пл. „Св. Иван Рилски“ 1А, Перник')
  t.match(text, 'Партер, входно фоайе')
  t.match(text, 'КРИТИЧНО')
  t.match(text, 'Очаква отговор')
  t.match(text, '24.11.2026 г., 12:07')
  t.equal(await page.getAttribute('a[href^="https://www.openstreetmap.org/"]', 'href'), 'https://www.openstreetmap.org/?mlat=42.6057&mlon=23.0327#map=18/42.6057/23.0327')
  t.equal(await page.getAttribute('a.call', 'href'), 'tel:112')

  clockMs += 30_000
  await Promise.all([page.waitForLoadState('load'), page.click('button:has-text("Поемам")')])
  t.same(desk.acknowledgements, [{ alertId: 'door0001', by: 'ivan-petrov' }])
  t.match(await page.textContent('[role=status]'), 'Вие поехте сигнала (24.11.2026 г., 12:08). Благодарим!')
  t.match(await page.textContent('main'), 'Поет')
  t.equal(await page.locator('button').count(), 0, 'no second button')
  t.ok(requested.every(url => url.startsWith(origin)), `only the page itself was fetched: ${requested.join(', ')}`)
})

t.test('in a browser: an English-speaking person gets the page in English', async t => {
  desk.open('batt0001', { kind: 'battery_low', severity: 'warning', facts: { percent: 18 } })
  const page = await browser.newPage()
  t.teardown(() => page.close())
  await page.goto(linkFor('batt0001', 'john-smith'))
  t.equal(await page.getAttribute('html', 'lang'), 'en')
  t.equal(await page.textContent('h1'), 'AED battery low')
  t.match(await page.textContent('main'), 'Charge, %18')
  await Promise.all([page.waitForLoadState('load'), page.click('button:has-text("I\'m on it")')])
  t.match(await page.textContent('[role=status]'), 'You acknowledged this alert')
  t.match(desk.acknowledgements.at(-1), { alertId: 'batt0001', by: 'john-smith' })
})

t.test('a second person sees who acknowledged, and posting again changes nothing', async t => {
  desk.open('door0002')
  await desk.acknowledge('door0002', 'ivan-petrov')
  const count = desk.acknowledgements.length
  const url = new URL(linkFor('door0002', 'maria-ivanova')).pathname
  for (const method of ['GET', 'POST'] as const) {
    const response = await app.inject({ method, url, headers: method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}, payload: method === 'POST' ? '' : undefined })
    t.equal(response.statusCode, 200, method)
    t.match(response.body, 'Сигналът е поет от Иван Петров', method)
    t.notMatch(response.body, '<button', method)
  }
  t.equal(desk.acknowledgements.length, count)
})

t.test('acknowledging a resolved alert shows it resolved, without error', async t => {
  desk.open('door0003', { status: 'resolved', resolvedAt: '2026-11-24T10:20:00.000Z', resolvedBy: 'system' })
  const response = await app.inject({ method: 'POST', url: new URL(linkFor('door0003', 'ivan-petrov')).pathname })
  t.equal(response.statusCode, 200)
  t.match(response.body, 'Сигналът е приключен (24.11.2026 г., 12:20).')
  t.notMatch(response.body, 'tel:112', 'no call to action once resolved')
  t.notOk(desk.acknowledgements.some(a => a.alertId === 'door0003'))
})

t.test('an expired link in the old format is a 410 page in the person\'s language, and acknowledges nothing', async t => {
  desk.open('door-4')
  const url = new URL(oldLinkFor('door-4', 'john-smith', 1000)).pathname
  clockMs += 2000
  for (const method of ['GET', 'POST'] as const) {
    const response = await app.inject({ method, url })
    t.equal(response.statusCode, 410, method)
    t.match(response.headers['content-type'], 'text/html; charset=utf-8')
    t.match(response.body, '<html lang="en">')
    t.match(response.body, 'This link has expired')
    t.equal(response.headers['referrer-policy'], 'no-referrer')
    t.equal(response.headers['cache-control'], 'no-store')
  }
  t.notOk(desk.acknowledgements.some(a => a.alertId === 'door-4'))
})

t.test('a tampered or malformed link in the old format is a 403 page in both languages', async t => {
  desk.open('door-5')
  const token = new URL(oldLinkFor('door-5', 'ivan-petrov')).pathname.slice('/a/'.length)
  const [payload = '', tag = ''] = token.split('.')
  const forged = Buffer.from(Buffer.from(payload, 'base64url').toString().replace('ivan-petrov', 'john-smith')).toString('base64url')
  for (const bad of [`${forged}.${tag}`, 'garbage', `${payload}.${tag.slice(1)}`]) {
    const response = await app.inject({ method: 'POST', url: `/a/${bad}` })
    t.equal(response.statusCode, 403, bad)
    t.match(response.body, 'Невалидна връзка')
    t.match(response.body, 'Invalid link')
    t.match(response.headers['content-security-policy'], "default-src 'none'")
  }
  t.notOk(desk.acknowledgements.some(a => a.alertId === 'door-5'))
})

t.test('a link in the old format to an alert that no longer exists is a 404 page', async t => {
  const response = await app.inject({ method: 'GET', url: new URL(oldLinkFor('gone', 'ivan-petrov')).pathname })
  t.equal(response.statusCode, 404)
  t.match(response.body, 'Сигналът не е намерен')
})

t.test('when the desk fails, the page says so with a 503 and the alert stays open', async t => {
  desk.open('door0006')
  desk.failNext = true
  const response = await app.inject({ method: 'POST', url: new URL(linkFor('door0006', 'ivan-petrov')).pathname })
  t.equal(response.statusCode, 503)
  t.match(response.body, 'Сигналът не беше поет')
  t.notMatch(response.body, 'journal unavailable', 'no internals shown')
  t.equal(desk.find('door0006')?.status, 'open')
})

t.test('every value on the page is escaped', async t => {
  desk.open('door0007', { cabinetId: hostileCabinet.id, facts: { note: '"><img src=x>' } })
  const response = await app.inject({ method: 'GET', url: new URL(linkFor('door0007', 'ivan-petrov')).pathname })
  t.equal(response.statusCode, 200)
  t.notMatch(response.body, /<script>alert|<b>Ко|<img src=x>/)
  t.match(response.body, 'Кафе &quot;Мечо&quot; &amp; &lt;b&gt;Ко&lt;/b&gt;')
  t.match(response.body, '&lt;script&gt;alert(1)&lt;/script&gt;')
})

t.test('a short link acknowledges the alert as the person it was made for, each person by their own link', async t => {
  desk.open('door0008')
  for (const person of people) {
    const response = await app.inject({ method: 'GET', url: pathOf(linkFor('door0008', person.id)) })
    t.equal(response.statusCode, 200, person.id)
    t.match(response.body, person.language === 'bg' ? `Здравейте, ${person.name}` : `Hello ${person.name}`, `the page greets ${person.id}`)
  }
  const response = await app.inject({ method: 'POST', url: pathOf(linkFor('door0008', 'maria-ivanova')), headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' })
  t.equal(response.statusCode, 200)
  t.match(response.body, 'Вие поехте сигнала')
  t.same(desk.acknowledgements.filter(a => a.alertId === 'door0008'), [{ alertId: 'door0008', by: 'maria-ivanova' }])
  t.match(audited.filter(a => a.subject === 'door0008'), [{ action: 'alert.acknowledged', by: 'maria-ivanova', role: null, tokenId: null, via: 'ack_link', address: '127.0.0.1', userAgent: 'lightMyRequest' }], 'recorded in the audit trail as that person')
})

t.test('a short link for another person or another alert, truncated, altered, or for an unknown alert is refused alike', async t => {
  desk.open('door0009')
  desk.open('door0010')
  const token = pathOf(linkFor('door0009', 'ivan-petrov')).slice('/a/'.length)
  const tag = token.slice(8)
  const flip = (text: string, i: number): string => text.slice(0, i) + (text[i] === 'A' ? 'B' : 'A') + text.slice(i + 1)
  const refused = {
    'a tag for a person the routing does not know': createShortAckToken({ alertId: 'door0009', personId: 'eve' }, secret),
    'the tag of another alert': `door0010${tag}`,
    'signed with another secret': createShortAckToken({ alertId: 'door0009', personId: 'ivan-petrov' }, secret.replace('test', 'prod')),
    'truncated by one character': token.slice(0, -1),
    'truncated to the alert id': token.slice(0, 8),
    'one character longer': `${token}A`,
    'the first tag character altered': flip(token, 8),
    'the last tag character altered': flip(token, 18),
    'the alert id altered': flip(token, 0),
    'a good tag for an alert the monitor does not know': createShortAckToken({ alertId: 'gone0001', personId: 'ivan-petrov' }, secret)
  }
  const answers = new Set<string>()
  for (const [what, bad] of Object.entries(refused)) {
    t.not(bad, token)
    for (const method of ['GET', 'POST'] as const) {
      const response = await app.inject({ method, url: `/a/${bad}` })
      t.equal(response.statusCode, 403, `${what}, ${method}`)
      answers.add(response.body)
    }
  }
  t.equal(answers.size, 1, 'one answer for every refusal: nothing tells which alert ids exist')
  t.match([...answers][0], 'Невалидна връзка')
  t.match([...answers][0], 'Invalid link')
  t.notOk(desk.acknowledgements.some(a => a.alertId === 'door0009' || a.alertId === 'door0010'))
  t.equal((await app.inject({ method: 'GET', url: `/a/${token}` })).statusCode, 200, 'the link itself still works')
})

t.test('a short link expires the link lifetime after its alert opened: a 410 page in the person\'s language', async t => {
  desk.open('door0011', { openedAt: new Date(clockMs - LINK_TTL_MS + 60_000).toISOString() })
  const url = pathOf(linkFor('door0011', 'john-smith'))
  t.equal((await app.inject({ method: 'GET', url })).statusCode, 200, 'a minute before the end of its lifetime')
  clockMs += 60_000
  for (const method of ['GET', 'POST'] as const) {
    const response = await app.inject({ method, url })
    t.equal(response.statusCode, 410, method)
    t.match(response.body, '<html lang="en">')
    t.match(response.body, 'This link has expired')
  }
  t.notOk(desk.acknowledgements.some(a => a.alertId === 'door0011'))
})

t.test('a link in the old format, still in people\'s phones, acknowledges the alert as its person', async t => {
  desk.open('door0012')
  const link = oldLinkFor('door0012', 'john-smith')
  t.match(link, /\/a\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/, 'the long format')
  const response = await app.inject({ method: 'POST', url: pathOf(link) })
  t.equal(response.statusCode, 200)
  t.match(response.body, 'You acknowledged this alert')
  t.same(desk.acknowledgements.filter(a => a.alertId === 'door0012'), [{ alertId: 'door0012', by: 'john-smith' }])
})

t.test('the link in the door-opening SMS for each Pernik cabinet is at most 45 characters and acknowledges the alert', async t => {
  const book = new AlertBook()
  for (const cabinet of fleet.cabinets.values()) {
    const { alert } = book.raise({ cabinetId: cabinet.id, kind: 'door_open', severity: 'critical', facts: {} }, clockMs)
    desk.open(alert.id, { cabinetId: cabinet.id, openedAt: alert.openedAt })
    for (const person of people) {
      const ackUrl = shortAckLink('https://aed.pernik.bg', alert, person.id, { secret, ttlMs: LINK_TTL_MS })
      const { smsText } = renderAlertMessage(templates, { alert, cabinet, person, step: 'opened', ackUrl })
      const link = /\S+$/.exec(smsText)![0]
      t.equal(link, ackUrl, `the SMS ends with the link: ${smsText}`)
      t.ok(link.length <= 45, `${cabinet.id}, ${person.id}: ${link.length} characters`)
    }
    const response = await app.inject({ method: 'POST', url: pathOf(shortAckLink('https://aed.pernik.bg', alert, 'ivan-petrov', { secret, ttlMs: LINK_TTL_MS })) })
    t.equal(response.statusCode, 200, cabinet.id)
    t.match(response.body, cabinet.site.address)
    t.same(desk.acknowledgements.filter(a => a.alertId === alert.id), [{ alertId: alert.id, by: 'ivan-petrov' }], cabinet.id)
  }
})
