import t from 'tap'
import { apiAppFor } from '../../../test/support/api-app.ts'

t.test('/openapi.json documents every API route and probe with its input and output, and a bearer scheme', async t => {
  const api = await apiAppFor(t)
  const res = await api.anonymous.get('/openapi.json')
  t.equal(res.status, 200)
  const doc = res.body
  t.match(doc.openapi, /^3\./)
  t.equal(doc.info.title, 'AED fleet monitor')
  t.same(doc.components.securitySchemes, { bearer: { type: 'http', scheme: 'bearer' } })

  const operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
    .flatMap(([path, methods]) => Object.keys(methods).map(method => `${method.toUpperCase()} ${path}`))
  t.same(operations.sort(), [
    'DELETE /api/v1/cabinets/{id}/maintenance',
    'GET /api/v1/alerts',
    'GET /api/v1/alerts/{id}',
    'GET /api/v1/cabinets',
    'GET /api/v1/cabinets/{id}',
    'GET /healthz',
    'GET /metrics',
    'GET /readyz',
    'POST /api/v1/alerts/{id}/ack',
    'POST /api/v1/alerts/{id}/resolve',
    'POST /api/v1/cabinets/{id}/commands',
    'POST /api/v1/cabinets/{id}/credentials',
    'POST /api/v1/cabinets/{id}/maintenance',
    'GET /api/v1/tokens',
    'POST /api/v1/tokens',
    'DELETE /api/v1/tokens/{id}',
    'GET /api/v1/audit',
    'GET /api/v1/reports/readiness',
    'GET /public/v1/aeds.geojson'
  ].sort(), 'neither the document itself nor the pages (acknowledgement, public)')

  const alerts = doc.paths['/api/v1/alerts'].get
  t.same(alerts.parameters.map((p: { name: string, in: string }) => `${p.in}:${p.name}`).sort(),
    ['query:cabinet', 'query:kind', 'query:since', 'query:status', 'query:until'])
  t.ok(alerts.responses['200'].content['application/json'].schema, 'the answer has a schema')
  const commands = doc.paths['/api/v1/cabinets/{id}/commands'].post
  t.same(commands.requestBody.content['application/json'].schema.properties.cmd.enum, ['selftest', 'report'])
  t.same(Object.keys(commands.responses).sort(), ['202', '404', '503'])

  const issue = doc.paths['/api/v1/tokens'].post
  t.same(issue.requestBody.content['application/json'].schema.properties.role.enum, ['viewer', 'responder', 'technician', 'admin'])
  t.same(issue.requestBody.content['application/json'].schema.required.sort(), ['name', 'role'])
  t.same(Object.keys(issue.responses).sort(), ['201', '409'])
  t.ok(issue.responses['201'].content['application/json'].schema.properties.token, 'the token is in the answer to issuing')
  t.notOk(doc.paths['/api/v1/tokens'].get.responses['200'].content['application/json'].schema.properties.tokens.items.properties.token, 'and not in the list')
  const report = doc.paths['/api/v1/reports/readiness'].get
  t.same(report.parameters.map((p: { name: string, in: string }) => `${p.in}:${p.name}`).sort(), ['query:format', 'query:lang', 'query:month'])
  t.ok(report.responses['200'].content['application/json'].schema.properties.sites, 'the JSON form of the report has a schema')
  t.same(doc.paths['/api/v1/audit'].get.parameters.map((p: { name: string, in: string }) => `${p.in}:${p.name}`).sort(), ['query:limit', 'query:since'])
})
