import t from 'tap'
import { readFile } from 'node:fs/promises'
import { apiAppFor, type ApiApp } from '../../../../../test/support/api-app.ts'

const WINDOW = '/api/v1/cabinets/pernik-aed-01/maintenance'

/** The maintenance records in the alert journal, in order. */
async function journalled (api: ApiApp): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(api.journal.path, 'utf8')
  return text.split('\n').filter(line => line !== '').map(line => JSON.parse(line) as Record<string, unknown>).filter(record => record.t === 'maintenance')
}

t.test('POST with minutes starts a window that long from now; the cabinet shows maintenance', async t => {
  const api = await apiAppFor(t)
  const res = await api.as('technician').post(WINDOW, { minutes: 60, reason: 'pads replacement' })
  t.equal(res.status, 200)
  t.match(res.body, { id: 'pernik-aed-01', readiness: { state: 'maintenance' }, maintenance: { active: true, until: '2026-11-24T11:00:00.000Z' } })
  t.same((await api.as('viewer').get('/api/v1/cabinets/pernik-aed-01')).body, res.body, 'the answer is the cabinet as it now stands')
  t.match(await journalled(api), [{ cabinetId: 'pernik-aed-01', untilMs: Date.parse('2026-11-24T11:00:00.000Z'), by: 'field-technician' }])
  t.match(api.logs.find(entry => entry.msg === 'maintenance started'), { cabinetId: 'pernik-aed-01', by: 'field-technician', reason: 'pads replacement' })
})

t.test('POST with until starts a window ending then', async t => {
  const api = await apiAppFor(t)
  const res = await api.as('technician').post(WINDOW, { until: '2026-11-24T16:30:00Z' })
  t.equal(res.status, 200)
  t.same(res.body.maintenance, { active: true, until: '2026-11-24T16:30:00.000Z' })
})

t.test('POST with neither starts a window that lasts until it is ended', async t => {
  const api = await apiAppFor(t)
  const res = await api.as('technician').post(WINDOW, {})
  t.equal(res.status, 200)
  t.same(res.body.maintenance, { active: true, until: null })
  await api.time.advance(6 * 3_600_000)
  t.same((await api.as('viewer').get('/api/v1/cabinets/pernik-aed-01')).body.maintenance, { active: true, until: null }, 'still on six hours (and thousands of evaluations) later')
})

t.test('POST again replaces the window', async t => {
  const api = await apiAppFor(t)
  await api.as('technician').post(WINDOW, { minutes: 60 })
  const res = await api.as('technician').post(WINDOW, { minutes: 10 })
  t.same(res.body.maintenance, { active: true, until: '2026-11-24T10:10:00.000Z' })
})

t.test('POST with both until and minutes is a 400', async t => {
  const api = await apiAppFor(t)
  const res = await api.as('technician').post(WINDOW, { until: '2026-11-24T16:30:00Z', minutes: 10 })
  t.equal(res.status, 400)
  t.match(res.body, { error: 'bad_request', message: 'invalid body', details: [/give until or minutes, not both/] })
  t.equal(api.fleet.get('pernik-aed-01')?.maintenanceUntilMs, undefined)
})

t.test('POST with an end that is not in the future is a 400, and starts nothing', async t => {
  const api = await apiAppFor(t)
  for (const until of ['2026-11-24T09:59:59Z', '2026-11-24T10:00:00Z']) {
    const res = await api.as('technician').post(WINDOW, { until })
    t.equal(res.status, 400, until)
    t.same(res.body, { error: 'bad_request', message: 'maintenance of pernik-aed-01: the end time is in the past' })
  }
  t.equal(api.fleet.get('pernik-aed-01')?.maintenanceUntilMs, undefined)
  t.same(await journalled(api), [])
})

t.test('POST with minutes outside 1–10080, an end not in UTC RFC 3339, or another body is a 400', async t => {
  const api = await apiAppFor(t)
  for (const body of [
    { minutes: 0 }, { minutes: -5 }, { minutes: 10_081 }, { minutes: 1.5 }, { minutes: '60' },
    { until: '2026-11-24T16:30:00+02:00' }, { until: 'tonight' }, { reason: 'x'.repeat(501) }, [], 'null'
  ]) {
    const res = await api.as('technician').post(WINDOW, body)
    t.equal(res.status, 400, JSON.stringify(body))
    t.equal(res.body.message, 'invalid body', JSON.stringify(body))
  }
  t.equal((await api.as('technician').post(WINDOW, { minutes: 10_080 })).status, 200, 'a week is the longest')
})

t.test('POST and DELETE are 404 for a cabinet not in the fleet file, 400 for a malformed id', async t => {
  const api = await apiAppFor(t)
  const technician = api.as('technician')
  for (const res of [await technician.post('/api/v1/cabinets/sofia-aed-99/maintenance', { minutes: 10 }), await technician.delete('/api/v1/cabinets/sofia-aed-99/maintenance')]) {
    t.equal(res.status, 404)
    t.same(res.body, { error: 'not_found', message: 'no such cabinet in the fleet file' })
  }
  t.equal((await technician.post('/api/v1/cabinets/NOT_AN_ID/maintenance', { minutes: 10 })).status, 400)
  t.equal((await technician.delete('/api/v1/cabinets/NOT_AN_ID/maintenance')).status, 400)
})

t.test('DELETE ends the window now and answers the cabinet as it was before it', async t => {
  const api = await apiAppFor(t)
  await api.as('technician').post(WINDOW, {})
  await api.time.advance(5 * 60_000)
  const res = await api.as('admin').delete(WINDOW)
  t.equal(res.status, 200)
  t.match(res.body, { readiness: { state: 'unknown', reasons: ['never seen'] }, maintenance: { active: false, until: null } })
  t.match(await journalled(api), [
    { untilMs: null, by: 'field-technician' },
    { untilMs: null, endedMs: Date.parse('2026-11-24T10:05:00.000Z'), by: 'admin' }
  ])
})

t.test('DELETE without a window is a 200 and journals nothing', async t => {
  const api = await apiAppFor(t)
  const res = await api.as('technician').delete(WINDOW)
  t.equal(res.status, 200)
  t.same(res.body.maintenance, { active: false, until: null })
  t.same(await journalled(api), [])
})

t.test('a window ends by itself at its end time', async t => {
  const api = await apiAppFor(t)
  await api.as('technician').post(WINDOW, { minutes: 30 })
  await api.time.advance(30 * 60_000)
  t.same((await api.as('viewer').get('/api/v1/cabinets/pernik-aed-01')).body.maintenance, { active: false, until: null }, 'over at its end')
  // The ticker's periodic check (every 5 s) journals the end.
  api.bus.emit('tick', api.time.now())
  await api.time.advance(0)
  const cabinet = (await api.as('viewer').get('/api/v1/cabinets/pernik-aed-01')).body
  t.equal(cabinet.readiness.state, 'unknown')
  t.match((await journalled(api)).at(-1), { endedMs: Date.parse('2026-11-24T10:30:00.000Z'), by: 'schedule' })
})

t.test('opening the door during a window raises no door_open alert', async t => {
  const api = await apiAppFor(t)
  await api.as('technician').post(WINDOW, { minutes: 30, reason: 'pads replacement' })
  api.receive('pernik-aed-01', 'door', { state: 'open' })
  t.same((await api.as('viewer').get('/api/v1/alerts?cabinet=pernik-aed-01')).body.alerts, [])
  t.match((await api.as('viewer').get('/api/v1/cabinets/pernik-aed-01')).body, { readiness: { state: 'maintenance' }, live: { door: 'open' } })
})
