import type { Person } from '../routing/people.ts'
import type { RenderedMessage } from '../messages/rendered-message.ts'
import { NotifierError, type Notifier, type SendOptions, type SendReceipt } from './notifier.ts'
import { httpPost, httpStatusError, type HttpTarget } from './http-post.ts'

export interface WebhookSmsConfig {
  url: string
  /** Sent as "Authorization: Bearer …" when set. */
  token?: string | undefined
  timeoutMs?: number | undefined
}

const DEFAULT_TIMEOUT_MS = 10_000

/**
 * SMS through a local gateway (a GSM modem box, an SMS-to-HTTP app on a
 * phone): POST {url} with JSON {to, text}. Any 2xx is success; an `id` or
 * `messageId` in a JSON answer is kept for tracing.
 */
export class WebhookSmsNotifier implements Notifier {
  readonly channel = 'sms' as const
  private readonly config: WebhookSmsConfig

  constructor (config: WebhookSmsConfig) {
    this.config = config
  }

  canReach (to: Person): boolean {
    return to.phone !== undefined
  }

  async send (to: Person, message: RenderedMessage, options: SendOptions = {}): Promise<SendReceipt> {
    const target: HttpTarget = { channel: 'sms', recipientId: to.id, provider: 'SMS webhook' }
    if (to.phone === undefined) {
      throw new NotifierError('the person has no phone number', { channel: 'sms', recipientId: to.id, retryable: false })
    }
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' }
    if (this.config.token !== undefined) headers.authorization = `Bearer ${this.config.token}`
    if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey

    const answer = await httpPost(target, {
      url: this.config.url,
      headers,
      body: JSON.stringify({ to: to.phone, text: message.smsText }),
      timeoutMs: this.config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      signal: options.signal
    })
    if (answer.status >= 200 && answer.status < 300) return { providerMessageId: messageId(answer.json) }
    throw httpStatusError(target, answer, `HTTP ${answer.status} ${answer.text.slice(0, 200)}`.trim())
  }
}

function messageId (json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null) return undefined
  const { id, messageId } = json as Record<string, unknown>
  const value = id ?? messageId
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined
}
