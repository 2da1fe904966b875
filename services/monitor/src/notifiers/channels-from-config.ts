import type { MonitorConfig } from '../config.ts'
import type { ChannelsConfig } from './create-notifiers.ts'

/** Maps the validated environment to the notification channels (docs/notifications.md). */
export function channelsFromConfig (config: MonitorConfig): ChannelsConfig {
  const email = config.SMTP_HOST === undefined
    ? undefined
    : {
        host: config.SMTP_HOST,
        port: config.SMTP_PORT,
        secure: config.SMTP_SECURE,
        requireTls: config.SMTP_REQUIRE_TLS,
        user: config.SMTP_USER,
        password: config.SMTP_PASSWORD,
        from: config.SMTP_FROM,
        tlsRejectUnauthorized: config.SMTP_TLS_REJECT_UNAUTHORIZED,
        timeoutMs: config.SMTP_TIMEOUT_MS
      }
  switch (config.SMS_PROVIDER) {
    case 'twilio':
      return {
        email,
        sms: {
          provider: 'twilio',
          baseUrl: config.SMS_BASE_URL,
          timeoutMs: config.SMS_TIMEOUT_MS,
          accountSid: config.SMS_ACCOUNT_SID!,
          authToken: config.SMS_AUTH_TOKEN!,
          ...(config.SMS_MESSAGING_SERVICE_SID !== undefined ? { messagingServiceSid: config.SMS_MESSAGING_SERVICE_SID } : { from: config.SMS_FROM! })
        }
      }
    case 'webhook':
      return { email, sms: { provider: 'webhook', url: config.SMS_WEBHOOK_URL!, token: config.SMS_WEBHOOK_TOKEN, timeoutMs: config.SMS_TIMEOUT_MS } }
    case 'none':
      return { email, sms: { provider: 'none' } }
  }
}
