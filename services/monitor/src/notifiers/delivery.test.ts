import t from 'tap'
import { startSmsProviderStandIn } from '@aed/testkit/sms-provider-stand-in'
import { startSmtpTestServer } from '@aed/testkit/smtp-test-server'
import type { Person } from '../routing/people.ts'
import type { RenderedMessage } from '../messages/rendered-message.ts'
import { backoffDelay, deliver, deliverAll, planDeliveries, type AttemptFailure, type RetryPolicy } from './delivery.ts'
import { EmailNotifier } from './email-notifier.ts'
import { TwilioSmsNotifier } from './sms-twilio.ts'

const provider = await startSmsProviderStandIn()
const smtp = await startSmtpTestServer()
t.teardown(async () => {
  await provider.close()
  await smtp.close()
})

const policy: RetryPolicy = { attempts: 4, baseDelayMs: 1000, maxDelayMs: 5000 }
const ivan: Person = { id: 'ivan-petrov', name: 'Иван Петров', phone: '+359888123456', email: 'ivan@pernik.bg', language: 'bg' }
const maria: Person = { id: 'maria-ivanova', name: 'Maria Ivanova', email: 'maria@pernik.bg', language: 'en' }
const message: RenderedMessage = { smsText: 'АЕД отворен', emailSubject: 'АЕД отворен', emailText: 'Текст', emailHtml: '<p>Текст</p>' }

// A timeout far beyond any answer on loopback, however busy the machine: these tests are about what the provider answers.
const sms = new TwilioSmsNotifier({ baseUrl: provider.baseUrl, accountSid: provider.accountSid, authToken: provider.authToken, from: '+15005550006', timeoutMs: 30_000 })
const email = new EmailNotifier({ host: smtp.host, port: smtp.port, secure: false, from: 'aed@pernik.bg', tlsRejectUnauthorized: false })

/** Records the waits instead of waiting. */
function instantSleep (): { sleep: (ms: number) => Promise<void>, waits: number[] } {
  const waits: number[] = []
  return { waits, sleep: async ms => { waits.push(ms) } }
}

t.test('the backoff doubles from the base delay up to the cap, its upper half random', async t => {
  t.same([1, 2, 3, 4, 5].map(n => backoffDelay(n, policy, () => 0)), [500, 1000, 2000, 2500, 2500])
  t.same([1, 2, 3, 4, 5].map(n => backoffDelay(n, policy, () => 0.999999)), [1000, 2000, 4000, 5000, 5000])
})

t.test('a provider failing with 500 then 429 is retried with backoff until it accepts, under one idempotency key', async t => {
  provider.failNext(1, 500)
  provider.failNext(1, 429)
  const { sleep, waits } = instantSleep()
  const failures: AttemptFailure[] = []
  const outcome = await deliver({ notifier: sms, to: ivan, message, idempotencyKey: 'a1:opened:sms:ivan-petrov' }, policy, {
    sleep, random: () => 0.5, onAttemptFailed: f => failures.push(f)
  })
  t.match(outcome, { channel: 'sms', recipientId: 'ivan-petrov', outcome: 'sent', attempts: 3, providerMessageId: /^SM/ })
  t.equal(outcome.error, undefined)
  t.same(waits, [750, 1500])
  t.same(failures.map(f => [f.attempt, f.error.status, f.retryInMs]), [[1, 500, 750], [2, 429, 1500]])
  t.equal(provider.messages.at(-1)?.idempotencyKey, 'a1:opened:sms:ivan-petrov')
})

t.test('a permanent error is not retried', async t => {
  const { sleep, waits } = instantSleep()
  const outcome = await deliver({ notifier: sms, to: { ...ivan, phone: '+3591' }, message }, policy, { sleep })
  t.match(outcome, { outcome: 'failed', attempts: 1, retryable: false, error: /21211/ })
  t.same(waits, [])
})

t.test('a provider that stays down fails after the configured tries, still marked retryable', async t => {
  provider.failNext(4, 503)
  const { sleep, waits } = instantSleep()
  const outcome = await deliver({ notifier: sms, to: ivan, message }, policy, { sleep })
  t.match(outcome, { outcome: 'failed', attempts: 4, retryable: true, error: /503/ })
  t.equal(waits.length, 3)
})

t.test('latency is measured with the injected clock, waits included', async t => {
  provider.failNext(1, 500)
  let clock = 1_000_000
  const outcome = await deliver({ notifier: sms, to: ivan, message }, policy, {
    now: () => clock,
    random: () => 0,
    sleep: async ms => { clock += ms }
  })
  t.match(outcome, { outcome: 'sent', attempts: 2, latencyMs: 500 })
})

t.test('a person without an address on a channel is skipped, not failed', async t => {
  const before = provider.requestCount()
  const outcome = await deliver({ notifier: sms, to: maria, message }, policy)
  t.same(outcome, { channel: 'sms', recipientId: 'maria-ivanova', outcome: 'skipped', attempts: 0, error: 'maria-ivanova has no phone number', latencyMs: 0 })
  t.equal(provider.requestCount(), before)
})

t.test('aborting stops the retries and reports the delivery failed', async t => {
  provider.failNext(1, 500)
  const controller = new AbortController()
  const outcome = await deliver({ notifier: sms, to: ivan, message }, policy, {
    signal: controller.signal,
    sleep: async () => { controller.abort(); throw new Error('aborted') }
  })
  t.match(outcome, { outcome: 'failed', attempts: 1, retryable: true, error: /aborted after 1 tries.*500/ })
})

t.test('an SMS provider that hangs does not hold back email: deliveries run concurrently', async t => {
  provider.stallNext(1)
  const mailsBefore = smtp.mails.length
  const controller = new AbortController()
  const requests = planDeliveries({ notifiers: [sms, email], recipients: [ivan, maria], messageFor: () => message, stepKey: 'a2:opened:0' })
  // Started together, as the dispatcher starts a step's deliveries; each awaited on its own, to see the emails settle while the SMS hangs.
  const outcomes = requests.map(request => deliver(request, { attempts: 2, baseDelayMs: 10, maxDelayMs: 10 }, { signal: controller.signal }))
  const of = (channel: string) => outcomes.filter((_, i) => requests[i]!.notifier.channel === channel)
  let smsSettled = false
  const smsDone = Promise.all(of('sms')).finally(() => { smsSettled = true })
  const emails = await Promise.all(of('email'))
  t.equal(smsSettled, false, 'the emails went out while the SMS provider still had not answered')
  t.same(emails.map(o => o.outcome), ['sent', 'sent'])
  t.same(smtp.mails.slice(mailsBefore).map(m => m.envelopeTo[0]).sort(), ['ivan@pernik.bg', 'maria@pernik.bg'])
  // Giving up on the hanging provider ends the SMS delivery.
  controller.abort(new Error('test over'))
  await smsDone
  const byKey = new Map((await Promise.all(outcomes)).map(o => [`${o.channel}:${o.recipientId}`, o]))
  t.match(byKey.get('sms:ivan-petrov'), { outcome: 'failed', attempts: 1 })
  t.match(byKey.get('sms:maria-ivanova'), { outcome: 'skipped' })
  t.match(byKey.get('email:ivan-petrov'), { outcome: 'sent', attempts: 1 })
  t.match(byKey.get('email:maria-ivanova'), { outcome: 'sent', attempts: 1 })
})

t.test('a plan gives every channel × recipient its own message and idempotency key', async t => {
  const plan = planDeliveries({
    notifiers: [sms, email],
    recipients: [ivan, maria],
    messageFor: person => ({ ...message, smsText: `for ${person.id}` }),
    stepKey: 'a3:escalated:1'
  })
  t.same(plan.map(r => [r.notifier.channel, r.to.id, r.message.smsText, r.idempotencyKey]), [
    ['sms', 'ivan-petrov', 'for ivan-petrov', 'a3:escalated:1:sms:ivan-petrov'],
    ['email', 'ivan-petrov', 'for ivan-petrov', 'a3:escalated:1:email:ivan-petrov'],
    ['sms', 'maria-ivanova', 'for maria-ivanova', 'a3:escalated:1:sms:maria-ivanova'],
    ['email', 'maria-ivanova', 'for maria-ivanova', 'a3:escalated:1:email:maria-ivanova']
  ])
})

t.test('a notifier that throws something other than a NotifierError still yields an outcome', async t => {
  const broken = { channel: 'sms' as const, canReach: () => true, send: async () => { throw new TypeError('boom') } }
  const outcome = await deliver({ notifier: broken, to: ivan, message }, { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 })
  t.match(outcome, { outcome: 'failed', attempts: 2, error: /unexpected error: boom/ })
})

t.test('deliverAll gives the outcome of every channel × recipient, in the order planned', async t => {
  const outcomes = await deliverAll(planDeliveries({ notifiers: [sms, email], recipients: [ivan, maria], messageFor: () => message, stepKey: 'a3:opened:0' }), { attempts: 1, baseDelayMs: 10, maxDelayMs: 10 })
  t.same(outcomes.map(o => `${o.channel}:${o.recipientId}:${o.outcome}`), ['sms:ivan-petrov:sent', 'email:ivan-petrov:sent', 'sms:maria-ivanova:skipped', 'email:maria-ivanova:sent'])
})
