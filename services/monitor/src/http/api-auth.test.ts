import t from 'tap'
import { readFile } from 'node:fs/promises'
import { API_PRINCIPALS, apiAppFor, type ApiClient } from '../../../../test/support/api-app.ts'
import type { ApiRole } from './api-auth.ts'

/** Every route under /api/v1 and the least role it needs (docs/api.md). */
const ROUTES: Array<{ method: 'GET' | 'POST' | 'DELETE', url: string, role: ApiRole, body?: unknown }> = [
  { method: 'GET', url: '/api/v1/cabinets', role: 'viewer' },
  { method: 'GET', url: '/api/v1/cabinets/pernik-aed-01', role: 'viewer' },
  { method: 'POST', url: '/api/v1/cabinets/pernik-aed-01/credentials', role: 'admin' },
  { method: 'POST', url: '/api/v1/cabinets/pernik-aed-01/commands', role: 'technician', body: { cmd: 'report' } },
  { method: 'POST', url: '/api/v1/cabinets/pernik-aed-01/maintenance', role: 'technician', body: { minutes: 30 } },
  { method: 'DELETE', url: '/api/v1/cabinets/pernik-aed-01/maintenance', role: 'technician' },
  { method: 'GET', url: '/api/v1/alerts', role: 'viewer' },
  { method: 'GET', url: '/api/v1/alerts/no-such-alert', role: 'viewer' },
  { method: 'POST', url: '/api/v1/alerts/no-such-alert/ack', role: 'responder' },
  { method: 'POST', url: '/api/v1/alerts/no-such-alert/resolve', role: 'responder' },
  { method: 'POST', url: '/api/v1/tokens', role: 'admin', body: { name: 'grafana-wall', role: 'viewer' } },
  { method: 'GET', url: '/api/v1/tokens', role: 'admin' },
  { method: 'DELETE', url: '/api/v1/tokens/no-such-tok1', role: 'admin' },
  { method: 'GET', url: '/api/v1/audit', role: 'admin' },
  { method: 'GET', url: '/api/v1/reports/readiness', role: 'viewer' }
]
const RANK: ApiRole[] = ['viewer', 'responder', 'technician', 'admin']

function send (client: ApiClient, route: typeof ROUTES[number]) {
  if (route.method === 'GET') return client.get(route.url)
  if (route.method === 'DELETE') return client.delete(route.url)
  return client.post(route.url, route.body)
}

t.test('without an Authorization header every API route answers 401 with a Bearer challenge', async t => {
  const api = await apiAppFor(t)
  for (const route of ROUTES) {
    const res = await send(api.anonymous, route)
    t.equal(res.status, 401, `${route.method} ${route.url}`)
    t.equal(res.headers['www-authenticate'], 'Bearer realm="aed"')
    t.same(res.body, { error: 'unauthorized', message: 'a valid bearer token is required' })
  }
})

t.test('an unknown token, an empty one, or a token without the Bearer scheme is refused', async t => {
  const api = await apiAppFor(t)
  for (const header of [
    'Bearer not-a-token',
    'Bearer ',
    'Bearer     ',
    'Bearer',
    API_PRINCIPALS.admin.token,
    `Basic ${API_PRINCIPALS.admin.token}`,
    `Token ${API_PRINCIPALS.admin.token}`,
    `Bearer ${API_PRINCIPALS.admin.token}x`
  ]) {
    const res = await api.withAuthorization(header).get('/api/v1/cabinets')
    t.equal(res.status, 401, JSON.stringify(header))
    t.equal(res.body.error, 'unauthorized')
  }
})

t.test('a known token is accepted with surrounding spaces after the scheme', async t => {
  const api = await apiAppFor(t)
  const res = await api.withAuthorization(`Bearer  ${API_PRINCIPALS.viewer.token} `).get('/api/v1/cabinets')
  t.equal(res.status, 200)
})

t.test('each role may use exactly the routes of its rank and below; a lower one gets 403 naming the role needed', async t => {
  for (const route of ROUTES) {
    for (const role of RANK) {
      const api = await apiAppFor(t)
      const res = await send(api.as(role), route)
      const allowed = RANK.indexOf(role) >= RANK.indexOf(route.role)
      if (allowed) {
        t.not(res.status, 401, `${role} is authenticated on ${route.method} ${route.url}`)
        t.not(res.status, 403, `${role} may ${route.method} ${route.url}`)
      } else {
        t.equal(res.status, 403, `${role} may not ${route.method} ${route.url}`)
        t.same(res.body, { error: 'forbidden', message: `this needs the ${route.role} role` })
      }
    }
  }
})

t.test('a viewer can read cabinets and alerts but changes nothing: no alert, window, command, secret or token', async t => {
  const api = await apiAppFor(t)
  api.receive('pernik-aed-01', 'door', { state: 'open' })
  const [alert] = api.alerts.list()
  t.ok(alert, 'the open door raised an alert')
  const viewer = api.as('viewer')

  t.equal((await viewer.get('/api/v1/cabinets')).status, 200)
  t.equal((await viewer.get('/api/v1/cabinets/pernik-aed-01')).body.readiness.state, 'in_use')
  t.equal((await viewer.get('/api/v1/alerts')).body.alerts.length, 1)
  t.equal((await viewer.get(`/api/v1/alerts/${alert!.id}`)).body.status, 'open')

  const issued = await api.as('admin').post('/api/v1/tokens', { name: 'grafana-wall', role: 'viewer' })
  t.equal((await viewer.post(`/api/v1/alerts/${alert!.id}/ack`)).status, 403)
  t.equal((await viewer.post(`/api/v1/alerts/${alert!.id}/resolve`)).status, 403)
  t.equal((await viewer.post('/api/v1/cabinets/pernik-aed-01/maintenance', {})).status, 403)
  t.equal((await viewer.delete('/api/v1/cabinets/pernik-aed-01/maintenance')).status, 403)
  t.equal((await viewer.post('/api/v1/cabinets/pernik-aed-01/commands', { cmd: 'selftest' })).status, 403)
  t.equal((await viewer.post('/api/v1/cabinets/pernik-aed-01/credentials')).status, 403)
  t.equal((await viewer.post('/api/v1/tokens', { name: 'my-own', role: 'admin' })).status, 403)
  t.equal((await viewer.get('/api/v1/tokens')).status, 403)
  t.equal((await viewer.get('/api/v1/audit')).status, 403)
  t.equal((await viewer.delete(`/api/v1/tokens/${issued.body.id}`)).status, 403)
  t.equal(api.alerts.get(alert!.id)?.status, 'open', 'the alert is as it was')
  t.equal(api.fleet.get('pernik-aed-01')?.maintenanceUntilMs, undefined, 'no maintenance window was opened')
  t.equal(await api.credentials.find('pernik-aed-01'), undefined, 'no secret was issued')
  t.same(api.issuedTokens.list().map(l => l.name), ['grafana-wall'], 'no token was issued or revoked')
})

t.test('a responder acknowledges and resolves alerts, but opens no maintenance window and sends no command', async t => {
  const api = await apiAppFor(t)
  api.receive('pernik-aed-01', 'door', { state: 'open' })
  const [alert] = api.alerts.list()
  const responder = api.as('responder')
  t.match((await responder.post(`/api/v1/alerts/${alert!.id}/ack`)).body, { status: 'acknowledged', acknowledgedBy: 'dispatch-desk' })
  t.match((await responder.post(`/api/v1/alerts/${alert!.id}/resolve`)).body, { status: 'resolved', resolvedBy: 'dispatch-desk' })
  t.equal((await responder.post('/api/v1/cabinets/pernik-aed-01/maintenance', { minutes: 30 })).status, 403)
  t.equal((await responder.delete('/api/v1/cabinets/pernik-aed-01/maintenance')).status, 403)
  t.equal((await responder.post('/api/v1/cabinets/pernik-aed-01/commands', { cmd: 'report' })).status, 403)
  t.equal(api.fleet.get('pernik-aed-01')?.maintenanceUntilMs, undefined, 'no maintenance window was opened')
})

t.test('a technician opens and ends maintenance windows, but issues no cabinet secret', async t => {
  const api = await apiAppFor(t)
  const technician = api.as('technician')
  t.match((await technician.post('/api/v1/cabinets/pernik-aed-01/maintenance', { minutes: 30 })).body, { readiness: { state: 'maintenance' } })
  t.match((await technician.delete('/api/v1/cabinets/pernik-aed-01/maintenance')).body, { maintenance: { active: false } })
  t.equal((await technician.post('/api/v1/cabinets/pernik-aed-01/credentials')).status, 403)
  t.equal(await api.credentials.find('pernik-aed-01'), undefined, 'no secret was issued')
})

t.test('the role is checked before the request is looked at: a viewer learns nothing from a bad id, body or unknown cabinet', async t => {
  const api = await apiAppFor(t)
  const viewer = api.as('viewer')
  t.equal((await viewer.post('/api/v1/cabinets/pernik-aed-01/commands', { cmd: 'dance' })).status, 403, 'unknown command')
  t.equal((await viewer.post('/api/v1/cabinets/NOT_AN_ID/commands', { cmd: 'report' })).status, 403, 'malformed id')
  t.equal((await viewer.post('/api/v1/cabinets/sofia-aed-99/maintenance', {})).status, 403, 'unknown cabinet')
  t.equal((await viewer.post('/api/v1/cabinets/pernik-aed-01/maintenance', '{"minutes": ')).status, 403, 'a body that is not JSON')
  t.equal((await api.as('technician').post('/api/v1/cabinets/sofia-aed-99/credentials')).status, 403, 'a technician asking for an unknown cabinet\'s secret')
  t.equal((await api.as('responder').post('/api/v1/cabinets/sofia-aed-99/maintenance', {})).status, 403, 'a responder opening a window on an unknown cabinet')
})

t.test('probes, metrics and the OpenAPI document need no token', async t => {
  const api = await apiAppFor(t)
  for (const url of ['/healthz', '/readyz', '/metrics', '/openapi.json']) {
    const res = await api.anonymous.get(url)
    t.not(res.status, 401, url)
    t.not(res.status, 403, url)
  }
})

t.test('docs/api.md names the same role for every API route', async t => {
  const docs = await readFile(new URL('../../../../docs/api.md', import.meta.url), 'utf8')
  const documented = [...docs.matchAll(/^\| `(GET|POST|DELETE) (\/api\/v1\/[^`]+)` \| (\w+) \|/gm)]
    .map(([, method, path, role]) => `${method} ${path} ${role}`)
  const specified = ROUTES.map(route => `${route.method} ${route.url.replace(/pernik-aed-01|no-such-alert|no-such-tok1/, '{id}')} ${route.role}`)
  t.same(documented.sort(), specified.sort())
})
