import { createTransport, type Transporter } from 'nodemailer'
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js'
import type { Person } from '../routing/people.ts'
import type { RenderedMessage } from '../messages/rendered-message.ts'
import { NotifierError, type Notifier, type SendOptions, type SendReceipt } from './notifier.ts'

export interface SmtpConfig {
  host: string
  port: number
  /** Implicit TLS from the first byte (port 465). When false, STARTTLS is used if offered. */
  secure: boolean
  /** Refuse to send unless the server upgrades with STARTTLS. */
  requireTls?: boolean | undefined
  user?: string | undefined
  password?: string | undefined
  /** "Name <address>" or an address. */
  from: string
  timeoutMs?: number | undefined
  /** Only for servers with a private CA or a self-signed certificate. */
  tlsRejectUnauthorized?: boolean | undefined
}

const DEFAULT_TIMEOUT_MS = 15_000

/** nodemailer error codes that will fail the same way again. */
const PERMANENT_CODES = new Set(['EAUTH', 'ETLS', 'EENVELOPE', 'EMESSAGE', 'EPROTOCOL'])
/**
 * OpenSSL verification failures that nodemailer reports as a socket error
 * (ESOCKET with originalCode CERT_HAS_EXPIRED…): a wrong certificate stays
 * wrong until someone changes the server or the configuration.
 */
const CERTIFICATE_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/

/** Email over SMTP with a plain-text and an HTML body. */
export class EmailNotifier implements Notifier {
  readonly channel = 'email' as const
  private readonly config: SmtpConfig
  private transporter: Transporter<SMTPTransport.SentMessageInfo> | undefined

  constructor (config: SmtpConfig) {
    this.config = config
  }

  canReach (to: Person): boolean {
    return to.email !== undefined
  }

  async send (to: Person, message: RenderedMessage, options: SendOptions = {}): Promise<SendReceipt> {
    const failure = (reason: string, retryable: boolean, extra: { status?: number, providerCode?: string, cause?: unknown } = {}): NotifierError =>
      new NotifierError(reason, { channel: 'email', recipientId: to.id, retryable, status: extra.status, providerCode: extra.providerCode }, { cause: extra.cause })

    if (to.email === undefined) throw failure('the person has no email address', false)
    if (options.signal?.aborted === true) throw failure('email aborted before sending', true)

    const sending = this.transport().sendMail({
      from: this.config.from,
      to: { name: to.name, address: to.email },
      subject: message.emailSubject,
      text: message.emailText,
      html: message.emailHtml,
      messageId: options.idempotencyKey === undefined ? undefined : messageIdFor(options.idempotencyKey, this.config.from),
      headers: {
        // RFC 3834: tells vacation responders and list software not to answer.
        'Auto-Submitted': 'auto-generated',
        'X-Auto-Response-Suppress': 'All'
      }
    })

    try {
      const info = await abortable(sending, options.signal)
      return { providerMessageId: info.messageId }
    } catch (err) {
      if (err instanceof AbortedError) throw failure('email aborted while sending; it may still be delivered', true, { cause: err })
      const { code, originalCode, responseCode, response } = err as { code?: string, originalCode?: string, responseCode?: number, response?: string }
      const reason = `SMTP ${this.config.host}:${this.config.port}: ${response ?? (err as Error).message}${originalCode === undefined ? '' : ` (${originalCode})`}`
      if (responseCode !== undefined && responseCode >= 400 && responseCode < 500) {
        throw failure(reason, true, { status: responseCode, providerCode: code, cause: err })
      }
      const permanent = (responseCode !== undefined && responseCode >= 500) ||
        (code !== undefined && PERMANENT_CODES.has(code)) ||
        (originalCode !== undefined && CERTIFICATE_ERROR.test(originalCode))
      throw failure(reason, !permanent, { status: responseCode, providerCode: code, cause: err })
    }
  }

  /** Closes idle pooled connections; nothing to do for one-shot connections. */
  close (): void {
    this.transporter?.close()
    this.transporter = undefined
  }

  private transport (): Transporter<SMTPTransport.SentMessageInfo> {
    const timeout = this.config.timeoutMs ?? DEFAULT_TIMEOUT_MS
    this.transporter ??= createTransport({
      host: this.config.host,
      port: this.config.port,
      secure: this.config.secure,
      requireTLS: this.config.requireTls ?? false,
      auth: this.config.user === undefined ? undefined : { user: this.config.user, pass: this.config.password ?? '' },
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      tls: { rejectUnauthorized: this.config.tlsRejectUnauthorized ?? true }
    })
    return this.transporter
  }
}

/**
 * The same delivery keeps the same Message-ID across retries, so a mail that
 * went out before a crash and is sent again shows up once in threading
 * clients and can be deduplicated by the receiving side.
 */
export function messageIdFor (idempotencyKey: string, from: string): string {
  const domain = /@([A-Za-z0-9.-]+)/.exec(from)?.[1] ?? 'aed-monitor.invalid'
  return `<${idempotencyKey.replace(/[^A-Za-z0-9._-]/g, '_')}@${domain}>`
}

class AbortedError extends Error {}

// nodemailer takes no AbortSignal; the caller stops waiting but the SMTP
// exchange already under way runs to its end.
async function abortable<T> (promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return await promise
  let onAbort: (() => void) | undefined
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(new AbortedError('aborted'))
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([promise, aborted])
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort)
    promise.catch(() => {})
  }
}
