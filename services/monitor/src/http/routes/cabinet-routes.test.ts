import t, { type Test } from 'tap'
import mqtt from 'mqtt'
import { cabinetTopic } from '@aed/core/protocol'
import { startTestBroker } from '@aed/testkit/test-broker'
import { API_TEST_START, apiAppFor } from '../../../../../test/support/api-app.ts'

const broker = await startTestBroker()
const monitorAccount = await broker.addService('monitor-api-test')
const mqttOptions = { url: broker.url, ...monitorAccount }
const cabinetSecret = await broker.addCabinet('pernik-aed-01')
t.teardown(() => broker.close())

/** pernik-aed-01 on the broker with its own credentials, listening on its cmd topic. */
async function cabinetOnBroker (t: Test) {
  const client = await mqtt.connectAsync(broker.url, { clientId: 'pernik-aed-01', username: 'pernik-aed-01', password: cabinetSecret, reconnectPeriod: 0 })
  t.teardown(() => client.endAsync())
  await client.subscribeAsync(cabinetTopic('pernik-aed-01', 'cmd'), { qos: 1 })
  return {
    nextCommand: () => new Promise<{ topic: string, command: unknown }>(resolve => {
      client.once('message', (topic, payload) => resolve({ topic, command: JSON.parse(payload.toString('utf8')) }))
    })
  }
}

const NOT_FOUND = { error: 'not_found', message: 'no such cabinet in the fleet file' }

t.test('GET /cabinets lists the fleet file\'s cabinets in its order, unknown until they report', async t => {
  const api = await apiAppFor(t)
  const res = await api.as('viewer').get('/api/v1/cabinets')
  t.equal(res.status, 200)
  t.same(res.body.cabinets.map((c: { id: string }) => c.id), ['pernik-aed-01', 'pernik-aed-02', 'pernik-aed-03'])
  t.same(res.body.cabinets.map((c: { status: string }) => c.status), ['active', 'planned', 'planned'])
  t.match(res.body.cabinets[0], {
    location: 'Партер, входно фоайе',
    coordinates: { lat: 42.6057, lon: 23.0327 },
    heartbeatIntervalS: 60,
    site: { id: 'obshtina-pernik', city: 'Перник' },
    readiness: { state: 'unknown', reasons: ['never seen'] },
    maintenance: { active: false, until: null },
    live: { lastSeen: null, lastHeartbeat: null, online: null, door: null, temperatureC: null, battery: { percent: null, daysLeft: null }, selftest: { result: null, faults: [] } },
    thresholds: { temperatureMinC: 0, temperatureMaxC: 50, batteryLowPercent: 25, batteryCriticalPercent: 10, expiryWarningDays: 30, selftestMaxAgeH: 26 }
  })
})

t.test('GET /cabinets/{id} shows the last readings, with days left counted from the monitor\'s clock', async t => {
  const api = await apiAppFor(t)
  api.receive('pernik-aed-01', 'status', { online: true })
  api.receive('pernik-aed-01', 'heartbeat', { temperatureC: 20.9, fw: 'aed-sim/1.0.0' })
  api.receive('pernik-aed-01', 'door', { state: 'closed' })
  api.receive('pernik-aed-01', 'battery', { percent: 100, expires: '2026-12-24' })
  api.receive('pernik-aed-01', 'pads', { expires: '2026-11-23', type: 'adult' })
  await api.time.advance(1_000)
  api.receive('pernik-aed-01', 'selftest', { result: 'fail', kind: 'daily', faults: ['E12'] })

  const res = await api.as('viewer').get('/api/v1/cabinets/pernik-aed-01')
  t.equal(res.status, 200)
  t.match(res.body, {
    id: 'pernik-aed-01',
    readiness: { state: 'not_ready', reasons: ['self-test failed (E12)', 'pads expired on 2026-11-23'] },
    live: {
      lastSeen: '2026-11-24T10:00:01.000Z',
      lastHeartbeat: API_TEST_START,
      online: true,
      door: 'closed',
      temperatureC: 20.9,
      fw: 'aed-sim/1.0.0',
      battery: { percent: 100, expires: '2026-12-24', daysLeft: 30 },
      pads: { expires: '2026-11-23', daysLeft: -1, type: 'adult' },
      selftest: { result: 'fail', kind: 'daily', faults: ['E12'], at: '2026-11-24T10:00:01.000Z' }
    }
  })
  t.same((await api.as('viewer').get('/api/v1/cabinets')).body.cabinets[0], res.body, 'the same view as in the list')
})

t.test('GET /cabinets/{id} is 404 for a cabinet not in the fleet file, 400 for a malformed id', async t => {
  const api = await apiAppFor(t)
  const viewer = api.as('viewer')
  const unknown = await viewer.get('/api/v1/cabinets/sofia-aed-99')
  t.equal(unknown.status, 404)
  t.same(unknown.body, NOT_FOUND)
  for (const id of ['NOT_AN_ID', 'ab', 'pernik_aed_01', '-pernik', 'x'.repeat(65)]) {
    const res = await viewer.get(`/api/v1/cabinets/${id}`)
    t.equal(res.status, 400, id)
    t.equal(res.body.message, 'invalid params')
  }
})

t.test('POST /cabinets/{id}/credentials issues a new secret once, not cached, stored only as a hash', async t => {
  const api = await apiAppFor(t)
  const res = await api.as('admin').post('/api/v1/cabinets/pernik-aed-01/credentials')
  t.equal(res.status, 201)
  t.equal(res.headers['cache-control'], 'no-store')
  t.match(res.body, { cabinetId: 'pernik-aed-01', username: 'pernik-aed-01', clientId: 'pernik-aed-01', secret: /^[A-Za-z0-9_-]{32}$/, issuedAt: API_TEST_START })

  const stored = await api.credentials.find('pernik-aed-01')
  t.match(stored, { role: 'cabinet', issuedAt: API_TEST_START })
  t.notMatch(JSON.stringify(stored), res.body.secret, 'the file holds no plain secret')
  t.ok(await api.hasher.verify(res.body.secret, stored!.secretHash), 'the hash matches the secret')
  t.match(stored!.secretHash, /^hmac-sha256\$/, 'in the current scheme')

  t.match(api.logs.find(entry => entry.msg === 'cabinet secret issued'), { cabinetId: 'pernik-aed-01', by: 'admin' })
  t.notOk(api.logs.some(entry => JSON.stringify(entry).includes(res.body.secret)), 'the secret is never logged')
})

t.test('issuing again replaces the secret: the previous one stops matching', async t => {
  const api = await apiAppFor(t)
  const first = (await api.as('admin').post('/api/v1/cabinets/pernik-aed-01/credentials')).body.secret
  await api.time.advance(60_000)
  const second = await api.as('admin').post('/api/v1/cabinets/pernik-aed-01/credentials')
  t.equal(second.status, 201)
  t.not(second.body.secret, first)
  const stored = await api.credentials.find('pernik-aed-01')
  t.equal(stored?.issuedAt, '2026-11-24T10:01:00.000Z')
  t.notOk(await api.hasher.verify(first, stored!.secretHash), 'the first secret is revoked')
  t.ok(await api.hasher.verify(second.body.secret, stored!.secretHash))
})

t.test('credentials are issued for a cabinet of any status, and only for the fleet file\'s cabinets', async t => {
  const api = await apiAppFor(t)
  t.equal((await api.as('admin').post('/api/v1/cabinets/pernik-aed-03/credentials')).status, 201, 'a planned cabinet')
  const unknown = await api.as('admin').post('/api/v1/cabinets/sofia-aed-99/credentials')
  t.equal(unknown.status, 404)
  t.same(unknown.body, NOT_FOUND)
  t.equal(await api.credentials.find('sofia-aed-99'), undefined)
  t.equal((await api.as('admin').post('/api/v1/cabinets/NOT_AN_ID/credentials')).status, 400)
})

t.test('POST /cabinets/{id}/commands publishes the command on the cabinet\'s cmd topic and answers 202 with its request id', async t => {
  const api = await apiAppFor(t, { mqtt: mqttOptions })
  const cabinet = await cabinetOnBroker(t)
  for (const cmd of ['selftest', 'report']) {
    const arrived = cabinet.nextCommand()
    const res = await api.as('technician').post('/api/v1/cabinets/pernik-aed-01/commands', { cmd })
    t.equal(res.status, 202)
    t.match(res.body, { cabinetId: 'pernik-aed-01', cmd, requestId: /^[A-Za-z0-9_-]{8}$/ })
    t.same(await arrived, { topic: 'aed/v1/pernik-aed-01/cmd', command: { cmd, id: res.body.requestId, ts: API_TEST_START } }, `${cmd} reached the cabinet`)
  }
})

t.test('a command is 503 while the monitor is not connected to the broker', async t => {
  const api = await apiAppFor(t)
  const res = await api.as('technician').post('/api/v1/cabinets/pernik-aed-01/commands', { cmd: 'selftest' })
  t.equal(res.status, 503)
  t.same(res.body, { error: 'unavailable', message: 'MQTT broker not connected' })
})

t.test('a command is 503 once the broker connection is lost', async t => {
  const api = await apiAppFor(t, { mqtt: mqttOptions })
  t.equal((await api.as('technician').post('/api/v1/cabinets/pernik-aed-01/commands', { cmd: 'report' })).status, 202)
  await api.subscriber.stop()
  t.equal((await api.as('technician').post('/api/v1/cabinets/pernik-aed-01/commands', { cmd: 'report' })).status, 503)
})

t.test('a command other than selftest or report, or none, is a 400; an unknown cabinet a 404', async t => {
  const api = await apiAppFor(t, { mqtt: mqttOptions })
  const technician = api.as('technician')
  for (const body of [{ cmd: 'reboot' }, { cmd: '' }, {}, { command: 'selftest' }]) {
    const res = await technician.post('/api/v1/cabinets/pernik-aed-01/commands', body)
    t.equal(res.status, 400, JSON.stringify(body))
    t.equal(res.body.message, 'invalid body')
  }
  const noBody = await technician.post('/api/v1/cabinets/pernik-aed-01/commands')
  t.equal(noBody.status, 400, 'no body at all')
  const unknown = await technician.post('/api/v1/cabinets/sofia-aed-99/commands', { cmd: 'report' })
  t.equal(unknown.status, 404)
  t.same(unknown.body, NOT_FOUND)
})

t.test('an unknown cabinet is a 404 even while the broker is not connected', async t => {
  const api = await apiAppFor(t)
  t.equal((await api.as('technician').post('/api/v1/cabinets/sofia-aed-99/commands', { cmd: 'report' })).status, 404)
})
