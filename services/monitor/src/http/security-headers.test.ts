import t, { type Test } from 'tap'
import { apiAppFor, type ApiResponse } from '../../../../test/support/api-app.ts'

/** What every answer carries, API or page. */
const EVERY_ANSWER = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-permitted-cross-domain-policies': 'none',
  'x-dns-prefetch-control': 'off',
  'origin-agent-cluster': '?1',
  'x-download-options': 'noopen',
  'x-xss-protection': '0'
}

function hasHeaders (t: Test, res: ApiResponse, expected: Record<string, string>, what: string): void {
  for (const [name, value] of Object.entries(expected)) t.equal(res.headers[name], value, `${what}: ${name}`)
}

t.test('every API answer, success or refusal, carries the security headers and a policy that lets nothing load', async t => {
  const api = await apiAppFor(t)
  const answers: Array<[string, ApiResponse]> = [
    ['200', await api.as('viewer').get('/api/v1/cabinets')],
    ['401', await api.anonymous.get('/api/v1/cabinets')],
    ['403', await api.as('viewer').post('/api/v1/tokens', { name: 'x', role: 'admin' })],
    ['400', await api.as('viewer').get('/api/v1/cabinets/NOT_AN_ID')],
    ['404', await api.as('viewer').get('/api/v1/nothing-here')],
    ['probe', await api.anonymous.get('/healthz')],
    ['OpenAPI', await api.anonymous.get('/openapi.json')]
  ]
  for (const [what, res] of answers) {
    hasHeaders(t, res, { ...EVERY_ANSWER, 'content-security-policy': "default-src 'none';frame-ancestors 'none'" }, what)
  }
})

t.test('the acknowledgement pages carry the security headers and their own policy: inline style and posting back, nothing else', async t => {
  const api = await apiAppFor(t)
  api.receive('pernik-aed-01', 'door', { state: 'open' })
  const [alert] = api.alerts.list()
  const path = api.ackPath(alert!.id, 'duty-day')
  const page = {
    ...EVERY_ANSWER,
    'content-security-policy': "default-src 'none';style-src 'unsafe-inline';form-action 'self';base-uri 'none';frame-ancestors 'none'",
    'cache-control': 'no-store',
    'x-robots-tag': 'noindex, nofollow'
  }
  const answers: Array<[string, ApiResponse]> = [
    ['the page', await api.anonymous.get(path)],
    ['the button', await api.anonymous.post(path, '', 'application/x-www-form-urlencoded')],
    ['a forged link', await api.anonymous.get(`/a/${alert!.id}AAAAAAAAAAA`)]
  ]
  t.same(answers.map(([, res]) => res.status), [200, 200, 403])
  for (const [what, res] of answers) hasHeaders(t, res, page, what)
})
