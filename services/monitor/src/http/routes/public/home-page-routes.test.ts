import t, { type Test } from 'tap'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { apiAppFor } from '../../../../../../test/support/api-app.ts'

async function fleetFile (t: Test, yaml: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'aed-home-fleet-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'fleet.yaml')
  await writeFile(file, yaml)
  return file
}

t.test('/ answers without a token with a Bulgarian page of the active AEDs, where they are and whether they can be taken', async t => {
  const api = await apiAppFor(t)
  const res = await api.anonymous.get('/')
  t.equal(res.status, 200)
  t.equal(res.headers['content-type'], 'text/html; charset=utf-8')
  t.match(res.text, '<html lang="bg">')
  t.match(res.text, 'Община Перник — сграда на общинската администрация')
  t.match(res.text, 'пл. „Св. Иван Рилски“ 1А, Перник')
  t.match(res.text, 'Партер, до входа (в сградата)')
  t.match(res.text, 'пн–пт 08:00–17:00')
  t.match(res.text, '>Неналичен<', 'not heard from yet')
  t.match(res.text, 'няма данни')
  t.match(res.text, 'href="https://www.openstreetmap.org/?mlat=42.6057&amp;mlon=23.0327#map=18/42.6057/23.0327"')
  t.match(res.text, 'href="/public/v1/aeds.geojson"')
  t.notMatch(res.text, 'Социално-здравен хъб', 'planned cabinets are not listed')
  t.notMatch(res.text, 'Мошино')
  t.notMatch(res.text, 'Grafana', 'no dashboard link without DASHBOARD_URL')
  t.notMatch(res.text, '<script', 'no scripts')

  api.receive('pernik-aed-01', 'status', { online: true })
  api.receive('pernik-aed-01', 'door', { state: 'open' })
  const inUse = await api.anonymous.get('/')
  t.match(inUse.text, '>В употреба<')
  t.match(inUse.text, '24.11.2026 г., 12:00', 'the last report, in Sofia time')
})

t.test('the page carries the security headers with its own policy: inline style, nothing else', async t => {
  const api = await apiAppFor(t)
  const res = await api.anonymous.get('/')
  t.equal(res.headers['content-security-policy'], "default-src 'none';style-src 'unsafe-inline';form-action 'none';base-uri 'none';frame-ancestors 'none'")
  t.equal(res.headers['x-frame-options'], 'DENY')
  t.equal(res.headers['x-content-type-options'], 'nosniff')
  t.equal(res.headers['referrer-policy'], 'no-referrer')
  t.equal(res.headers['cache-control'], 'public, no-cache')
  const again = await api.app.inject({ method: 'GET', url: '/', headers: { 'if-none-match': res.headers.etag as string } })
  t.equal(again.statusCode, 304, 'unchanged: 304 by its ETag')
})

t.test('with DASHBOARD_URL the page links to the Grafana dashboards', async t => {
  const api = await apiAppFor(t, { settings: { DASHBOARD_URL: 'https://grafana.example.org/d/aed-fleet-overview' } })
  t.match((await api.anonymous.get('/')).text, '<a href="https://grafana.example.org/d/aed-fleet-overview" rel="noreferrer">Табла на мониторинга (Grafana)</a>')
})

t.test('what the fleet file says is shown as text, never as markup', async t => {
  const api = await apiAppFor(t, {
    fleetFile: await fleetFile(t, `
fleet: Test <i>town</i>
sites:
  - id: cafe
    name: 'Кафе "Мечо" & <b>Ко</b>'
    address: <script>alert(1)</script>
    city: Перник
    coordinates: { lat: 42.6, lon: 23.0 }
    cabinets:
      - { id: cafe-01, location: '<img src=x onerror=alert(2)>' }
`)
  })
  const { text } = await api.anonymous.get('/')
  t.match(text, 'Кафе &quot;Мечо&quot; &amp; &lt;b&gt;Ко&lt;/b&gt;')
  t.match(text, '&lt;script&gt;alert(1)&lt;/script&gt;')
  t.match(text, '&lt;img src=x onerror=alert(2)&gt;')
  t.match(text, 'Test &lt;i&gt;town&lt;/i&gt;')
  t.notMatch(text, '<script')
  t.notMatch(text, '<img')
})

t.test('a fleet with no active cabinet says so', async t => {
  const api = await apiAppFor(t, {
    fleetFile: await fleetFile(t, `
fleet: Later
sites:
  - { id: later, name: Later, address: Street 1, city: Перник, coordinates: { lat: 42.6, lon: 23.0 }, cabinets: [{ id: later-01, status: planned, location: Hall }] }
`)
  })
  t.match((await api.anonymous.get('/')).text, 'Засега няма публикувани дефибрилатори.')
})

t.test('over PUBLIC_RATE_LIMIT a person gets a page in Bulgarian saying when to try again', async t => {
  const api = await apiAppFor(t, { settings: { PUBLIC_RATE_LIMIT: '2' } })
  const phone = api.from({ address: '198.51.100.20' })
  t.equal((await phone.get('/')).status, 200)
  t.equal((await phone.get('/')).status, 200)
  const over = await phone.get('/')
  t.equal(over.status, 429)
  t.equal(over.headers['retry-after'], '60')
  t.equal(over.headers['content-type'], 'text/html; charset=utf-8')
  t.equal(over.headers['cache-control'], 'no-store')
  t.match(over.text, 'Твърде много заявки')
  t.match(over.text, 'Опитайте отново след 60 секунди.')
  t.match(over.text, 'tel:112', 'and still where to call')
})
