import type { Notifier } from './notifier.ts'
import { EmailNotifier, type SmtpConfig } from './email-notifier.ts'
import { TwilioSmsNotifier, type TwilioSmsConfig } from './sms-twilio.ts'
import { WebhookSmsNotifier, type WebhookSmsConfig } from './sms-webhook.ts'

export type SmsChannelConfig =
  | { provider: 'none' }
  | ({ provider: 'twilio' } & TwilioSmsConfig)
  | ({ provider: 'webhook' } & WebhookSmsConfig)

/** The channels people are reached on (docs/notifications.md maps the environment to it). */
export interface ChannelsConfig {
  /** Without it, nobody gets email. */
  email?: SmtpConfig | undefined
  sms: SmsChannelConfig
}

/** One notifier per configured channel; nothing connects until the first send. */
export function createNotifiers (config: ChannelsConfig): Notifier[] {
  const notifiers: Notifier[] = []
  switch (config.sms.provider) {
    case 'twilio': notifiers.push(new TwilioSmsNotifier(config.sms)); break
    case 'webhook': notifiers.push(new WebhookSmsNotifier(config.sms)); break
    case 'none': break
  }
  if (config.email !== undefined) notifiers.push(new EmailNotifier(config.email))
  return notifiers
}
