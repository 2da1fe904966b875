import type { ReceivedSms } from '@aed/testkit/sms-provider-stand-in'
import type { ReceivedMail } from '@aed/testkit/smtp-test-server'

/** Longest part of an email body printed; the rest is counted, not shown. */
const EMAIL_LINES_SHOWN = 40

/**
 * An SMS as the person gets it, in full: the demo is where someone judges
 * whether the text is enough to act on.
 */
export function formatSms (sms: ReceivedSms): string {
  return `📱 SMS to ${sms.to}${sms.from !== undefined ? ` from ${sms.from}` : ''}:\n${indent(sms.body)}`
}

/** An email's subject and plain-text body, trimmed to a screenful. */
export function formatEmail (mail: ReceivedMail): string {
  const lines = (mail.text ?? '(no plain-text part)').replace(/\r\n/g, '\n').trimEnd().split('\n')
  const shown = lines.slice(0, EMAIL_LINES_SHOWN)
  const more = lines.length - shown.length
  return [
    `✉️  email to ${mail.envelopeTo.join(', ')}: ${mail.subject}`,
    indent(shown.join('\n')),
    ...(more > 0 ? [`   … ${more} more line${more === 1 ? '' : 's'}`] : [])
  ].join('\n')
}

/** Prints what arrives at the stand-ins, in order, every `everyMs`. */
export function printMessagesAsTheyArrive (sms: { messages: ReceivedSms[] }, smtp: { mails: ReceivedMail[] }, print: (text: string) => void, everyMs = 300): { stop (): void } {
  let shownSms = 0
  let shownMail = 0
  const timer = setInterval(() => {
    for (const message of sms.messages.slice(shownSms)) print(`\n${formatSms(message)}`)
    for (const mail of smtp.mails.slice(shownMail)) print(`\n${formatEmail(mail)}`)
    shownSms = sms.messages.length
    shownMail = smtp.mails.length
  }, everyMs)
  timer.unref()
  return { stop: () => clearInterval(timer) }
}

function indent (text: string): string {
  return text.split('\n').map(line => `   ${line}`).join('\n')
}
