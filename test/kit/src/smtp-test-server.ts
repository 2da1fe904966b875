import { SMTPServer, type SMTPServerAuthentication, type SMTPServerSession } from 'smtp-server'
import type { AddressInfo } from 'node:net'

/**
 * A real SMTP server on loopback for tests: it takes mail as an MTA would
 * (STARTTLS with smtp-server's built-in self-signed certificate, optional
 * AUTH), keeps what it received, parsed, and can be told to refuse
 * recipients with a given reply code.
 */

export interface ReceivedMail {
  /** Envelope sender and recipients, as given in MAIL FROM / RCPT TO. */
  envelopeFrom: string
  envelopeTo: string[]
  /** Header fields by lower-case name, encoded words decoded. */
  headers: Map<string, string>
  subject: string
  /** Decoded text/plain and text/html parts, if present. */
  text?: string | undefined
  html?: string | undefined
  /** Whether the session was encrypted (STARTTLS or implicit TLS) when the mail was sent. */
  secure: boolean
  /** The user that authenticated, if any. */
  user?: string | undefined
  raw: string
}

export interface SmtpTestServerOptions {
  /** Require AUTH with these credentials. */
  credentials?: { user: string, password: string }
  /** Implicit TLS (port 465 style) instead of plain with STARTTLS. */
  secure?: boolean
}

export interface SmtpTestServer {
  readonly host: string
  readonly port: number
  readonly mails: ReceivedMail[]
  /** Refuse the next `count` RCPT TO with this reply (e.g. 550 no such user, 451 try later). */
  refuseNextRecipients (count: number, code: number, message: string): void
  close (): Promise<void>
}

interface Refusal { code: number, message: string }

export async function startSmtpTestServer (options: SmtpTestServerOptions = {}): Promise<SmtpTestServer> {
  const mails: ReceivedMail[] = []
  const refusals: Refusal[] = []
  const credentials = options.credentials

  const server = new SMTPServer({
    // No reverse DNS lookup of the loopback client before the greeting.
    disableReverseLookup: true,
    secure: options.secure ?? false,
    authOptional: credentials === undefined,
    allowInsecureAuth: false,
    logger: false,
    onAuth (auth: SMTPServerAuthentication, _session: SMTPServerSession, callback) {
      if (credentials !== undefined && auth.username === credentials.user && auth.password === credentials.password) {
        callback(null, { user: auth.username })
        return
      }
      callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }))
    },
    onRcptTo (_address, _session, callback) {
      const refusal = refusals.shift()
      if (refusal === undefined) return callback()
      callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }))
    },
    onData (stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8')
        const parsed = parseMime(raw)
        const envelopeFrom = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address
        mails.push({
          envelopeFrom,
          envelopeTo: session.envelope.rcptTo.map(r => r.address),
          headers: parsed.headers,
          subject: parsed.headers.get('subject') ?? '',
          text: parsed.text,
          html: parsed.html,
          secure: session.secure,
          user: typeof session.user === 'string' ? session.user : undefined,
          raw
        })
        callback()
      })
    }
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.server.address() as AddressInfo

  return {
    host: '127.0.0.1',
    port,
    mails,
    refuseNextRecipients (count, code, message) {
      for (let i = 0; i < count; i++) refusals.push({ code, message })
    },
    close: () => new Promise<void>(resolve => server.close(() => resolve()))
  }
}

interface ParsedPart {
  headers: Map<string, string>
  text?: string | undefined
  html?: string | undefined
}

/**
 * Just enough MIME (RFC 2045–2047) for what nodemailer writes: folded
 * headers, encoded words, nested multiparts, base64 and quoted-printable,
 * UTF-8.
 */
export function parseMime (raw: string): ParsedPart {
  const split = raw.indexOf('\r\n\r\n')
  const head = split < 0 ? raw : raw.slice(0, split)
  const body = split < 0 ? '' : raw.slice(split + 4)
  const headers = new Map<string, string>()
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':')
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), decodeEncodedWords(line.slice(colon + 1).trim()))
  }

  const contentType = headers.get('content-type') ?? 'text/plain'
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1]
  if (/^multipart\//i.test(contentType) && boundary !== undefined) {
    const result: ParsedPart = { headers }
    const sections = body.split(`--${boundary}`).slice(1)
    for (const section of sections) {
      if (section.startsWith('--')) break
      const part = parseMime(section.replace(/^\r\n/, ''))
      result.text ??= part.text
      result.html ??= part.html
    }
    return result
  }

  const decoded = decodeTransfer(body, headers.get('content-transfer-encoding') ?? '7bit')
  if (/^text\/html/i.test(contentType)) return { headers, html: decoded }
  if (/^text\/plain/i.test(contentType)) return { headers, text: decoded }
  return { headers }
}

function decodeTransfer (body: string, encoding: string): string {
  switch (encoding.toLowerCase()) {
    case 'base64': return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
    case 'quoted-printable': return quotedPrintableBytes(body.replace(/=\r\n/g, '')).toString('utf8')
    default: return body
  }
}

function quotedPrintableBytes (text: string): Buffer {
  const bytes: number[] = []
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3)
    if (text[i] === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16))
      i += 2
    } else {
      bytes.push(...Buffer.from(text[i] ?? '', 'utf8'))
    }
  }
  return Buffer.from(bytes)
}

// Adjacent encoded words are one text split for line length, possibly in the
// middle of a UTF-8 sequence: join their bytes before decoding.
function decodeEncodedWords (value: string): string {
  const word = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/(?:=\?[^?]+\?[BbQq]\?[^?]*\?=)+/g, run => {
      const bytes: Buffer[] = []
      for (const [, , kind, data = ''] of run.matchAll(word)) {
        bytes.push(kind?.toUpperCase() === 'B'
          ? Buffer.from(data, 'base64')
          : quotedPrintableBytes(data.replace(/_/g, ' ')))
      }
      return Buffer.concat(bytes).toString('utf8')
    })
}
