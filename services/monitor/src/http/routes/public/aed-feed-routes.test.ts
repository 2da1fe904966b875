import t, { type Test } from 'tap'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { apiAppFor, type ApiApp } from '../../../../../../test/support/api-app.ts'
import { geoJsonProblems } from '../../../../../../test/support/geojson.ts'

const FEED = '/public/v1/aeds.geojson'

/** The Pernik cabinet's readings as a healthy cabinet reports them after it connects. */
function reportsHealthy (api: ApiApp, cabinetId = 'pernik-aed-01'): void {
  api.receive(cabinetId, 'status', { online: true })
  api.receive(cabinetId, 'heartbeat', { temperatureC: 20.9, fw: 'aed-sim/1.0.0' })
  api.receive(cabinetId, 'door', { state: 'closed' })
  api.receive(cabinetId, 'battery', { percent: 100, expires: '2030-11-23' })
  api.receive(cabinetId, 'pads', { expires: '2028-11-23', type: 'adult' })
  api.receive(cabinetId, 'selftest', { result: 'pass', kind: 'daily', faults: [] })
}

async function feed (api: ApiApp, headers: Record<string, string> = {}) {
  const res = await api.app.inject({ method: 'GET', url: FEED, headers })
  return { status: res.statusCode, headers: res.headers, text: res.body, body: res.body === '' ? undefined : JSON.parse(res.body) }
}

const availabilityOf = async (api: ApiApp): Promise<string[]> => (await feed(api)).body.features.map((f: any) => f.properties.availability)

/** A fleet file with a cabinet of each status, one of them with a name a page must escape. */
async function fleetWithEveryStatus (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'aed-public-fleet-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'fleet.yaml')
  await writeFile(file, `
fleet: Test town
sites:
  - id: town-hall
    name: Town hall
    address: Main square 1
    city: Перник
    coordinates: { lat: 42.6057, lon: 23.0327 }
    cabinets:
      - { id: hall-01, status: active, location: Ground floor }
      - { id: hall-02, status: planned, location: Car park }
      - { id: hall-03, status: retired, location: Old wing }
  - id: far-north
    name: Research station
    address: Ice road 1
    city: Longyearbyen
    coordinates: { lat: 78.2232, lon: 15.6267 }
    cabinets:
      - { id: north-01, status: active, location: Mess hall, public: { indoor: yes, access: private } }
`)
  return file
}

t.test('the feed is an RFC 7946 FeatureCollection with one Point per active Pernik cabinet, [longitude, latitude], tagged as OpenStreetMap tags an AED', async t => {
  const api = await apiAppFor(t)
  const res = await feed(api)
  t.equal(res.status, 200)
  t.equal(res.headers['content-type'], 'application/geo+json')
  t.same(geoJsonProblems(res.body), [], 'valid GeoJSON')
  t.same(res.body, {
    type: 'FeatureCollection',
    features: [{
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [23.0327, 42.6057] },
      properties: {
        emergency: 'defibrillator',
        name: 'Община Перник — сграда на общинската администрация',
        'defibrillator:location': 'Партер, до входа',
        'addr:full': 'пл. „Св. Иван Рилски“ 1А',
        'addr:city': 'Перник',
        indoor: 'yes',
        access: 'yes',
        opening_hours: 'Mo-Fr 08:00-17:00',
        availability: 'unavailable',
        updated: null
      }
    }]
  }, 'the two planned cabinets are left out; not heard from yet, the one active is unavailable')
})

t.test('planned and retired cabinets are left out; tags the fleet file does not state are left out too', async t => {
  const api = await apiAppFor(t, { fleetFile: await fleetWithEveryStatus(t) })
  const { body } = await feed(api)
  t.same(geoJsonProblems(body), [])
  t.same(body.features.map((f: any) => f.properties.name), ['Town hall', 'Research station'])
  t.same(body.features.map((f: any) => f.geometry.coordinates), [[23.0327, 42.6057], [15.6267, 78.2232]], 'longitude first')
  t.same(Object.keys(body.features[0].properties).sort(), ['access', 'addr:city', 'addr:full', 'availability', 'defibrillator:location', 'emergency', 'name', 'updated'],
    'no indoor or opening_hours where the fleet file says nothing')
  t.match(body.features[1].properties, { indoor: 'yes', access: 'private', 'defibrillator:location': 'Mess hall' })
})

t.test('the availability follows the live fleet state: available, in use while the door is open, available again when it closes', async t => {
  const api = await apiAppFor(t)
  reportsHealthy(api)
  const ready = await feed(api)
  t.same(ready.body.features[0].properties.availability, 'available')
  t.equal(ready.body.features[0].properties.updated, '2026-11-24T10:00:00.000Z', 'when it last reported')

  await api.time.advance(30_000)
  api.receive('pernik-aed-01', 'door', { state: 'open' })
  const open = await feed(api)
  t.equal(open.body.features[0].properties.availability, 'in_use')
  t.equal(open.body.features[0].properties.updated, '2026-11-24T10:00:30.000Z')

  await api.time.advance(120_000)
  api.receive('pernik-aed-01', 'door', { state: 'closed' })
  t.same(await availabilityOf(api), ['available'])
})

t.test('a fault, a maintenance window or a silent cabinet make it unavailable', async t => {
  const api = await apiAppFor(t)
  reportsHealthy(api)
  api.receive('pernik-aed-01', 'selftest', { result: 'fail', kind: 'manual', faults: ['E12'] })
  t.same(await availabilityOf(api), ['unavailable'], 'self-test failed')
  api.receive('pernik-aed-01', 'selftest', { result: 'pass', kind: 'manual', faults: [] })
  t.same(await availabilityOf(api), ['available'])

  t.equal((await api.as('technician').post('/api/v1/cabinets/pernik-aed-01/maintenance', { minutes: 30, reason: 'pads replacement' })).status, 200)
  t.same(await availabilityOf(api), ['unavailable'], 'in maintenance')
  t.equal((await api.as('technician').delete('/api/v1/cabinets/pernik-aed-01/maintenance')).status, 200)
  t.same(await availabilityOf(api), ['available'])

  // Readiness is re-derived on the ticker's 5 s beat: the first beat after three missed heartbeats.
  await api.time.advance(185_000)
  t.same(await availabilityOf(api), ['unavailable'], 'three heartbeats missed')
})

t.test('nothing internal is published: no cabinet id, fault, reason, alert, maintenance note or person', async t => {
  const api = await apiAppFor(t)
  reportsHealthy(api)
  api.receive('pernik-aed-01', 'selftest', { result: 'fail', kind: 'daily', faults: ['E12'] })
  api.receive('pernik-aed-01', 'battery', { percent: 5, expires: '2030-11-23' })
  api.receive('pernik-aed-01', 'door', { state: 'open' })
  await api.as('technician').post('/api/v1/cabinets/pernik-aed-01/maintenance', { minutes: 30, reason: 'secret-note-4711' })
  t.ok(api.alerts.list().length > 0, 'alerts are open for the cabinet')
  const { text, body } = await feed(api)
  for (const hidden of ['pernik-aed-', 'E12', 'self-test', 'battery', '"door"', '"open"', 'reason', 'maintenance', 'secret-note-4711', '+359', 'Дежурен', 'alert', 'heartbeat', 'aed-sim']) {
    t.notMatch(text, hidden, `no ${hidden}`)
  }
  t.same(Object.keys(body), ['type', 'features'])
  t.same(Object.keys(body.features[0]), ['type', 'geometry', 'properties'])
})

t.test('no token is needed, and one sent is not looked at', async t => {
  const api = await apiAppFor(t)
  t.equal((await api.anonymous.get(FEED)).status, 200)
  t.equal((await api.withAuthorization('Bearer made-up').get(FEED)).status, 200, 'a made-up token is no 401 here')
  t.equal((await api.as('viewer').get(FEED)).status, 200)
})

t.test('a strong ETag from the content: If-None-Match gets 304 until the availability changes', async t => {
  const api = await apiAppFor(t)
  reportsHealthy(api)
  const first = await feed(api)
  const etag = first.headers.etag as string
  t.match(etag, /^"[A-Za-z0-9_-]{43}"$/, 'strong: no W/ prefix')
  t.equal(first.headers['cache-control'], 'public, no-cache')
  await api.time.advance(1_000)
  t.equal((await feed(api)).headers.etag, etag, 'the same content, the same tag, whenever asked')

  const unchanged = await feed(api, { 'if-none-match': etag })
  t.equal(unchanged.status, 304)
  t.equal(unchanged.text, '')
  t.equal(unchanged.headers.etag, etag)
  t.equal(unchanged.headers['cache-control'], 'public, no-cache')
  t.equal((await feed(api, { 'if-none-match': `"other", W/${etag}` })).status, 304, 'in a list, compared weakly as RFC 9110 says')
  t.equal((await feed(api, { 'if-none-match': '*' })).status, 304)
  t.equal((await feed(api, { 'if-none-match': '"something-else"' })).status, 200)

  api.receive('pernik-aed-01', 'door', { state: 'open' })
  const changed = await feed(api, { 'if-none-match': etag })
  t.equal(changed.status, 200, 'the door opened: the cached copy is stale at once')
  t.equal(changed.body.features[0].properties.availability, 'in_use')
  t.not(changed.headers.etag, etag)
})

t.test('HEAD answers with the headers of GET and no body', async t => {
  const api = await apiAppFor(t)
  const get = await feed(api)
  const head = await api.app.inject({ method: 'HEAD', url: FEED })
  t.equal(head.statusCode, 200)
  t.equal(head.body, '')
  t.equal(head.headers.etag, get.headers.etag)
  t.equal(head.headers['content-type'], 'application/geo+json')
  t.equal(head.headers['access-control-allow-origin'], '*')
})

t.test('any web page may read the feed (CORS), reading only', async t => {
  const api = await apiAppFor(t)
  const res = await feed(api, { origin: 'https://maps.example.org' })
  t.equal(res.headers['access-control-allow-origin'], '*')
  t.match(res.headers['access-control-expose-headers'], 'ETag')
  t.equal(res.headers['access-control-allow-credentials'], undefined, 'no credentials')
  t.equal(res.headers['cross-origin-resource-policy'], 'cross-origin', 'helmet\'s same-origin policy would stop other sites')
  t.equal(res.headers['content-security-policy'], "default-src 'none';frame-ancestors 'none'", 'otherwise the security headers of every answer')
  t.equal(res.headers['x-content-type-options'], 'nosniff')
  t.equal(res.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains')

  const preflight = await api.app.inject({
    method: 'OPTIONS',
    url: FEED,
    headers: { origin: 'https://maps.example.org', 'access-control-request-method': 'GET', 'access-control-request-headers': 'if-none-match' }
  })
  t.equal(preflight.statusCode, 204)
  t.equal(preflight.headers['access-control-allow-origin'], '*')
  t.equal(preflight.headers['access-control-allow-methods'], 'GET, HEAD')
  t.equal(preflight.headers['access-control-allow-headers'], 'If-None-Match')

  for (const method of ['POST', 'PUT', 'DELETE'] as const) {
    t.equal((await api.app.inject({ method, url: FEED, headers: { origin: 'https://maps.example.org' } })).statusCode, 404, `${method} is no route`)
  }
})

t.test('each client address gets PUBLIC_RATE_LIMIT requests per window, then 429 with Retry-After, still readable cross-origin', async t => {
  const api = await apiAppFor(t, { settings: { PUBLIC_RATE_LIMIT: '3', RATE_LIMIT_WINDOW_S: '60' } })
  const phone = api.from({ address: '203.0.113.7' })
  const first = await phone.get(FEED)
  t.equal(first.headers['x-ratelimit-limit'], '3')
  t.equal(first.headers['x-ratelimit-remaining'], '2')
  t.equal((await phone.get(FEED)).status, 200)
  t.equal((await phone.get('/')).status, 200, 'the page counts against the same limit')
  const over = await phone.get(FEED)
  t.equal(over.status, 429)
  t.equal(over.headers['retry-after'], '60')
  t.same(over.body, { error: 'too_many_requests', message: 'too many requests; try again in 60 s' })
  t.equal(over.headers['access-control-allow-origin'], '*', 'a page on another site can see why')
  t.equal((await api.from({ address: '203.0.113.8' }).get(FEED)).status, 200, 'another address has its own count')
  t.equal((await api.as('viewer', { address: '203.0.113.7' }).get('/api/v1/cabinets')).status, 200, 'the API keeps its own limits')
  t.same(api.logs.filter(entry => entry.msg === 'rate limit reached').map(({ limit, key }) => ({ limit, key })),
    [{ limit: 'public', key: 'address:203.0.113.7' }], 'logged once')

  await api.time.advance(60_000)
  t.equal((await phone.get(FEED)).status, 200, 'a new window')
})

t.test('the OpenAPI document describes the feed', async t => {
  const api = await apiAppFor(t)
  const doc = (await api.anonymous.get('/openapi.json')).body
  t.ok(doc.paths[FEED]?.get, FEED)
  t.ok(doc.paths[FEED].get.responses['200'].content['application/geo+json'].schema, 'with its answer\'s schema, as GeoJSON')
})
