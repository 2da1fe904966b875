import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import { chromium, type Browser } from 'playwright-core'
import { loadFleet, PERNIK_FLEET_FILE, type FleetCabinet } from '@aed/core/fleet'
import type { Alert } from '../alerts/alert.ts'
import type { Person } from '../routing/people.ts'
import { loadMessageTemplates } from '../messages/message-templates.ts'
import type { AlertDesk } from './alert-desk.ts'
import { ackRoutes } from './ack-routes.ts'
import { ackLink, createAckToken } from './signed-link.ts'

const secret = 'ack-routes-test-secret-0123456789abcdef'
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
const hostileCabinet: FleetCabinet = {
  ...fleet.cabinets.get('pernik-aed-01')!,
  id: 'pernik-aed-99',
  location: '<script>alert(1)</script>',
  site: { ...fleet.cabinets.get('pernik-aed-01')!.site, name: 'Кафе "Мечо" & <b>Ко</b>' }
}

async function buildApp (): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(ackRoutes, {
    prefix: '/a',
    secret,
    desk,
    findCabinet: id => id === hostileCabinet.id ? hostileCabinet : fleet.cabinets.get(id),
    findPerson: id => people.find(p => p.id === id),
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

function linkFor (alertId: string, personId: string, validForMs = 24 * 3600_000): string {
  return ackLink(origin, createAckToken({ alertId, personId, expiresAt: new Date(clockMs + validForMs) }, secret))
}

t.test('in a browser: the link shows the alert with site and address, and "Поемам" acknowledges it for that person', async t => {
  desk.open('door-1')
  const page = await browser.newPage()
  t.teardown(() => page.close())
  const requested: string[] = []
  page.on('request', request => { requested.push(request.url()) })

  const response = await page.goto(linkFor('door-1', 'ivan-petrov'))
  t.equal(response?.status(), 200)
  const headers = response?.headers() ?? {}
  t.equal(headers['referrer-policy'], 'no-referrer')
  t.match(headers['content-security-policy'], "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
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
  t.same(desk.acknowledgements, [{ alertId: 'door-1', by: 'ivan-petrov' }])
  t.match(await page.textContent('[role=status]'), 'Вие поехте сигнала (24.11.2026 г., 12:08). Благодарим!')
  t.match(await page.textContent('main'), 'Поет')
  t.equal(await page.locator('button').count(), 0, 'no second button')
  t.ok(requested.every(url => url.startsWith(origin)), `only the page itself was fetched: ${requested.join(', ')}`)
})

t.test('in a browser: an English-speaking person gets the page in English', async t => {
  desk.open('battery-1', { kind: 'battery_low', severity: 'warning', facts: { percent: 18 } })
  const page = await browser.newPage()
  t.teardown(() => page.close())
  await page.goto(linkFor('battery-1', 'john-smith'))
  t.equal(await page.getAttribute('html', 'lang'), 'en')
  t.equal(await page.textContent('h1'), 'AED battery low')
  t.match(await page.textContent('main'), 'Charge, %18')
  await Promise.all([page.waitForLoadState('load'), page.click('button:has-text("I\'m on it")')])
  t.match(await page.textContent('[role=status]'), 'You acknowledged this alert')
  t.match(desk.acknowledgements.at(-1), { alertId: 'battery-1', by: 'john-smith' })
})

t.test('a second person sees who acknowledged, and posting again changes nothing', async t => {
  desk.open('door-2')
  await desk.acknowledge('door-2', 'ivan-petrov')
  const count = desk.acknowledgements.length
  const url = new URL(linkFor('door-2', 'maria-ivanova')).pathname
  for (const method of ['GET', 'POST'] as const) {
    const response = await app.inject({ method, url, headers: method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}, payload: method === 'POST' ? '' : undefined })
    t.equal(response.statusCode, 200, method)
    t.match(response.body, 'Сигналът е поет от Иван Петров', method)
    t.notMatch(response.body, '<button', method)
  }
  t.equal(desk.acknowledgements.length, count)
})

t.test('acknowledging a resolved alert shows it resolved, without error', async t => {
  desk.open('door-3', { status: 'resolved', resolvedAt: '2026-11-24T10:20:00.000Z', resolvedBy: 'system' })
  const response = await app.inject({ method: 'POST', url: new URL(linkFor('door-3', 'ivan-petrov')).pathname })
  t.equal(response.statusCode, 200)
  t.match(response.body, 'Сигналът е приключен (24.11.2026 г., 12:20).')
  t.notMatch(response.body, 'tel:112', 'no call to action once resolved')
  t.notOk(desk.acknowledgements.some(a => a.alertId === 'door-3'))
})

t.test('an expired link is a 410 page in the person\'s language, and acknowledges nothing', async t => {
  desk.open('door-4')
  const url = new URL(linkFor('door-4', 'john-smith', 1000)).pathname
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

t.test('a tampered or malformed link is a 403 page in both languages', async t => {
  desk.open('door-5')
  const token = new URL(linkFor('door-5', 'ivan-petrov')).pathname.slice('/a/'.length)
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

t.test('a link to an alert that no longer exists is a 404 page', async t => {
  const response = await app.inject({ method: 'GET', url: new URL(linkFor('gone', 'ivan-petrov')).pathname })
  t.equal(response.statusCode, 404)
  t.match(response.body, 'Сигналът не е намерен')
})

t.test('when the desk fails, the page says so with a 503 and the alert stays open', async t => {
  desk.open('door-6')
  desk.failNext = true
  const response = await app.inject({ method: 'POST', url: new URL(linkFor('door-6', 'ivan-petrov')).pathname })
  t.equal(response.statusCode, 503)
  t.match(response.body, 'Сигналът не беше поет')
  t.notMatch(response.body, 'journal unavailable', 'no internals shown')
  t.equal(desk.find('door-6')?.status, 'open')
})

t.test('every value on the page is escaped', async t => {
  desk.open('door-7', { cabinetId: hostileCabinet.id, facts: { note: '"><img src=x>' } })
  const response = await app.inject({ method: 'GET', url: new URL(linkFor('door-7', 'ivan-petrov')).pathname })
  t.equal(response.statusCode, 200)
  t.notMatch(response.body, /<script>alert|<b>Ко|<img src=x>/)
  t.match(response.body, 'Кафе &quot;Мечо&quot; &amp; &lt;b&gt;Ко&lt;/b&gt;')
  t.match(response.body, '&lt;script&gt;alert(1)&lt;/script&gt;')
})
