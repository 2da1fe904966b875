import t from 'tap'
import { chromium } from 'playwright-core'
import { startTestStack, waitFor } from './support/stack.ts'

/**
 * The public availability feed and page end to end: a simulated cabinet
 * over MQTT through the real broker, the monitor, and the feed and page as
 * a map app and a person's browser (real chromium) read them. No time is
 * asserted: each wait is generous, as machines running the tests are shared.
 */
const DASHBOARD_URL = 'https://grafana.example.org/d/aed-fleet-overview'
const stack = await startTestStack({ env: { DASHBOARD_URL } })
t.teardown(() => stack.stop())

const FEED = '/public/v1/aeds.geojson'

/** The feed as anyone fetches it: no token. */
async function feed (): Promise<any> {
  const res = await fetch(`${stack.apiUrl}${FEED}`)
  if (res.status !== 200) throw new Error(`the feed answered ${res.status}`)
  return await res.json()
}
const availability = async (): Promise<string | undefined> => (await feed()).features[0]?.properties.availability

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
})
t.teardown(() => browser.close())

t.test('before the cabinet reports, the one active Pernik AED is published as unavailable, the planned ones not at all', async t => {
  const body = await feed()
  t.equal(body.features.length, 1)
  t.match(body.features[0], { geometry: { type: 'Point', coordinates: [23.0327, 42.6057] }, properties: { availability: 'unavailable', updated: null } })
})

t.test('over the real broker: the feed says available, in_use once the door opens, and available again once it closes', async t => {
  const cabinet = await stack.cabinet('pernik-aed-01')
  await waitFor(async () => await availability() === 'available', 'the reporting cabinet available in the feed')
  const ready = (await feed()).features[0].properties

  cabinet.openDoor()
  await waitFor(async () => await availability() === 'in_use', 'in_use after the door-open message')
  const open = (await feed()).features[0].properties
  t.equal(open.availability, 'in_use')
  t.ok(Date.parse(open.updated) >= Date.parse(ready.updated), 'updated moves with the report')

  const page = await browser.newPage({ viewport: { width: 390, height: 844 } })
  t.teardown(() => page.close())
  const requested: string[] = []
  page.on('request', request => { requested.push(request.url()) })
  // A style or anything else the page's Content-Security-Policy refused would show here.
  const complaints: string[] = []
  page.on('console', message => { if (message.type() === 'error' || message.type() === 'warning') complaints.push(message.text()) })
  const response = await page.goto(`${stack.apiUrl}/`)
  t.equal(response?.status(), 200)
  t.equal(await page.getAttribute('html', 'lang'), 'bg')
  t.match(await page.textContent('h1'), 'Автоматични външни дефибрилатори (АЕД) — Община Перник')
  const items = page.locator('li.aed')
  t.equal(await items.count(), 1, 'one AED listed')
  t.equal(await items.first().locator('h2').textContent(), 'Община Перник — сграда на общинската администрация')
  t.equal(await items.first().locator('.availability').textContent(), 'В употреба')
  const text = await items.first().textContent() ?? ''
  t.match(text, 'пл. „Св. Иван Рилски“ 1А, Перник')
  t.match(text, 'Партер, до входа')
  t.match(await items.first().locator('dt:text-is("Обновено") + dd').textContent(), /^\d{1,2}\.\d{2}\.\d{4} г\., \d{1,2}:\d{2}$/, 'when it last reported, as a Bulgarian date and time')
  t.equal(await items.first().locator('a').getAttribute('href'), 'https://www.openstreetmap.org/?mlat=42.6057&mlon=23.0327#map=18/42.6057/23.0327')
  t.equal(await page.getAttribute('a:has-text("Grafana")', 'href'), DASHBOARD_URL)

  cabinet.closeDoor()
  await waitFor(async () => await availability() === 'available', 'available after the door-closed message')
  await page.reload()
  t.equal(await page.locator('li.aed .availability').first().textContent(), 'Наличен')
  t.ok(requested.every(url => url.startsWith(stack.apiUrl)), `the page fetched nothing from elsewhere: ${requested.join(', ')}`)
  t.same(complaints, [], 'the browser refused nothing of the page')
  t.equal(await page.evaluate("getComputedStyle(document.querySelector('li.aed .availability')).color"), 'rgb(255, 255, 255)', 'its inline style applied')
})

t.test('in a browser, a page of any other origin can read the feed and revalidate it by its ETag (CORS, with the preflight)', async t => {
  const page = await browser.newPage()
  t.teardown(() => page.close())
  await page.setContent('<!doctype html><title>a map on another site</title>')
  const result = await page.evaluate(async url => {
    const first = await fetch(url)
    const etag = first.headers.get('etag') ?? ''
    const body = await first.json() as { type: string }
    // If-None-Match is not a CORS-safelisted header: the browser asks with OPTIONS first. Set by
    // the page, it also bypasses the browser's cache (Fetch), so the 304 reaches the page.
    const again = await fetch(url, { headers: { 'if-none-match': etag } })
    return { status: first.status, type: body.type, contentType: first.headers.get('content-type'), etag, revalidated: again.status }
  }, `${stack.apiUrl}${FEED}`)
  t.match(result, { status: 200, type: 'FeatureCollection', contentType: 'application/geo+json', etag: /^".+"$/, revalidated: 304 })
})
