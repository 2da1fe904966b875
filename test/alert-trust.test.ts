import t from 'tap'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { startTestStack, TEST_PEOPLE, waitFor } from './support/stack.ts'

/**
 * Alerts people can trust, tried as an on-call person would: mosquitto_pub
 * plays the cabinet against the real broker, the monitor pages through a
 * real SMTP server and a local Twilio-compatible SMS provider. The flap
 * window is the production default (5 minutes): it must hold back nothing
 * here. Exact times are specified with a hand-moved clock in
 * rules.test.ts and notification-dispatcher.test.ts.
 */
const run = promisify(execFile)
const stack = await startTestStack({ flapWindowMinutes: 5, env: { TEMPERATURE_CRITICAL_AFTER_MIN: '0.02' } })
t.teardown(() => stack.stop())

const CABINET = 'pernik-aed-01'
const secret = (await stack.api('POST', `/api/v1/cabinets/${CABINET}/credentials`)).body.secret as string
const port = new URL(stack.broker.url).port
let seq = 100

/** Publishes one message as the cabinet, with mosquitto_pub (a client that is not this project's code). */
async function publish (channel: string, payload: object, tsOffsetMs = 0): Promise<void> {
  const message = { ts: new Date(Date.now() + tsOffsetMs).toISOString(), seq: seq++, ...payload }
  await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-V', 'mqttv311', '-q', '1', '-i', CABINET, '-u', CABINET, '-P', secret,
    '-t', `aed/v1/${CABINET}/${channel}`, '-m', JSON.stringify(message)], { timeout: 30_000 })
}

const smsTo = (phone: string, pattern: RegExp) => stack.sms.messages.filter(m => m.to === phone && pattern.test(m.body))
const mailTo = (email: string, pattern: RegExp) => stack.smtp.mails.filter(m => m.envelopeTo.includes(email) && pattern.test(m.subject + '\n' + m.text))
const live = async (kind: string) => (await stack.api('GET', `/api/v1/alerts?status=live&kind=${kind}&cabinet=${CABINET}`)).body.alerts as Array<{ id: string }>
const settled = () => stack.service.monitor.dispatcher.idle()
const OPENED = /Взет АЕД от шкафа/
const CLOSED = /затворен/

async function resolveInspectionTasks (): Promise<void> {
  for (const task of await live('post_use_inspection')) await stack.api('POST', `/api/v1/alerts/${task.id}/resolve`)
}

t.test('a door opened, closed and opened again pages the on-call person each time, and tells of the closing', async t => {
  const primary = TEST_PEOPLE.primary.phone
  await publish('door', { state: 'open' })
  await waitFor(() => smsTo(primary, OPENED).length === 1, 'the first page')
  await publish('door', { state: 'closed' })
  await waitFor(() => smsTo(primary, CLOSED).length === 1, 'the closing, at once')
  await publish('door', { state: 'open' })
  await waitFor(() => smsTo(primary, OPENED).length === 2, 'the second opening pages again')
  t.equal(smsTo(TEST_PEOPLE.backup.phone, OPENED).length, 0, 'the primary was told, so nobody escalated')
  await publish('door', { state: 'closed' })
  await waitFor(() => smsTo(primary, CLOSED).length === 2, 'the second closing')
  t.match(smsTo(primary, CLOSED).at(-1)!.body, /Шкафът с АЕД е затворен след/)
  await resolveInspectionTasks()
  await settled()
})

t.test('a door message dated two days ahead cannot hide the real opening after it', async t => {
  const before = smsTo(TEST_PEOPLE.primary.phone, OPENED).length
  await publish('door', { state: 'closed' }, 2 * 86_400_000)
  await waitFor(async () => (await live('clock_skew')).length === 1, 'the wrong clock flagged')
  await waitFor(() => mailTo(TEST_PEOPLE.facility.email, /часовник/i).length > 0, 'the facility manager told of the clock')
  await publish('door', { state: 'open' })
  await waitFor(() => smsTo(TEST_PEOPLE.primary.phone, OPENED).length === before + 1, 'the real opening pages at once')
  t.equal((await stack.api('GET', `/api/v1/cabinets/${CABINET}`)).body.live.door, 'open')
  t.same(await live('clock_skew'), [], 'a plausible time clears the clock warning')
  const metrics = await (await fetch(`${stack.apiUrl}/metrics`)).text()
  t.match(metrics, /aed_mqtt_messages_clock_skewed_total 1/)
  await publish('door', { state: 'closed' })
  await waitFor(async () => (await live('door_open')).length === 0, 'closed')
  await resolveInspectionTasks()
  await settled()
})

t.test('an opening queued while the cabinet was offline is paged as late, with when it happened', async t => {
  // The page, not the all-clear that follows it.
  const pages = () => stack.smtp.mails.filter(m => m.envelopeTo.includes(TEST_PEOPLE.primary.email) && /^КРИТИЧНО: Отворен шкаф/.test(m.subject))
  const before = pages().length
  await publish('door', { state: 'open' }, -90_000)
  await publish('door', { state: 'closed' }, -60_000)
  await waitFor(() => pages().length > before, 'the page')
  const page = pages().at(-1)!
  t.match(page.text, /закъснение/, 'the email says it was reported late')
  await waitFor(async () => (await live('door_open')).length === 0, 'already over')
  await resolveInspectionTasks()
  await settled()
})

t.test('a cabinet sustained below 0 °C pages by SMS once it has lasted, and a cooked one is a new incident', async t => {
  const pattern = /температура/i
  await publish('heartbeat', { temperatureC: -5, fw: '2.4.1' })
  await waitFor(() => mailTo(TEST_PEOPLE.facility.email, pattern).length > 0, 'the warning to the facility manager')
  t.equal(smsTo(TEST_PEOPLE.primary.phone, pattern).length, 0, 'a short excursion pages nobody')
  // TEMPERATURE_CRITICAL_AFTER_MIN is 1.2 s here; the next reading after that finds it sustained.
  await new Promise(resolve => setTimeout(resolve, 1500))
  await publish('heartbeat', { temperatureC: -5, fw: '2.4.1' })
  await waitFor(() => smsTo(TEST_PEOPLE.primary.phone, pattern).length === 1, 'the page once sustained')
  await publish('heartbeat', { temperatureC: 65, fw: '2.4.1' })
  await waitFor(() => mailTo(TEST_PEOPLE.facility.email, pattern).length > 1, 'too hot is told as a new incident')
  await publish('heartbeat', { temperatureC: 20, fw: '2.4.1' })
  await waitFor(async () => (await live('temperature_out_of_range')).length === 0, 'back in range')
  await settled()
})

t.test('no all-clear for the battery while the battery is expired', async t => {
  const fine = /в норма|сменена/
  const allClearsBefore = stack.sms.messages.filter(m => fine.test(m.body)).length + stack.smtp.mails.filter(m => fine.test(m.subject + m.text)).length
  await publish('battery', { percent: 20, expires: '2025-01-31' })
  await waitFor(() => smsTo(TEST_PEOPLE.primary.phone, /Изтекла батерия/).length === 1, 'the expired battery pages')
  t.same(await live('battery_low'), [], 'the low-battery warning gave way to the critical alert')
  await publish('battery', { percent: 90, expires: '2025-01-31' })
  await new Promise(resolve => setTimeout(resolve, 300))
  await settled()
  const allClears = stack.sms.messages.filter(m => fine.test(m.body)).length + stack.smtp.mails.filter(m => fine.test(m.subject + m.text)).length
  t.equal(allClears, allClearsBefore, 'nobody is told the battery is fine')
  await publish('battery', { percent: 90, expires: '2029-01-31' })
  await waitFor(() => smsTo(TEST_PEOPLE.primary.phone, /Батерията на АЕД е сменена/).length === 1, 'the all-clear once it is true')
  await settled()
})

t.test('every notification sent is its own point in InfluxDB', async t => {
  await settled()
  const sent = stack.sms.messages.length + stack.smtp.mails.length
  const stored = async () => {
    const rows = await stack.influx.client.rows(`SELECT count("attempt") FROM "notification" WHERE "outcome" = 'sent'`)
    return Number(rows[0]?.count ?? 0)
  }
  await waitFor(async () => await stored() === sent, `${sent} notification points`)
  t.equal(await stored(), sent)
})
