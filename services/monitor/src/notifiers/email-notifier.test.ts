import t from 'tap'
import { createServer } from 'node:net'
import { startSmtpTestServer } from '@aed/testkit/smtp-test-server'
import { notifierRejection } from '@aed/testkit/notifier-rejection'
import type { Person } from '../routing/people.ts'
import type { RenderedMessage } from '../messages/rendered-message.ts'
import { EmailNotifier, type SmtpConfig } from './email-notifier.ts'
import { NotifierError } from './notifier.ts'

const credentials = { user: 'alerts', password: 'correct horse battery staple' }
const smtp = await startSmtpTestServer({ credentials })
const smtps = await startSmtpTestServer({ secure: true })
t.teardown(async () => {
  await smtp.close()
  await smtps.close()
})

const ivan: Person = { id: 'ivan-petrov', name: 'Иван Петров', email: 'ivan.petrov@pernik.bg', language: 'bg' }
const message: RenderedMessage = {
  smsText: '',
  emailSubject: 'КРИТИЧНО: Отворен шкаф с АЕД — Община Перник, пл. „Св. Иван Рилски“ 1А',
  emailText: 'Шкафът с АЕД в Община Перник беше отворен.\nПроверете дали е подаден сигнал на 112.\n' + 'Дълъг ред '.repeat(30),
  emailHtml: '<p>Шкафът с АЕД в <b>Община Перник</b> беше отворен.</p>'
}

function config (overrides: Partial<SmtpConfig> = {}): SmtpConfig {
  return {
    host: smtp.host,
    port: smtp.port,
    secure: false,
    requireTls: true,
    tlsRejectUnauthorized: false,
    user: credentials.user,
    password: credentials.password,
    from: 'АЕД Перник <aed@pernik.bg>',
    timeoutMs: 2000,
    ...overrides
  }
}


t.test('a mail arrives over STARTTLS with auth: recipient, Cyrillic subject and body, HTML part', async t => {
  const email = new EmailNotifier(config())
  t.teardown(() => email.close())
  const receipt = await email.send(ivan, message, { idempotencyKey: 'alert-7:opened:email:ivan-petrov' })
  const mail = smtp.mails.at(-1)
  t.ok(mail)
  if (mail === undefined) return
  t.same(mail.envelopeTo, ['ivan.petrov@pernik.bg'])
  t.equal(mail.envelopeFrom, 'aed@pernik.bg')
  t.equal(mail.secure, true, 'upgraded with STARTTLS')
  t.equal(mail.user, 'alerts')
  t.equal(mail.subject, message.emailSubject)
  t.equal(mail.text?.trimEnd(), message.emailText.trimEnd())
  t.equal(mail.html, message.emailHtml)
  t.match(mail.headers.get('to'), /Иван Петров.*<ivan\.petrov@pernik\.bg>/)
  t.equal(mail.headers.get('message-id'), '<alert-7_opened_email_ivan-petrov@pernik.bg>')
  t.equal(receipt.providerMessageId, '<alert-7_opened_email_ivan-petrov@pernik.bg>')
  t.equal(mail.headers.get('auto-submitted'), 'auto-generated')
})

t.test('implicit TLS (secure) delivers too', async t => {
  const email = new EmailNotifier(config({ port: smtps.port, secure: true, requireTls: false, user: undefined, password: undefined }))
  await email.send(ivan, message)
  t.equal(smtps.mails.at(-1)?.secure, true)
  t.equal(smtps.mails.at(-1)?.subject, message.emailSubject)
})

t.test('a wrong password is permanent', async t => {
  const email = new EmailNotifier(config({ password: 'wrong' }))
  const err = await notifierRejection(email.send(ivan, message))
  t.match(err, { channel: 'email', recipientId: 'ivan-petrov', retryable: false, status: 535, providerCode: 'EAUTH' })
})

t.test('a refused recipient is permanent on 5xx and retryable on 4xx', async t => {
  const email = new EmailNotifier(config())
  smtp.refuseNextRecipients(1, 550, 'No such user here')
  const refused = await notifierRejection(email.send(ivan, message))
  t.match(refused, { retryable: false, status: 550 })
  t.match(refused.message, /No such user here/)

  smtp.refuseNextRecipients(1, 451, 'Greylisted, try again later')
  t.match(await notifierRejection(email.send(ivan, message)), { retryable: true, status: 451 })
})

t.test('a self-signed certificate is refused unless told otherwise, and that is permanent', async t => {
  const email = new EmailNotifier(config({ tlsRejectUnauthorized: true }))
  const err = await notifierRejection(email.send(ivan, message))
  t.equal(err.retryable, false)
  t.match(err.message, /CERT/)
})

t.test('an unreachable server is retryable', async t => {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise(resolve => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no port')
  const email = new EmailNotifier(config({ port: address.port }))
  const err = await notifierRejection(email.send(ivan, message))
  t.match(err, { retryable: true, providerCode: 'ESOCKET' })
})

t.test('a person without an email address cannot be reached', async t => {
  const email = new EmailNotifier(config())
  const noEmail: Person = { id: 'no-email', name: 'Мария', language: 'bg' }
  t.equal(email.canReach(noEmail), false)
  t.match(await notifierRejection(email.send(noEmail, message)), { retryable: false })
})
