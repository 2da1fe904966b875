import t from 'tap'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { startTestStack, waitFor } from './support/stack.ts'

const run = promisify(execFile)
const stack = await startTestStack()
t.teardown(() => stack.stop())

const port = new URL(stack.broker.url).port

/** mosquitto_pub: an MQTT client that is not this project's code. */
function mosquittoPub (args: string[]) {
  return run('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-V', 'mqttv311', '-q', '1', ...args], { timeout: 10_000 })
}

t.test('the API lists the three Pernik cabinets with their readiness', async t => {
  const { status, body } = await stack.api('GET', '/api/v1/cabinets')
  t.equal(status, 200)
  t.same(body.cabinets.map((c: any) => c.id), ['pernik-aed-01', 'pernik-aed-02', 'pernik-aed-03'])
  t.same(body.cabinets.map((c: any) => c.status), ['active', 'planned', 'planned'])
  t.match(body.cabinets[0], { site: { name: /Община Перник/ }, readiness: { state: 'unknown' } })
})

t.test('simulated cabinets report and become ready', async t => {
  await stack.cabinet('pernik-aed-02', { heartbeatIntervalS: 1 })
  // A cabinet reports its readings one message after another: wait until all of them are in.
  await waitFor(async () => {
    const { body } = await stack.api('GET', '/api/v1/cabinets/pernik-aed-02')
    return body.readiness.state === 'ready' && body.live.pads.daysLeft !== null && body.live.selftest.result !== null && body.live.door !== null
  }, 'pernik-aed-02 ready with every reading in')
  const { body } = await stack.api('GET', '/api/v1/cabinets/pernik-aed-02')
  t.equal(body.live.online, true)
  t.equal(body.live.door, 'closed')
  t.equal(body.live.selftest.result, 'pass')
  t.ok(body.live.pads.daysLeft > 300, 'pads expiry reported')
})

t.test('mosquitto_pub opening a door with the cabinet credentials raises door_open and stores the point', async t => {
  const secret = (await stack.api('POST', '/api/v1/cabinets/pernik-aed-01/credentials')).body.secret
  const ts = new Date().toISOString()
  await mosquittoPub(['-i', 'pernik-aed-01', '-u', 'pernik-aed-01', '-P', secret,
    '-t', 'aed/v1/pernik-aed-01/door', '-m', JSON.stringify({ ts, seq: 1, state: 'open' })])

  await waitFor(async () => (await stack.api('GET', '/api/v1/alerts?status=open')).body.alerts.length > 0, 'an open alert')
  const { body } = await stack.api('GET', '/api/v1/alerts?status=open')
  t.match(body.alerts, [{ cabinetId: 'pernik-aed-01', kind: 'door_open', severity: 'critical', status: 'open' }])
  t.equal((await stack.api('GET', '/api/v1/cabinets/pernik-aed-01')).body.readiness.state, 'in_use')

  const query = `SELECT "state" FROM "door" WHERE "cabinet" = 'pernik-aed-01'`
  await waitFor(async () => (await stack.influx.client.rows(query)).length > 0, 'the door point in InfluxDB')
  t.same(await stack.influx.client.rows(query), [{ time: Date.parse(ts), state: 'open' }])
})

t.test('mosquitto_pub with a wrong password is refused', async t => {
  const err = await mosquittoPub(['-i', 'pernik-aed-01', '-u', 'pernik-aed-01', '-P', 'wrong-password',
    '-t', 'aed/v1/pernik-aed-01/door', '-m', '{}']).catch((e: { code: number, stderr: string }) => e)
  t.not((err as { code?: number }).code, undefined, 'mosquitto_pub exits with an error')
  t.match((err as { stderr: string }).stderr, /not authori[sz]ed|bad user ?name or password/i)
})

t.test("mosquitto_pub with a cabinet's credentials cannot publish to another cabinet's topic", async t => {
  const secret = (await stack.api('POST', '/api/v1/cabinets/pernik-aed-03/credentials')).body.secret
  const before = (await stack.api('GET', '/api/v1/alerts')).body.alerts.length
  await mosquittoPub(['-i', 'pernik-aed-03', '-u', 'pernik-aed-03', '-P', secret,
    '-t', 'aed/v1/pernik-aed-02/door', '-m', JSON.stringify({ ts: new Date().toISOString(), seq: 7, state: 'open' })]).catch(() => undefined)
  // Give a wrongly forwarded message time to arrive before asserting its absence.
  await new Promise(resolve => setTimeout(resolve, 300))
  t.equal((await stack.api('GET', '/api/v1/alerts')).body.alerts.length, before, 'no alert raised')
  t.equal((await stack.api('GET', '/api/v1/cabinets/pernik-aed-02')).body.live.door, 'closed', 'door state unchanged')
})

t.test('a malformed message is rejected, counted and does not disturb the service', async t => {
  const secret = (await stack.api('POST', '/api/v1/cabinets/pernik-aed-03/credentials')).body.secret
  await mosquittoPub(['-i', 'pernik-aed-03', '-u', 'pernik-aed-03', '-P', secret,
    '-t', 'aed/v1/pernik-aed-03/battery', '-m', '{"percent": 140, "ts": "yesterday"}'])
  await waitFor(() => stack.service.monitor.counters.rejected > 0, 'the rejection to be counted')
  const metrics = await (await fetch(`${stack.apiUrl}/metrics`)).text()
  t.match(metrics, /aed_mqtt_messages_rejected_total\{channel="battery",reason="schema"\} 1/)
  t.equal((await fetch(`${stack.apiUrl}/healthz`)).status, 200)
})

t.test('the API refuses requests without a valid bearer token', async t => {
  const none = await fetch(`${stack.apiUrl}/api/v1/cabinets`)
  t.equal(none.status, 401)
  t.match(await none.json(), { error: 'unauthorized' })
  const wrong = await fetch(`${stack.apiUrl}/api/v1/cabinets/pernik-aed-01/credentials`, { method: 'POST', headers: { authorization: 'Bearer not-a-token' } })
  t.equal(wrong.status, 401)
})

t.test('bad requests get a clear 400 naming the problem', async t => {
  const badId = await stack.api('GET', '/api/v1/cabinets/NOT_AN_ID')
  t.equal(badId.status, 400)
  t.match(badId.body.details.join(' '), /cabinet id/)
  const badQuery = await stack.api('GET', '/api/v1/alerts?status=sleeping')
  t.equal(badQuery.status, 400)
  const unknown = await stack.api('GET', '/api/v1/cabinets/sofia-aed-99')
  t.equal(unknown.status, 404)
})

t.test('the OpenAPI document describes the API', async t => {
  const doc = await (await fetch(`${stack.apiUrl}/openapi.json`)).json() as { paths: Record<string, unknown> }
  for (const path of ['/api/v1/cabinets', '/api/v1/cabinets/{id}', '/api/v1/cabinets/{id}/credentials', '/api/v1/alerts', '/api/v1/alerts/{id}/ack', '/api/v1/cabinets/{id}/maintenance', '/readyz']) {
    t.ok(doc.paths[path], path)
  }
})
