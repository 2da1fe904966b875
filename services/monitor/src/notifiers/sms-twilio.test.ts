import t from 'tap'
import { createServer } from 'node:net'
import { startSmsProviderStandIn } from '@aed/testkit/sms-provider-stand-in'
import { notifierRejection } from '@aed/testkit/notifier-rejection'
import type { Person } from '../routing/people.ts'
import type { RenderedMessage } from '../messages/rendered-message.ts'
import { NotifierError } from './notifier.ts'
import { TwilioSmsNotifier } from './sms-twilio.ts'

const provider = await startSmsProviderStandIn()
t.teardown(() => provider.close())

const ivan: Person = { id: 'ivan-petrov', name: 'Иван Петров', phone: '+359888123456', language: 'bg' }
const message: RenderedMessage = {
  smsText: 'АЕД отворен: Община Перник. https://aed.pernik.bg/a/x',
  emailSubject: '',
  emailText: '',
  emailHtml: ''
}
const sms = new TwilioSmsNotifier({ baseUrl: provider.baseUrl, accountSid: provider.accountSid, authToken: provider.authToken, from: '+15005550006', timeoutMs: 1000 })

async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise(resolve => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}


t.test('a message goes to the Messages API with the number, sender and Cyrillic body, and its sid comes back', async t => {
  const receipt = await sms.send(ivan, message, { idempotencyKey: 'alert-1:opened:sms:ivan-petrov' })
  const received = provider.messages.at(-1)
  t.match(receipt.providerMessageId, /^SM[0-9a-f]{32}$/)
  t.same(received, {
    via: 'twilio',
    to: '+359888123456',
    from: '+15005550006',
    messagingServiceSid: undefined,
    body: message.smsText,
    idempotencyKey: 'alert-1:opened:sms:ivan-petrov',
    sid: receipt.providerMessageId
  })
})

t.test('a messaging service sid is sent instead of a sender number', async t => {
  const viaService = new TwilioSmsNotifier({ baseUrl: provider.baseUrl + '/', accountSid: provider.accountSid, authToken: provider.authToken, messagingServiceSid: 'MG0123' })
  await viaService.send(ivan, message)
  t.equal(provider.messages.at(-1)?.messagingServiceSid, 'MG0123')
  t.equal(provider.messages.at(-1)?.from, undefined)
})

t.test('wrong credentials are a permanent error carrying the Twilio code', async t => {
  const wrong = new TwilioSmsNotifier({ baseUrl: provider.baseUrl, accountSid: provider.accountSid, authToken: 'wrong', from: '+15005550006' })
  const err = await notifierRejection(wrong.send(ivan, message))
  t.match(err, { channel: 'sms', recipientId: 'ivan-petrov', retryable: false, status: 401, providerCode: 20003 })
  t.match(err.message, /Authenticate/)
  t.notMatch(err.message, provider.authToken)
})

t.test('an invalid number is permanent: a 400 with Twilio error 21211', async t => {
  const err = await notifierRejection(sms.send({ ...ivan, phone: '+3591' }, message))
  t.match(err, { retryable: false, status: 400, providerCode: 21211 })
})

t.test('500 and 429 are retryable, and the provider recovers afterwards', async t => {
  provider.failNext(1, 500)
  provider.failNext(1, 429)
  t.match(await notifierRejection(sms.send(ivan, message)), { retryable: true, status: 500, providerCode: 20500 })
  t.match(await notifierRejection(sms.send(ivan, message)), { retryable: true, status: 429, providerCode: 20429 })
  t.match(await sms.send(ivan, message), { providerMessageId: /^SM/ })
})

t.test('a provider that does not answer in time is a retryable timeout', async t => {
  provider.stallNext(1)
  const err = await notifierRejection(sms.send(ivan, message))
  t.match(err, { retryable: true, status: undefined })
  t.match(err.message, /did not answer within 1000 ms/)
})

t.test('an unreachable provider is retryable and the error names the cause', async t => {
  const nowhere = new TwilioSmsNotifier({ baseUrl: `http://127.0.0.1:${await closedPort()}`, accountSid: 'AC1', authToken: 'x', from: '+15005550006' })
  const err = await notifierRejection(nowhere.send(ivan, message))
  t.match(err, { retryable: true })
  t.match(err.message, /unreachable: ECONNREFUSED/)
})

t.test('the caller can abort a send', async t => {
  provider.stallNext(1)
  const controller = new AbortController()
  const sending = sms.send(ivan, message, { signal: controller.signal })
  setTimeout(() => controller.abort(), 50)
  t.match(await notifierRejection(sending), { retryable: true, message: /aborted/ })
})

t.test('a person without a phone cannot be reached and is refused without a request', async t => {
  const before = provider.requestCount()
  const nophone: Person = { id: 'no-phone', name: 'Мария', language: 'bg' }
  t.equal(sms.canReach(nophone), false)
  t.match(await notifierRejection(sms.send(nophone, message)), { retryable: false, recipientId: 'no-phone' })
  t.equal(provider.requestCount(), before)
})

t.test('a sender is required', async t => {
  t.throws(() => new TwilioSmsNotifier({ baseUrl: provider.baseUrl, accountSid: 'AC1', authToken: 'x' }), /sender/)
})
