import t from 'tap'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { API_TEST_START, apiAppFor, buildApiApp, type ApiApp } from '../../../../../test/support/api-app.ts'
import { API_TOKENS_FILE } from '../../access/issued-tokens.ts'

async function issue (api: ApiApp, body: Record<string, unknown>) {
  const res = await api.as('admin').post('/api/v1/tokens', body)
  if (res.status !== 201) throw new Error(`POST /api/v1/tokens: ${res.status} ${res.text}`)
  return res.body as { id: string, token: string, name: string, role: string }
}

const bearer = (api: ApiApp, token: string) => api.withAuthorization(`Bearer ${token}`)

t.test('an admin issues a token: shown once, not cached, in force at once with its role and under its name', async t => {
  const api = await apiAppFor(t)
  const res = await api.as('admin').post('/api/v1/tokens', { name: 'night-desk', role: 'responder' })
  t.equal(res.status, 201)
  t.equal(res.headers['cache-control'], 'no-store')
  t.match(res.body, { id: /^[A-Za-z0-9_-]{12}$/, token: /^[A-Za-z0-9_-]{43}$/, name: 'night-desk', role: 'responder', createdAt: API_TEST_START, createdBy: 'admin', expiresAt: null, lastUsedAt: null })
  t.equal(Buffer.from(res.body.token, 'base64url').length, 32, '256 random bits')

  api.receive('pernik-aed-01', 'door', { state: 'open' })
  const [alert] = api.alerts.list()
  const desk = bearer(api, res.body.token)
  t.equal((await desk.get('/api/v1/alerts')).status, 200)
  t.match((await desk.post(`/api/v1/alerts/${alert!.id}/ack`)).body, { status: 'acknowledged', acknowledgedBy: 'night-desk' })
  const refused = await desk.post('/api/v1/cabinets/pernik-aed-01/maintenance', { minutes: 30 })
  t.equal(refused.status, 403)
  t.same(refused.body, { error: 'forbidden', message: 'this needs the technician role' })
})

t.test('every issued token is listed with its name, role, creation, expiry and last use, never the token or its digest', async t => {
  const api = await apiAppFor(t)
  const wall = await issue(api, { name: 'grafana-wall', role: 'viewer' })
  const tech = await issue(api, { name: 'field-team', role: 'technician', expiresInDays: 90 })
  await api.time.advance(60_000)
  t.equal((await bearer(api, wall.token).get('/api/v1/cabinets')).status, 200)

  const res = await api.as('admin').get('/api/v1/tokens')
  t.equal(res.status, 200)
  t.same(res.body, {
    tokens: [
      { id: wall.id, name: 'grafana-wall', role: 'viewer', createdAt: API_TEST_START, createdBy: 'admin', expiresAt: null, lastUsedAt: '2026-11-24T10:01:00.000Z' },
      { id: tech.id, name: 'field-team', role: 'technician', createdAt: API_TEST_START, createdBy: 'admin', expiresAt: '2027-02-22T10:00:00.000Z', lastUsedAt: null }
    ]
  })
  for (const { token } of [wall, tech]) {
    t.notMatch(res.text, token, 'no token value')
    t.notMatch(res.text, createHash('sha256').update(token).digest('hex'), 'no digest')
  }
})

t.test('a revoked token is refused from the moment the revocation is answered', async t => {
  const api = await apiAppFor(t)
  const { id, token } = await issue(api, { name: 'grafana-wall', role: 'viewer' })
  const other = await issue(api, { name: 'field-team', role: 'technician' })
  t.equal((await bearer(api, token).get('/api/v1/cabinets')).status, 200)

  const res = await api.as('admin').delete(`/api/v1/tokens/${id}`)
  t.equal(res.status, 204)
  t.equal(res.text, '')
  const refused = await bearer(api, token).get('/api/v1/cabinets')
  t.equal(refused.status, 401)
  t.equal(refused.headers['www-authenticate'], 'Bearer realm="aed"')
  t.same((await api.as('admin').get('/api/v1/tokens')).body.tokens.map((l: { id: string }) => l.id), [other.id], 'no longer listed')
  t.equal((await bearer(api, other.token).get('/api/v1/cabinets')).status, 200, 'the other token still works')

  const again = await api.as('admin').delete(`/api/v1/tokens/${id}`)
  t.equal(again.status, 404)
  t.same(again.body, { error: 'not_found', message: `token ${id} not found` })
  t.equal((await api.as('admin').delete('/api/v1/tokens/not-an-id')).status, 400, 'a malformed id')
})

t.test('a token is refused from its expiry on, and stays listed until revoked', async t => {
  const api = await apiAppFor(t)
  const { id, token } = await issue(api, { name: 'contractor', role: 'technician', expiresInDays: 1 })
  await api.time.advance(86_400_000 - 1)
  t.equal((await bearer(api, token).get('/api/v1/cabinets')).status, 200, 'a millisecond before it expires')
  await api.time.advance(1)
  t.equal((await bearer(api, token).get('/api/v1/cabinets')).status, 401, 'at its expiry')
  t.match((await api.as('admin').get('/api/v1/tokens')).body.tokens, [{ id, expiresAt: '2026-11-25T10:00:00.000Z', lastUsedAt: '2026-11-25T09:59:59.999Z' }])
})

t.test('the token file holds each token only as its SHA-256 digest, readable by the monitor\'s user alone', async t => {
  const api = await apiAppFor(t)
  const { id, token } = await issue(api, { name: 'grafana-wall', role: 'viewer' })
  const path = join(api.dataDir, API_TOKENS_FILE)
  const text = await readFile(path, 'utf8')
  t.notMatch(text, token, 'no token value')
  t.match(JSON.parse(text), { version: 1, tokens: [{ id, name: 'grafana-wall', role: 'viewer', sha256: createHash('sha256').update(token).digest('hex') }] })
  t.equal((await stat(path)).mode & 0o777, 0o600)
})

t.test('issued tokens survive a restart; a revoked one stays revoked, and the last use is kept', async t => {
  const dataDir = await mkdtemp(join(tmpdir(), 'aed-tokens-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const before = await buildApiApp({ dataDir })
  const kept = await issue(before, { name: 'grafana-wall', role: 'viewer' })
  const revoked = await issue(before, { name: 'old-laptop', role: 'admin' })
  await before.as('admin').delete(`/api/v1/tokens/${revoked.id}`)
  await before.time.advance(60_000)
  t.equal((await bearer(before, kept.token).get('/api/v1/cabinets')).status, 200)
  await before.close()

  const after = await buildApiApp({ dataDir })
  t.teardown(() => after.close())
  t.match((await after.as('admin').get('/api/v1/tokens')).body.tokens, [{ id: kept.id, name: 'grafana-wall', lastUsedAt: '2026-11-24T10:01:00.000Z' }], 'listed as before, with its last use')
  t.equal((await bearer(after, kept.token).get('/api/v1/cabinets')).status, 200, 'the kept token works')
  t.equal((await bearer(after, revoked.token).get('/api/v1/cabinets')).status, 401, 'the revoked one does not')
})

t.test('a name, role or expiry outside the schema is a 400 naming it, and issues nothing', async t => {
  const api = await apiAppFor(t)
  for (const [body, field] of [
    [{ name: 'Grafana Wall', role: 'viewer' }, 'name'],
    [{ name: 'admin', role: 'viewer' }, 'name'],
    [{ name: 'system', role: 'viewer' }, 'name'],
    [{ name: '', role: 'viewer' }, 'name'],
    [{ name: 'x'.repeat(65), role: 'viewer' }, 'name'],
    [{ role: 'viewer' }, 'name'],
    [{ name: 'desk', role: 'operator' }, 'role'],
    [{ name: 'desk', role: 'root' }, 'role'],
    [{ name: 'desk' }, 'role'],
    [{ name: 'desk', role: 'viewer', expiresInDays: 0 }, 'expiresInDays'],
    [{ name: 'desk', role: 'viewer', expiresInDays: 3651 }, 'expiresInDays'],
    [{ name: 'desk', role: 'viewer', expiresInDays: 1.5 }, 'expiresInDays'],
    [{ name: 'desk', role: 'viewer', expiresInDays: '30' }, 'expiresInDays']
  ] as Array<[Record<string, unknown>, string]>) {
    const res = await api.as('admin').post('/api/v1/tokens', body)
    t.equal(res.status, 400, JSON.stringify(body))
    t.match(res.body, { error: 'bad_request', message: 'invalid body', details: [new RegExp(`^/${field}: `)] }, JSON.stringify(body))
  }
  t.same((await api.as('admin').get('/api/v1/tokens')).body, { tokens: [] })
})
