import t from 'tap'
import { startSmsProviderStandIn } from '@aed/testkit/sms-provider-stand-in'
import { notifierRejection } from '@aed/testkit/notifier-rejection'
import type { Person } from '../routing/people.ts'
import type { RenderedMessage } from '../messages/rendered-message.ts'
import { NotifierError } from './notifier.ts'
import { WebhookSmsNotifier } from './sms-webhook.ts'

const gateway = await startSmsProviderStandIn()
t.teardown(() => gateway.close())

const maria: Person = { id: 'maria-ivanova', name: 'Мария Иванова', phone: '+359887000111', language: 'bg' }
const message: RenderedMessage = { smsText: 'Батерията на АЕД е изтощена: кв. „Мошино“', emailSubject: '', emailText: '', emailHtml: '' }


t.test('the gateway receives {to, text} as JSON with the bearer token and idempotency key', async t => {
  const sms = new WebhookSmsNotifier({ url: gateway.webhookUrl, token: gateway.webhookToken })
  const receipt = await sms.send(maria, message, { idempotencyKey: 'k-1' })
  t.match(gateway.messages.at(-1), { via: 'webhook', to: '+359887000111', body: message.smsText, idempotencyKey: 'k-1' })
  t.equal(receipt.providerMessageId, gateway.messages.at(-1)?.sid)
})

t.test('a missing or wrong token is a permanent error', async t => {
  const sms = new WebhookSmsNotifier({ url: gateway.webhookUrl })
  t.match(await notifierRejection(sms.send(maria, message)), { retryable: false, status: 401, channel: 'sms', recipientId: 'maria-ivanova' })
})

t.test('a 503 from the gateway is retryable', async t => {
  const sms = new WebhookSmsNotifier({ url: gateway.webhookUrl, token: gateway.webhookToken })
  gateway.failNext(1, 503)
  t.match(await notifierRejection(sms.send(maria, message)), { retryable: true, status: 503 })
  t.ok(await sms.send(maria, message))
})
