import t from 'tap'
import { ManualTime } from '@aed/testkit/manual-time'
import { advanceUntil } from '@aed/testkit/wait-for'
import { startTestStack, TEST_PEOPLE, waitFor } from './support/stack.ts'

/**
 * What must hold when parts fail: the service restarting, a channel down,
 * InfluxDB down. Timing (escalation, flap windows, retries) is specified
 * with a hand-moved clock in notification-dispatcher.test.ts; here the real
 * peers, with no flap window so every message goes out at once, and the
 * monitor's time moved by hand.
 */
const time = new ManualTime(Date.now())
const stack = await startTestStack({ ackTimeoutMinutes: 0.05, time, env: { NOTIFY_RETRY_FAILED_S: '1' } })
t.teardown(() => stack.stop())

const alertsOf = async (query: string) => (await stack.api('GET', `/api/v1/alerts?${query}`)).body.alerts as any[]
const smsTo = (phone: string) => stack.sms.messages.filter(m => m.to === phone)
const mailTo = (email: string) => stack.smtp.mails.filter(m => m.envelopeTo.includes(email))

/** Lets every notification already under way (an earlier test's all-clear) arrive before counting messages. */
const notificationsDone = () => stack.service.monitor.dispatcher.idle()

const cabinet = await stack.cabinet('pernik-aed-01', { heartbeatIntervalS: 1 })
await waitFor(async () => (await stack.api('GET', '/api/v1/cabinets/pernik-aed-01')).body.readiness.state === 'ready', 'cabinet ready')

t.test('with InfluxDB down, a door opening still reaches people at once', async t => {
  stack.influxProxy.cut()
  const before = smsTo(TEST_PEOPLE.primary.phone).length
  cabinet.openDoor()
  await waitFor(() => smsTo(TEST_PEOPLE.primary.phone).length > before, 'the SMS although InfluxDB is unreachable', 30_000)
  t.pass('sent while InfluxDB is unreachable')
  await waitFor(async () => (await fetch(`${stack.apiUrl}/readyz`)).status === 503, '/readyz to report InfluxDB down', 30_000)
  t.match(await (await fetch(`${stack.apiUrl}/readyz`)).json(), { ready: false, mqtt: true, influx: false })
  stack.influxProxy.restore()
  await waitFor(async () => (await stack.influx.client.rows(`SELECT "status" FROM "alert_event" WHERE "kind" = 'door_open'`)).length > 0, 'the alert event stored once InfluxDB is back', 30_000)
  t.pass('alert event written after recovery')
})

t.test('after a restart the open alert is still there, its notifications are not sent again, and escalation goes on', async t => {
  const [alert] = await alertsOf('status=open&kind=door_open')
  t.ok(alert, 'door_open is open')
  const smsBefore = stack.sms.messages.length
  const mailBefore = stack.smtp.mails.length
  await stack.restartService()
  t.match((await stack.api('GET', `/api/v1/alerts/${alert.id}`)).body, { id: alert.id, status: 'open', kind: 'door_open' }, 'the alert survived the restart')
  // The restarted monitor asks the cabinet for a full report instead of waiting for its next door event.
  await waitFor(async () => (await stack.api('GET', '/api/v1/cabinets/pernik-aed-01')).body.live.door === 'open', 'the door state known again', 30_000)
  t.same((await alertsOf('status=open&kind=door_open')).map(a => a.id), [alert.id], 'the same alert goes on, no second one')
  // The escalation clock runs from the alert's opening, across the restart.
  await time.advance(3000)
  await waitFor(() => smsTo(TEST_PEOPLE.backup.phone).length > 0, 'escalation to the backup after the restart', 30_000)
  const resent = stack.sms.messages.slice(smsBefore).filter(m => m.to === TEST_PEOPLE.primary.phone)
  t.equal(resent.length, 0, 'the on-call person is not sent the same SMS again')
  t.equal(stack.smtp.mails.slice(mailBefore).filter(m => m.envelopeTo.includes(TEST_PEOPLE.primary.email)).length, 0, 'nor the same email')
  const ack = await stack.api('POST', `/api/v1/alerts/${alert.id}/ack`)
  t.equal(ack.body.status, 'acknowledged')
  cabinet.closeDoor()
  await waitFor(async () => (await alertsOf('status=live&kind=door_open')).length === 0, 'door_open resolved')
  for (const task of await alertsOf('status=open&kind=post_use_inspection')) await stack.api('POST', `/api/v1/alerts/${task.id}/resolve`)
})

t.test('an SMS provider failing and recovering: the SMS is retried and delivered, email is not held up', async t => {
  await notificationsDone()
  stack.sms.failNext(2, 500)
  const smsBefore = smsTo(TEST_PEOPLE.primary.phone).length
  const mailBefore = mailTo(TEST_PEOPLE.primary.email).length
  cabinet.failSelftest(['E-PADS'])
  await waitFor(() => mailTo(TEST_PEOPLE.primary.email).length > mailBefore, 'the email')
  await advanceUntil(time, () => smsTo(TEST_PEOPLE.primary.phone).length > smsBefore, 'the SMS after retries')
  t.equal(smsTo(TEST_PEOPLE.primary.phone).length - smsBefore, 1, 'delivered once, not once per try')
  await waitFor(async () => (await stack.influx.client.rows(`SELECT "attempt" FROM "notification" WHERE "channel" = 'sms' AND "kind" = 'selftest_failed'`)).some(r => r.attempt === 3), 'the outcome with its attempts in InfluxDB', 30_000)
  t.pass('notification outcome recorded with 3 attempts')
  const [alert] = await alertsOf('status=open&kind=selftest_failed')
  await stack.api('POST', `/api/v1/alerts/${alert.id}/ack`)
  cabinet.passSelftest()
  await waitFor(async () => (await alertsOf('status=live&kind=selftest_failed')).length === 0, 'cleared')
})

t.test('a notification that failed every try is tried again while its alert is open', async t => {
  await notificationsDone()
  stack.sms.failNext(4, 503)
  const before = smsTo(TEST_PEOPLE.primary.phone).length
  cabinet.setBattery(5)
  await advanceUntil(time, () => stack.sms.requestCount() > 0 && smsTo(TEST_PEOPLE.primary.phone).length > before, 'the SMS once the provider is back', 200)
  t.equal(smsTo(TEST_PEOPLE.primary.phone).length - before, 1, 'delivered once')
  const [alert] = await alertsOf('status=open&kind=battery_critical')
  await stack.api('POST', `/api/v1/alerts/${alert.id}/ack`)
  cabinet.setBattery(95)
  await waitFor(async () => (await alertsOf('status=live&kind=battery_critical')).length === 0, 'cleared')
})

t.test('maintenance suppresses door alerts and leaves no inspection task, and ends by itself', async t => {
  const smsBefore = stack.sms.messages.length
  const started = await stack.api('POST', '/api/v1/cabinets/pernik-aed-01/maintenance', { minutes: 1, reason: 'pads replacement' })
  t.equal(started.status, 200)
  t.equal(started.body.readiness.state, 'maintenance')
  cabinet.openDoor()
  cabinet.setPadsExpiry('2029-05-31')
  await waitFor(async () => (await stack.api('GET', '/api/v1/cabinets/pernik-aed-01')).body.live.pads.expires === '2029-05-31', 'the new pads date recorded during maintenance')
  cabinet.closeDoor()
  await waitFor(async () => (await stack.api('GET', '/api/v1/cabinets/pernik-aed-01')).body.live.door === 'closed', 'the door closed during maintenance')
  await time.advance(6000)
  t.same(await alertsOf('status=live&kind=door_open'), [], 'no door_open')
  t.same(await alertsOf('status=live&kind=post_use_inspection'), [], 'no inspection task')
  t.equal(stack.sms.messages.length, smsBefore, 'nobody was called')
  const ended = await stack.api('DELETE', '/api/v1/cabinets/pernik-aed-01/maintenance')
  t.equal(ended.body.readiness.state, 'ready')
  t.same(ended.body.maintenance, { active: false, until: null })
  await waitFor(async () => (await stack.influx.client.rows(`SELECT "event" FROM "maintenance" WHERE "cabinet" = 'pernik-aed-01'`)).length === 2, 'start and end written to InfluxDB')
  t.pass('maintenance logged')
})

t.test('a maintenance window without an end lasts until it is ended', async t => {
  const started = await stack.api('POST', '/api/v1/cabinets/pernik-aed-01/maintenance', {})
  t.equal(started.status, 200)
  t.same(started.body.maintenance, { active: true, until: null })
  t.equal((await stack.api('GET', '/api/v1/cabinets')).status, 200)
  const ended = await stack.api('DELETE', '/api/v1/cabinets/pernik-aed-01/maintenance')
  t.same(ended.body.maintenance, { active: false, until: null })
})
