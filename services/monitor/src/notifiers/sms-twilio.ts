import type { Person } from '../routing/people.ts'
import type { RenderedMessage } from '../messages/rendered-message.ts'
import { NotifierError, type Notifier, type SendOptions, type SendReceipt } from './notifier.ts'
import { httpPost, httpStatusError, type HttpTarget } from './http-post.ts'

export interface TwilioSmsConfig {
  /** API root; Twilio's own or any compatible provider's. */
  baseUrl: string
  accountSid: string
  authToken: string
  /** Sender number or alphanumeric sender id. One of from / messagingServiceSid is required. */
  from?: string | undefined
  messagingServiceSid?: string | undefined
  timeoutMs?: number | undefined
}

const DEFAULT_TIMEOUT_MS = 10_000

/**
 * SMS through the Twilio Messages API (or a provider that copies it):
 * POST {baseUrl}/2010-04-01/Accounts/{sid}/Messages.json, form-encoded, with
 * HTTP Basic auth. Success is 201 with the message `sid`; errors are JSON
 * {code, message}.
 */
export class TwilioSmsNotifier implements Notifier {
  readonly channel = 'sms' as const
  private readonly config: TwilioSmsConfig

  constructor (config: TwilioSmsConfig) {
    if (config.from === undefined && config.messagingServiceSid === undefined) {
      throw new Error('Twilio SMS needs a sender: set from or messagingServiceSid')
    }
    this.config = config
  }

  canReach (to: Person): boolean {
    return to.phone !== undefined
  }

  async send (to: Person, message: RenderedMessage, options: SendOptions = {}): Promise<SendReceipt> {
    const target: HttpTarget = { channel: 'sms', recipientId: to.id, provider: 'Twilio' }
    if (to.phone === undefined) {
      throw new NotifierError('the person has no phone number', { channel: 'sms', recipientId: to.id, retryable: false })
    }
    const form = new URLSearchParams({ To: to.phone, Body: message.smsText })
    if (this.config.messagingServiceSid !== undefined) form.set('MessagingServiceSid', this.config.messagingServiceSid)
    else if (this.config.from !== undefined) form.set('From', this.config.from)

    const headers: Record<string, string> = {
      authorization: 'Basic ' + Buffer.from(`${this.config.accountSid}:${this.config.authToken}`).toString('base64'),
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json'
    }
    if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey

    const answer = await httpPost(target, {
      url: `${this.config.baseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(this.config.accountSid)}/Messages.json`,
      headers,
      body: form.toString(),
      timeoutMs: this.config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      signal: options.signal
    })

    const json = asRecord(answer.json)
    if (answer.status >= 200 && answer.status < 300) {
      const sid = json?.sid
      return { providerMessageId: typeof sid === 'string' ? sid : undefined }
    }
    const code = json?.code
    const reason = typeof json?.message === 'string' ? json.message : `HTTP ${answer.status} ${answer.text.slice(0, 200)}`
    throw httpStatusError(target, answer, typeof code === 'number' ? `${reason} (Twilio error ${code})` : reason, typeof code === 'number' ? code : undefined)
  }
}

function asRecord (value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : undefined
}
