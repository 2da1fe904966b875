import t from 'tap'
import { apiAppFor, type ApiClient } from '../../../../test/support/api-app.ts'

async function statuses (client: ApiClient, url: string, times: number): Promise<number[]> {
  const result: number[] = []
  for (let i = 0; i < times; i++) result.push((await client.get(url)).status)
  return result
}

t.test('an API token gets 429 with Retry-After once it used up API_RATE_LIMIT in a window, and is let in again when the window has passed', async t => {
  const api = await apiAppFor(t, { settings: { API_RATE_LIMIT: '5', RATE_LIMIT_WINDOW_S: '60' } })
  const viewer = api.as('viewer')
  const first = await viewer.get('/api/v1/cabinets')
  t.equal(first.headers['x-ratelimit-limit'], '5')
  t.equal(first.headers['x-ratelimit-remaining'], '4')
  t.same(await statuses(viewer, '/api/v1/cabinets', 4), [200, 200, 200, 200])

  const refused = await viewer.get('/api/v1/cabinets')
  t.equal(refused.status, 429)
  t.equal(refused.headers['retry-after'], '60')
  t.same(refused.body, { error: 'too_many_requests', message: 'too many requests; try again in 60 s' })

  await api.time.advance(45_000)
  const later = await viewer.get('/api/v1/alerts')
  t.equal(later.status, 429, 'every route of the API shares the limit')
  t.equal(later.headers['retry-after'], '15')

  await api.time.advance(15_000)
  t.equal((await viewer.get('/api/v1/cabinets')).status, 200, 'a new window')
  t.same(api.logs.filter(entry => entry.msg === 'rate limit reached').map(({ limit, key, retryAfterS }) => ({ limit, key, retryAfterS })),
    [{ limit: 'api', key: 'token:test-viewer', retryAfterS: 60 }], 'logged once for the window, naming the token by its id')
})

t.test('each token has its own limit: one over its limit holds back no other', async t => {
  const api = await apiAppFor(t, { settings: { API_RATE_LIMIT: '3' } })
  const issued = (await api.as('admin').post('/api/v1/tokens', { name: 'grafana-wall', role: 'viewer' })).body.token as string
  t.same(await statuses(api.as('viewer'), '/api/v1/cabinets', 4), [200, 200, 200, 429])
  t.same(await statuses(api.as('responder'), '/api/v1/cabinets', 3), [200, 200, 200])
  t.same(await statuses(api.withAuthorization(`Bearer ${issued}`), '/api/v1/cabinets', 4), [200, 200, 200, 429], 'an issued token, counted by itself')
})

t.test('without a valid token, requests count against the client address before they are refused: made-up tokens buy no fresh counter', async t => {
  const api = await apiAppFor(t, { settings: { API_RATE_LIMIT_UNAUTHENTICATED: '3' } })
  const from = { address: '192.0.2.1' }
  const tries = [1, 2, 3].map(i => api.withAuthorization(`Bearer made-up-${i}`, from))
  for (const client of tries) t.equal((await client.get('/api/v1/cabinets')).status, 401)
  const over = await api.withAuthorization('Bearer made-up-4', from).get('/api/v1/cabinets')
  t.equal(over.status, 429)
  t.equal(over.headers['retry-after'], '60')
  t.equal((await api.from(from).get('/api/v1/cabinets')).status, 429, 'nor without a token')
  t.equal((await api.from({ address: '192.0.2.2' }).get('/api/v1/cabinets')).status, 401, 'another address has its own counter')
  t.equal((await api.as('viewer', from).get('/api/v1/cabinets')).status, 200, 'a valid token from the same address counts against the token')
})

t.test('an IPv6 client counts by its /64', async t => {
  const api = await apiAppFor(t, { settings: { API_RATE_LIMIT_UNAUTHENTICATED: '2' } })
  t.equal((await api.from({ address: '2001:db8::1' }).get('/api/v1/cabinets')).status, 401)
  t.equal((await api.from({ address: '2001:db8::ffff:2' }).get('/api/v1/cabinets')).status, 401)
  t.equal((await api.from({ address: '2001:db8::3' }).get('/api/v1/cabinets')).status, 429, 'the same /64')
  t.equal((await api.from({ address: '2001:db8:0:1::1' }).get('/api/v1/cabinets')).status, 401, 'the next /64')
})

t.test('the acknowledgement pages are limited per address, more strictly, and say so in both languages', async t => {
  const api = await apiAppFor(t, { settings: { ACK_RATE_LIMIT: '2' } })
  api.receive('pernik-aed-01', 'door', { state: 'open' })
  const [alert] = api.alerts.list()
  const path = api.ackPath(alert!.id, 'duty-day')
  const phone = api.from({ address: '203.0.113.50' })
  t.same(await statuses(phone, path, 2), [200, 200])
  const over = await phone.post(path, '', 'application/x-www-form-urlencoded')
  t.equal(over.status, 429)
  t.equal(over.headers['retry-after'], '60')
  t.match(over.headers['content-type'], 'text/html; charset=utf-8')
  t.match(over.text, 'Твърде много опити')
  t.match(over.text, 'Опитайте отново след 60 секунди')
  t.match(over.text, 'Too many attempts')
  t.match(over.headers['content-security-policy'], "style-src 'unsafe-inline'", 'with the page\'s own headers')
  t.equal(over.headers['cache-control'], 'no-store')
  t.equal(api.alerts.get(alert!.id)?.status, 'open', 'the refused press acknowledged nothing')

  t.match(api.logs.filter(entry => entry.msg === 'rate limit reached'), [{ limit: 'ack_pages', key: 'address:203.0.113.50' }])
  t.equal((await api.from({ address: '203.0.113.51' }).get(path)).status, 200, 'another phone')
  t.equal((await api.as('viewer', { address: '203.0.113.50' }).get('/api/v1/cabinets')).status, 200, 'the API keeps its own limits')
})

t.test('the default limits: 600 requests a minute per token, 60 per address without one, 30 to the acknowledgement pages', async t => {
  const api = await apiAppFor(t)
  t.equal((await api.as('viewer').get('/api/v1/cabinets')).headers['x-ratelimit-limit'], '600')
  t.equal((await api.anonymous.get('/api/v1/cabinets')).headers['x-ratelimit-limit'], '60')
  t.equal((await api.anonymous.get('/a/not-a-link')).headers['x-ratelimit-limit'], '30')
})

t.test('behind a trusted proxy the client is the address it forwards, for the limits and the audit trail; from anyone else the header is ignored', async t => {
  const api = await apiAppFor(t, { settings: { TRUST_PROXY: '10.0.0.5, 10.0.1.0/24', API_RATE_LIMIT_UNAUTHENTICATED: '1' } })
  const viaProxy = (client: string) => api.from({ address: '10.0.0.5', forwardedFor: client })
  t.equal((await viaProxy('203.0.113.1').get('/api/v1/cabinets')).status, 401)
  t.equal((await viaProxy('203.0.113.2').get('/api/v1/cabinets')).status, 401, 'another client behind the proxy')
  t.equal((await viaProxy('203.0.113.1').get('/api/v1/cabinets')).status, 429, 'the first client again')
  t.equal((await api.from({ address: '10.0.1.9', forwardedFor: '203.0.113.3' }).get('/api/v1/cabinets')).status, 401, 'a proxy in the trusted range')

  const spoofer = (client: string) => api.from({ address: '198.51.100.9', forwardedFor: client })
  t.equal((await spoofer('203.0.113.4').get('/api/v1/cabinets')).status, 401)
  t.equal((await spoofer('203.0.113.5').get('/api/v1/cabinets')).status, 429, 'counted as itself, whatever it claims')

  await api.as('technician', { address: '10.0.0.5', forwardedFor: '203.0.113.7' }).post('/api/v1/cabinets/pernik-aed-01/maintenance', { minutes: 30 })
  await api.as('technician', { address: '198.51.100.9', forwardedFor: '203.0.113.8' }).delete('/api/v1/cabinets/pernik-aed-01/maintenance')
  t.same((await api.audit.read({ limit: 10 })).map(e => `${e.action} ${e.address}`), ['maintenance.ended 198.51.100.9', 'maintenance.started 203.0.113.7'])
})
