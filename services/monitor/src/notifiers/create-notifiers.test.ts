import t from 'tap'
import { createNotifiers } from './create-notifiers.ts'
import { EmailNotifier } from './email-notifier.ts'
import { TwilioSmsNotifier } from './sms-twilio.ts'
import { WebhookSmsNotifier } from './sms-webhook.ts'

const email = { host: 'smtp.pernik.bg', port: 587, secure: false, from: 'aed@pernik.bg' }

t.test('each configured channel gets one notifier', async t => {
  const twilio = createNotifiers({ email, sms: { provider: 'twilio', baseUrl: 'https://api.twilio.com', accountSid: 'AC1', authToken: 'x', from: '+15005550006' } })
  t.same(twilio.map(n => n.channel), ['sms', 'email'])
  t.type(twilio[0], TwilioSmsNotifier)
  t.type(twilio[1], EmailNotifier)

  const webhook = createNotifiers({ sms: { provider: 'webhook', url: 'http://127.0.0.1:9000/sms' } })
  t.same(webhook.map(n => n.channel), ['sms'])
  t.type(webhook[0], WebhookSmsNotifier)
})

t.test('no SMS provider and no SMTP server means no channels', async t => {
  t.same(createNotifiers({ sms: { provider: 'none' } }), [])
})
