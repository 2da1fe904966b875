import t from 'tap'
import { apiAppFor, type ApiApp } from '../../../../../test/support/api-app.ts'
import type { Alert } from '../../alerts/alert.ts'

/**
 * Four alerts raised by the rules from pernik-aed-01's messages, one minute
 * apart: its door opened, its battery ran low, the door closed (door_open
 * resolved, then the post-use inspection task), a self-test failed and the
 * dispatch desk acknowledged that.
 */
async function fourAlerts (api: ApiApp) {
  api.receive('pernik-aed-01', 'door', { state: 'open' })
  await api.time.advance(60_000)
  api.receive('pernik-aed-01', 'battery', { percent: 20 })
  await api.time.advance(60_000)
  api.receive('pernik-aed-01', 'door', { state: 'closed' })
  await api.time.advance(60_000)
  api.receive('pernik-aed-01', 'selftest', { result: 'fail', kind: 'daily', faults: ['E12'] })
  await api.time.advance(60_000)
  const find = (kind: Alert['kind']): Alert => {
    const alert = api.alerts.list({ kind })[0]
    if (alert === undefined) throw new Error(`no ${kind} alert`)
    return alert
  }
  const selftest = find('selftest_failed')
  api.alerts.acknowledge(selftest.id, 'dispatch-desk')
  return { door: find('door_open'), battery: find('battery_low'), inspection: find('post_use_inspection'), selftest }
}

async function listed (api: ApiApp, query: string): Promise<string[]> {
  const res = await api.as('viewer').get(`/api/v1/alerts${query}`)
  if (res.status !== 200) throw new Error(`GET /api/v1/alerts${query}: ${res.status} ${res.text}`)
  return res.body.alerts.map((a: Alert) => a.id)
}

t.test('GET /alerts lists every alert newest first, as the lifecycle holds it', async t => {
  const api = await apiAppFor(t)
  t.same((await api.as('viewer').get('/api/v1/alerts')).body, { alerts: [] }, 'none before any message')
  const { door, battery, inspection, selftest } = await fourAlerts(api)
  const res = await api.as('viewer').get('/api/v1/alerts')
  t.equal(res.status, 200)
  t.same(res.body.alerts.map((a: Alert) => a.id), [selftest.id, inspection.id, battery.id, door.id])
  t.match(res.body.alerts[3], {
    cabinetId: 'pernik-aed-01',
    kind: 'door_open',
    severity: 'critical',
    status: 'resolved',
    task: false,
    openedAt: '2026-11-24T10:00:00.000Z',
    resolvedAt: '2026-11-24T10:02:00.000Z',
    resolvedBy: 'system',
    escalationLevel: 0,
    facts: { openedAt: '2026-11-24T10:00:00.000Z' }
  })
  t.match(res.body.alerts[1], { kind: 'post_use_inspection', task: true, status: 'open', facts: { doorAlertId: door.id } })
  t.match(res.body.alerts[0], { kind: 'selftest_failed', severity: 'critical', status: 'acknowledged', acknowledgedBy: 'dispatch-desk', acknowledgedAt: '2026-11-24T10:04:00.000Z' })
})

t.test('GET /alerts filters by status, "live" being open or acknowledged', async t => {
  const api = await apiAppFor(t)
  const { door, battery, inspection, selftest } = await fourAlerts(api)
  t.same(await listed(api, '?status=open'), [inspection.id, battery.id])
  t.same(await listed(api, '?status=acknowledged'), [selftest.id])
  t.same(await listed(api, '?status=resolved'), [door.id])
  t.same(await listed(api, '?status=live'), [selftest.id, inspection.id, battery.id])
})

t.test('GET /alerts filters by cabinet and by kind, and filters combine', async t => {
  const api = await apiAppFor(t)
  const { door, battery, inspection, selftest } = await fourAlerts(api)
  t.same(await listed(api, '?cabinet=pernik-aed-01'), [selftest.id, inspection.id, battery.id, door.id])
  t.same(await listed(api, '?cabinet=pernik-aed-02'), [], 'a fleet cabinet without alerts')
  t.same(await listed(api, '?kind=battery_low'), [battery.id])
  t.same(await listed(api, '?kind=offline'), [])
  t.same(await listed(api, '?cabinet=pernik-aed-01&status=live'), [selftest.id, inspection.id, battery.id])
  t.same(await listed(api, '?cabinet=pernik-aed-02&status=live'), [])
  t.same(await listed(api, '?cabinet=pernik-aed-01&kind=door_open&status=open'), [])
})

t.test('GET /alerts filters by opening time; since and until are both inclusive', async t => {
  const api = await apiAppFor(t)
  const { door, battery, inspection, selftest } = await fourAlerts(api)
  t.same(await listed(api, '?since=2026-11-24T10:01:00Z'), [selftest.id, inspection.id, battery.id])
  t.same(await listed(api, '?until=2026-11-24T10:01:00Z'), [battery.id, door.id])
  t.same(await listed(api, '?since=2026-11-24T10:01:00.000Z&until=2026-11-24T10:02:00.000Z'), [inspection.id, battery.id])
  t.same(await listed(api, '?since=2026-11-24T10:03:00.001Z'), [])
})

t.test('GET /alerts answers 400 naming the bad parameter', async t => {
  const api = await apiAppFor(t)
  for (const [query, parameter] of [
    ['status=sleeping', 'status'],
    ['status=OPEN', 'status'],
    ['kind=fire', 'kind'],
    ['cabinet=NOT_AN_ID', 'cabinet'],
    ['since=yesterday', 'since'],
    ['since=2026-11-24', 'since'],
    ['since=2026-11-24T12:00:00%2B02:00', 'since'],
    ['until=1795000000000', 'until']
  ] as Array<[string, string]>) {
    const res = await api.as('viewer').get(`/api/v1/alerts?${query}`)
    t.equal(res.status, 400, query)
    t.match(res.body, { error: 'bad_request', message: 'invalid querystring', details: [new RegExp(`^/${parameter}: `)] }, query)
  }
})

t.test('GET /alerts/{id} is the alert, or 404', async t => {
  const api = await apiAppFor(t)
  const { battery } = await fourAlerts(api)
  const res = await api.as('viewer').get(`/api/v1/alerts/${battery.id}`)
  t.equal(res.status, 200)
  t.same(res.body, JSON.parse(JSON.stringify(battery)))
  const unknown = await api.as('viewer').get('/api/v1/alerts/Qafecr7h')
  t.equal(unknown.status, 404)
  t.same(unknown.body, { error: 'not_found', message: 'alert Qafecr7h not found' })
  t.equal((await api.as('viewer').get(`/api/v1/alerts/${'x'.repeat(65)}`)).status, 400, 'an id longer than any alert id')
})

t.test('POST /alerts/{id}/ack acknowledges an open alert as the token\'s principal, at the monitor\'s time', async t => {
  const api = await apiAppFor(t)
  const { battery, selftest } = await fourAlerts(api)
  const res = await api.as('responder').post(`/api/v1/alerts/${battery.id}/ack`)
  t.equal(res.status, 200)
  t.match(res.body, { id: battery.id, status: 'acknowledged', acknowledgedBy: 'dispatch-desk', acknowledgedAt: '2026-11-24T10:04:00.000Z', updatedAt: '2026-11-24T10:04:00.000Z' })
  t.equal(api.alerts.get(battery.id)?.status, 'acknowledged', 'the lifecycle holds it acknowledged')
  t.same(await listed(api, '?status=acknowledged'), [selftest.id, battery.id])
})

t.test('acknowledging again, or acknowledging a resolved alert, changes nothing and answers 200', async t => {
  const api = await apiAppFor(t)
  const { battery, door } = await fourAlerts(api)
  const first = await api.as('responder').post(`/api/v1/alerts/${battery.id}/ack`, {})
  await api.time.advance(60_000)
  const again = await api.as('admin').post(`/api/v1/alerts/${battery.id}/ack`, {})
  t.equal(again.status, 200)
  t.same(again.body, first.body, 'still acknowledged by the first, at the first time')

  const resolved = await api.as('responder').post(`/api/v1/alerts/${door.id}/ack`)
  t.equal(resolved.status, 200)
  t.match(resolved.body, { status: 'resolved', resolvedBy: 'system' })
  t.notOk('acknowledgedBy' in resolved.body)
})

t.test('POST /alerts/{id}/resolve resolves a task or an open alert as the token\'s principal; again changes nothing', async t => {
  const api = await apiAppFor(t)
  const { inspection, battery, selftest } = await fourAlerts(api)
  const res = await api.as('responder').post(`/api/v1/alerts/${inspection.id}/resolve`)
  t.equal(res.status, 200)
  t.match(res.body, { id: inspection.id, task: true, status: 'resolved', resolvedBy: 'dispatch-desk', resolvedAt: '2026-11-24T10:04:00.000Z' })

  const open = await api.as('admin').post(`/api/v1/alerts/${battery.id}/resolve`, {})
  t.match(open.body, { status: 'resolved', resolvedBy: 'admin' }, 'an open alert may be resolved directly')

  await api.time.advance(60_000)
  const again = await api.as('admin').post(`/api/v1/alerts/${inspection.id}/resolve`)
  t.equal(again.status, 200)
  t.same(again.body, res.body, 'still resolved by the first, at the first time')
  const live = await listed(api, '?status=live')
  t.ok(live.includes(selftest.id), 'the self-test failure is still open')
  t.notOk(live.includes(battery.id) || live.includes(inspection.id), 'the resolved ones are not')
  t.equal(live.length, 2, 'a battery still low is raised again as a new alert at the next evaluation')
})

t.test('ack and resolve answer 404 for an unknown alert', async t => {
  const api = await apiAppFor(t)
  for (const action of ['ack', 'resolve']) {
    const res = await api.as('responder').post(`/api/v1/alerts/Qafecr7h/${action}`)
    t.equal(res.status, 404, action)
    t.same(res.body, { error: 'not_found', message: 'alert Qafecr7h not found' })
  }
})

t.test('ack refuses a JSON content type with an empty body; no content type, or {}, is fine', async t => {
  const api = await apiAppFor(t)
  const { battery } = await fourAlerts(api)
  const res = await api.as('responder').post(`/api/v1/alerts/${battery.id}/ack`, '')
  t.equal(res.status, 400)
  t.equal(res.body.error, 'FST_ERR_CTP_EMPTY_JSON_BODY')
  t.equal(api.alerts.get(battery.id)?.status, 'open')
})
