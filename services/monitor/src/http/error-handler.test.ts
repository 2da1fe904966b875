import t, { type Test } from 'tap'
import { apiAppFor, type ApiResponse } from '../../../../test/support/api-app.ts'

/** Every API error is `{ error, message }`, with `details` only for validation problems. */
function isProblem (t: Test, res: ApiResponse, status: number, error: string): void {
  t.equal(res.status, status, `status ${status}`)
  t.match(res.headers['content-type'], /^application\/json/)
  t.equal(res.body.error, error)
  t.type(res.body.message, 'string')
  t.same(Object.keys(res.body).filter(key => !['error', 'message', 'details'].includes(key)), [], 'nothing but error, message, details')
}

t.test('input that fails its schema is a 400 naming the part and listing each problem', async t => {
  const api = await apiAppFor(t)
  const params = await api.as('viewer').get('/api/v1/cabinets/NOT_AN_ID')
  isProblem(t, params, 400, 'bad_request')
  t.equal(params.body.message, 'invalid params')
  t.match(params.body.details, [/^\/id: /])

  const query = await api.as('viewer').get('/api/v1/alerts?status=sleeping&kind=fire')
  isProblem(t, query, 400, 'bad_request')
  t.equal(query.body.message, 'invalid querystring')
  t.equal(query.body.details.length, 2, 'both bad parameters listed')

  const body = await api.as('technician').post('/api/v1/cabinets/pernik-aed-01/maintenance', { minutes: 0, reason: 'x'.repeat(501) })
  isProblem(t, body, 400, 'bad_request')
  t.equal(body.body.message, 'invalid body')
  t.match(body.body.details, [/^\/minutes: /, /^\/reason: /])
})

t.test('a JSON content type with an empty body, or a body that is not JSON, is a 400 from the parser', async t => {
  const api = await apiAppFor(t)
  const technician = api.as('technician')
  isProblem(t, await technician.post('/api/v1/cabinets/pernik-aed-01/maintenance', ''), 400, 'FST_ERR_CTP_EMPTY_JSON_BODY')
  isProblem(t, await technician.post('/api/v1/cabinets/pernik-aed-01/maintenance', '{"minutes": 60'), 400, 'FST_ERR_CTP_INVALID_JSON_BODY')
})

t.test('a body of another type is a 415, one over 64 KiB a 413', async t => {
  const api = await apiAppFor(t)
  const technician = api.as('technician')
  isProblem(t, await technician.post('/api/v1/cabinets/pernik-aed-01/maintenance', 'minutes=60', 'application/x-www-form-urlencoded'), 415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
  isProblem(t, await technician.post('/api/v1/cabinets/pernik-aed-01/maintenance', JSON.stringify({ reason: 'x'.repeat(65 * 1024) })), 413, 'FST_ERR_CTP_BODY_TOO_LARGE')
})

t.test('an unknown route is a 404 naming method and path', async t => {
  const api = await apiAppFor(t)
  const res = await api.as('viewer').get('/api/v1/sites')
  isProblem(t, res, 404, 'not_found')
  t.equal(res.body.message, 'no route GET /api/v1/sites')
  isProblem(t, await api.anonymous.delete('/healthz'), 404, 'not_found')
})

t.test('a server fault is a 500 that tells the client nothing; the cause goes to the log', async t => {
  const api = await apiAppFor(t)
  await api.journal.stop()
  const res = await api.as('technician').post('/api/v1/cabinets/pernik-aed-01/maintenance', { minutes: 30 })
  isProblem(t, res, 500, 'internal_error')
  t.same(res.body, { error: 'internal_error', message: 'the request could not be completed' })
  t.notMatch(res.text, /journal/)
  const logged = api.logs.find(entry => entry.msg === 'request failed')
  t.match(logged, { level: 50, err: { message: /alert journal .* is not open/ } })
  t.equal(api.fleet.get('pernik-aed-01')?.maintenanceUntilMs, undefined, 'nothing took effect')
})
