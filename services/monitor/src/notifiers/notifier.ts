import type { Person } from '../routing/people.ts'
import type { RenderedMessage } from '../messages/rendered-message.ts'

export type Channel = 'sms' | 'email'

export interface SendOptions {
  signal?: AbortSignal | undefined
  /**
   * The same key for every retry of one delivery (alert step × channel ×
   * recipient). HTTP channels send it as an Idempotency-Key header; providers
   * that honour it drop a duplicate, the others ignore the header.
   */
  idempotencyKey?: string | undefined
}

export interface SendReceipt {
  /** The provider's id for the message (Twilio sid, SMTP Message-ID…), for tracing. */
  providerMessageId?: string | undefined
}

/** One way of reaching a person. Implementations reject only with NotifierError. */
export interface Notifier {
  readonly channel: Channel
  /** False when the person has no address on this channel (no phone, no email). */
  canReach (to: Person): boolean
  send (to: Person, message: RenderedMessage, options?: SendOptions): Promise<SendReceipt>
}

export interface NotifierErrorDetails {
  channel: Channel
  recipientId: string
  /** True when the same message may succeed later: network, timeout, 5xx, 429, SMTP 4xx. */
  retryable: boolean
  /** HTTP status or SMTP reply code, when there was one. */
  status?: number | undefined
  /** The provider's own error code (Twilio `code`, nodemailer `code`…). */
  providerCode?: string | number | undefined
}

export class NotifierError extends Error {
  readonly channel: Channel
  readonly recipientId: string
  readonly retryable: boolean
  readonly status: number | undefined
  readonly providerCode: string | number | undefined

  constructor (reason: string, details: NotifierErrorDetails, options?: ErrorOptions) {
    const status = details.status === undefined ? '' : ` (status ${details.status})`
    super(`${details.channel} to ${details.recipientId} failed${status}: ${reason}`, options)
    this.name = 'NotifierError'
    this.channel = details.channel
    this.recipientId = details.recipientId
    this.retryable = details.retryable
    this.status = details.status
    this.providerCode = details.providerCode
  }
}

/**
 * A 4xx says the request itself is wrong (bad number, bad credentials) and
 * will fail the same way again, except 429 which asks to come back later.
 */
export function isRetryableHttpStatus (status: number): boolean {
  return status === 429 || status >= 500
}
