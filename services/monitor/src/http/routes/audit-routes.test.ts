import t from 'tap'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { API_PRINCIPALS, apiAppFor, buildApiApp, type ApiApp } from '../../../../../test/support/api-app.ts'
import type { AuditEntry } from '../../audit/audit-log.ts'

const DESK = { address: '192.0.2.10', userAgent: 'dispatch-console/2.1' }
const FIELD = { address: '2001:db8::7', userAgent: 'Mozilla/5.0 (Linux; Android 14) field-app' }
const OFFICE = { address: '198.51.100.4', userAgent: 'curl/8.5.0' }

/** The audit file as it is on disk right now, one entry a line. */
async function onDisk (api: ApiApp): Promise<AuditEntry[]> {
  const text = await readFile(api.audit.path, 'utf8')
  return text.split('\n').filter(line => line !== '').map(line => JSON.parse(line) as AuditEntry)
}

async function doorAlert (api: ApiApp) {
  api.receive('pernik-aed-01', 'door', { state: 'open' })
  const [alert] = api.alerts.list({ kind: 'door_open' })
  if (alert === undefined) throw new Error('no door_open alert')
  return alert
}

t.test('acknowledging and resolving are on disk before the answer, with who, when and from where; repeating one adds nothing', async t => {
  const api = await apiAppFor(t)
  const alert = await doorAlert(api)
  await api.time.advance(60_000)
  t.equal((await api.as('responder', DESK).post(`/api/v1/alerts/${alert.id}/ack`)).status, 200)
  t.same(await onDisk(api), [{
    at: '2026-11-24T10:01:00.000Z',
    action: 'alert.acknowledged',
    by: 'dispatch-desk',
    role: 'responder',
    tokenId: 'test-responder',
    via: 'api',
    address: '192.0.2.10',
    userAgent: 'dispatch-console/2.1',
    subject: alert.id,
    details: { cabinetId: 'pernik-aed-01', kind: 'door_open' }
  }], 'on disk when the answer came')

  await api.as('admin').post(`/api/v1/alerts/${alert.id}/ack`)
  t.equal((await onDisk(api)).length, 1, 'acknowledging again changed nothing, and records nothing')

  await api.time.advance(60_000)
  await api.as('technician', FIELD).post(`/api/v1/alerts/${alert.id}/resolve`)
  await api.as('admin').post(`/api/v1/alerts/${alert.id}/resolve`)
  t.match(await onDisk(api), [
    { action: 'alert.acknowledged' },
    { at: '2026-11-24T10:02:00.000Z', action: 'alert.resolved', by: 'field-technician', role: 'technician', address: '2001:db8::7', userAgent: FIELD.userAgent, subject: alert.id }
  ])
  t.equal((await onDisk(api)).length, 2, 'resolving a resolved alert records nothing')
})

t.test('starting and ending maintenance are in the audit trail; ending where no window is open is not', async t => {
  const api = await apiAppFor(t)
  const technician = api.as('technician', FIELD)
  await technician.post('/api/v1/cabinets/pernik-aed-01/maintenance', { minutes: 60, reason: 'pads replacement' })
  await api.time.advance(20 * 60_000)
  await technician.delete('/api/v1/cabinets/pernik-aed-01/maintenance')
  await technician.delete('/api/v1/cabinets/pernik-aed-01/maintenance')
  await technician.post('/api/v1/cabinets/pernik-aed-02/maintenance', {})
  t.same((await onDisk(api)).map(({ at, action, by, subject, details }) => ({ at, action, by, subject, details })), [
    { at: '2026-11-24T10:00:00.000Z', action: 'maintenance.started', by: 'field-technician', subject: 'pernik-aed-01', details: { until: '2026-11-24T11:00:00.000Z', reason: 'pads replacement' } },
    { at: '2026-11-24T10:20:00.000Z', action: 'maintenance.ended', by: 'field-technician', subject: 'pernik-aed-01', details: {} },
    { at: '2026-11-24T10:20:00.000Z', action: 'maintenance.started', by: 'field-technician', subject: 'pernik-aed-02', details: { until: null, reason: null } }
  ])
  t.equal((await technician.post('/api/v1/cabinets/pernik-aed-03/maintenance', { minutes: 0 })).status, 400)
  t.equal((await onDisk(api)).length, 3, 'a refused request records nothing')
})

t.test('issuing a cabinet secret, issuing a token and revoking it are in the audit trail, and the file holds no secret or token', async t => {
  const api = await apiAppFor(t)
  const admin = api.as('admin', OFFICE)
  const secret = (await admin.post('/api/v1/cabinets/pernik-aed-01/credentials')).body.secret as string
  const issued = (await admin.post('/api/v1/tokens', { name: 'night-desk', role: 'responder', expiresInDays: 30 })).body
  await api.withAuthorization(`Bearer ${issued.token as string}`).get('/api/v1/cabinets')
  await admin.delete(`/api/v1/tokens/${issued.id as string}`)
  t.same((await onDisk(api)).map(({ action, by, role, tokenId, address, subject, details }) => ({ action, by, role, tokenId, address, subject, details })), [
    { action: 'cabinet.secret_issued', by: 'admin', role: 'admin', tokenId: 'test-admin', address: '198.51.100.4', subject: 'pernik-aed-01', details: {} },
    { action: 'token.issued', by: 'admin', role: 'admin', tokenId: 'test-admin', address: '198.51.100.4', subject: issued.id, details: { name: 'night-desk', role: 'responder', expiresAt: '2026-12-24T10:00:00.000Z' } },
    { action: 'token.revoked', by: 'admin', role: 'admin', tokenId: 'test-admin', address: '198.51.100.4', subject: issued.id, details: { name: 'night-desk', role: 'responder' } }
  ])
  const text = await readFile(api.audit.path, 'utf8')
  for (const [what, value] of [
    ['the cabinet secret', secret],
    ['the issued token', issued.token],
    ['the issued token\'s digest', createHash('sha256').update(issued.token).digest('hex')],
    ...Object.entries(API_PRINCIPALS).map(([role, { token }]) => [`the ${role} token used`, token])
  ] as Array<[string, string]>) t.notOk(text.includes(value), `no ${what}`)
})

t.test('an acknowledgement through a link is in the audit trail as the link\'s person, from the phone that opened it', async t => {
  const api = await apiAppFor(t)
  const alert = await doorAlert(api)
  const path = api.ackPath(alert.id, 'duty-day')
  const phone = api.from({ address: '203.0.113.50', userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)' })
  t.equal((await phone.get(path)).status, 200)
  t.same(await onDisk(api), [], 'looking at the page records nothing')
  await api.time.advance(90_000)
  t.equal((await phone.post(path, '', 'application/x-www-form-urlencoded')).status, 200)
  t.same(await onDisk(api), [{
    at: '2026-11-24T10:01:30.000Z',
    action: 'alert.acknowledged',
    by: 'duty-day',
    role: null,
    tokenId: null,
    via: 'ack_link',
    address: '203.0.113.50',
    userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)',
    subject: alert.id,
    details: { cabinetId: 'pernik-aed-01', kind: 'door_open' }
  }])
  await phone.post(path, '', 'application/x-www-form-urlencoded')
  t.equal((await onDisk(api)).length, 1, 'pressing again records nothing')
})

t.test('GET /audit is newest first, from `since` on, at most `limit`', async t => {
  const api = await apiAppFor(t)
  const technician = api.as('technician')
  for (let minute = 0; minute < 6; minute++) {
    await technician.post('/api/v1/cabinets/pernik-aed-01/maintenance', { minutes: 30, reason: `visit ${minute}` })
    await api.time.advance(60_000)
  }
  const res = await api.as('admin').get('/api/v1/audit')
  t.equal(res.status, 200)
  t.same(res.body.entries.map((e: AuditEntry) => e.details.reason), ['visit 5', 'visit 4', 'visit 3', 'visit 2', 'visit 1', 'visit 0'])
  const since = await api.as('admin').get('/api/v1/audit?since=2026-11-24T10:02:00Z')
  t.same(since.body.entries.map((e: AuditEntry) => e.at), ['2026-11-24T10:05:00.000Z', '2026-11-24T10:04:00.000Z', '2026-11-24T10:03:00.000Z', '2026-11-24T10:02:00.000Z'], 'since is inclusive')
  const limited = await api.as('admin').get('/api/v1/audit?since=2026-11-24T10:01:00Z&limit=2')
  t.same(limited.body.entries.map((e: AuditEntry) => e.details.reason), ['visit 5', 'visit 4'], 'the newest two')
  for (const query of ['limit=0', 'limit=1001', 'limit=ten', 'since=yesterday', 'since=2026-11-24']) {
    const bad = await api.as('admin').get(`/api/v1/audit?${query}`)
    t.equal(bad.status, 400, query)
    t.equal(bad.body.message, 'invalid querystring', query)
  }
})

t.test('the audit trail survives a restart', async t => {
  const dataDir = await mkdtemp(join(tmpdir(), 'aed-audit-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const before = await buildApiApp({ dataDir })
  await before.as('technician').post('/api/v1/cabinets/pernik-aed-01/maintenance', { minutes: 30 })
  await before.close()
  const after = await buildApiApp({ dataDir })
  t.teardown(() => after.close())
  await after.as('technician').delete('/api/v1/cabinets/pernik-aed-01/maintenance')
  t.same((await after.as('admin').get('/api/v1/audit')).body.entries.map((e: AuditEntry) => e.action), ['maintenance.ended', 'maintenance.started'])
})

t.test('when the audit trail cannot be written, the API answers 500 and the link page still tells the person the alert is theirs; the log says which', async t => {
  const api = await apiAppFor(t)
  const alert = await doorAlert(api)
  await api.audit.stop()
  const res = await api.as('technician').post('/api/v1/cabinets/pernik-aed-01/maintenance', { minutes: 30 })
  t.equal(res.status, 500)
  t.same(res.body, { error: 'internal_error', message: 'the request could not be completed' })
  t.match(api.logs.find(entry => entry.msg === 'request failed'), { err: { message: /audit log .* is not open/ } })

  const page = await api.anonymous.post(api.ackPath(alert.id, 'duty-day'), '', 'application/x-www-form-urlencoded')
  t.equal(page.status, 200)
  t.equal(api.alerts.get(alert.id)?.status, 'acknowledged')
  t.match(api.logs.find(entry => entry.msg === 'an acknowledgement from an ack link could not be written to the audit trail'), { alertId: alert.id, personId: 'duty-day' })
})
