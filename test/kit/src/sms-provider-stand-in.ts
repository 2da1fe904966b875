import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A local HTTP server that speaks the part of the Twilio Messages API the
 * monitor uses, plus the generic JSON webhook, for tests. It checks
 * credentials and input the way Twilio does, answers with Twilio's JSON, and
 * can be told to fail or stall the next requests.
 */

export interface ReceivedSms {
  via: 'twilio' | 'webhook'
  to: string
  body: string
  from?: string | undefined
  messagingServiceSid?: string | undefined
  idempotencyKey?: string | undefined
  /** The id this server answered with. */
  sid: string
}

export interface StandInOptions {
  accountSid?: string
  authToken?: string
  webhookToken?: string
}

export interface SmsProviderStandIn {
  /** Twilio API root, as `baseUrl` of the Twilio notifier. */
  readonly baseUrl: string
  readonly webhookUrl: string
  readonly accountSid: string
  readonly authToken: string
  readonly webhookToken: string
  /** Messages accepted, in order. */
  readonly messages: ReceivedSms[]
  /** Every request that reached the server, accepted or not. */
  readonly requestCount: () => number
  /** Answer the next `count` message requests with this status (and a Twilio error body). */
  failNext (count: number, status: number, error?: { code: number, message: string }): void
  /** Never answer the next `count` message requests, to exercise client timeouts. */
  stallNext (count: number): void
  /** The monitor's settings that send its SMS here, from `from`. */
  monitorSettings (from?: string): Record<'SMS_PROVIDER' | 'SMS_BASE_URL' | 'SMS_ACCOUNT_SID' | 'SMS_AUTH_TOKEN' | 'SMS_FROM', string>
  close (): Promise<void>
}

interface Failure { status: number, error: { code: number, message: string } }

const DEFAULT_ERRORS: Record<number, { code: number, message: string }> = {
  429: { code: 20429, message: 'Too Many Requests' },
  500: { code: 20500, message: 'Internal Server Error' },
  503: { code: 20503, message: 'Service Unavailable' }
}

export async function startSmsProviderStandIn (options: StandInOptions = {}): Promise<SmsProviderStandIn> {
  const accountSid = options.accountSid ?? 'AC' + randomBytes(16).toString('hex')
  const authToken = options.authToken ?? randomBytes(16).toString('hex')
  const webhookToken = options.webhookToken ?? randomBytes(16).toString('hex')
  const messages: ReceivedSms[] = []
  const failures: Failure[] = []
  let stalls = 0
  let requests = 0

  const server = createServer((req, res) => {
    requests++
    handle(req, res).catch(err => {
      sendJson(res, 500, { code: 20500, message: `stand-in failed: ${(err as Error).message}`, status: 500 })
    })
  })

  async function handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req)
    const url = new URL(req.url ?? '/', 'http://stand-in')
    const twilioPath = `/2010-04-01/Accounts/${accountSid}/Messages.json`

    if (req.method === 'POST' && url.pathname === twilioPath) {
      if (req.headers.authorization !== basic(accountSid, authToken)) {
        return sendTwilioError(res, 401, { code: 20003, message: 'Authenticate' })
      }
      if (takeStall()) return
      const failure = failures.shift()
      if (failure !== undefined) return sendTwilioError(res, failure.status, failure.error)
      const form = new URLSearchParams(body)
      const to = form.get('To')
      const from = form.get('From') ?? undefined
      const messagingServiceSid = form.get('MessagingServiceSid') ?? undefined
      const text = form.get('Body')
      if (to === null || to === '') return sendTwilioError(res, 400, { code: 21604, message: "A 'To' phone number is required." })
      if (!/^\+[1-9]\d{6,14}$/.test(to)) return sendTwilioError(res, 400, { code: 21211, message: `The 'To' number ${to} is not a valid phone number.` })
      if (from === undefined && messagingServiceSid === undefined) {
        return sendTwilioError(res, 400, { code: 21603, message: "A 'From' or 'MessagingServiceSid' parameter is required to send a message." })
      }
      if (text === null || text === '') return sendTwilioError(res, 400, { code: 21602, message: 'Message body is required.' })
      const sid = 'SM' + randomBytes(16).toString('hex')
      messages.push({ via: 'twilio', to, body: text, from, messagingServiceSid, idempotencyKey: header(req, 'idempotency-key'), sid })
      return sendJson(res, 201, { sid, account_sid: accountSid, to, from: from ?? null, body: text, status: 'queued', num_segments: '1' })
    }

    if (req.method === 'POST' && url.pathname === '/webhook') {
      if (req.headers.authorization !== `Bearer ${webhookToken}`) return sendJson(res, 401, { error: 'unauthorised' })
      if (takeStall()) return
      const failure = failures.shift()
      if (failure !== undefined) return sendJson(res, failure.status, { error: failure.error.message })
      let parsed: unknown
      try {
        parsed = JSON.parse(body)
      } catch {
        return sendJson(res, 400, { error: 'body is not JSON' })
      }
      if (!isWebhookBody(parsed)) return sendJson(res, 400, { error: 'expected {to, text}' })
      const sid = randomBytes(8).toString('hex')
      messages.push({ via: 'webhook', to: parsed.to, body: parsed.text, idempotencyKey: header(req, 'idempotency-key'), sid })
      return sendJson(res, 200, { id: sid })
    }

    sendJson(res, 404, { code: 20404, message: `The requested resource ${url.pathname} was not found`, status: 404 })
  }

  function takeStall (): boolean {
    if (stalls === 0) return false
    stalls--
    return true
  }

  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const origin = `http://127.0.0.1:${port}`

  return {
    baseUrl: origin,
    webhookUrl: `${origin}/webhook`,
    accountSid,
    authToken,
    webhookToken,
    messages,
    requestCount: () => requests,
    failNext (count, status, error) {
      const body = error ?? DEFAULT_ERRORS[status] ?? { code: 20000 + status, message: `status ${status}` }
      for (let i = 0; i < count; i++) failures.push({ status, error: body })
    },
    stallNext (count) {
      stalls += count
    },
    monitorSettings (from = 'AED-Pernik') {
      return { SMS_PROVIDER: 'twilio', SMS_BASE_URL: origin, SMS_ACCOUNT_SID: accountSid, SMS_AUTH_TOKEN: authToken, SMS_FROM: from }
    },
    async close () {
      server.closeAllConnections()
      await new Promise<void>((resolve, reject) => server.close(err => err === undefined ? resolve() : reject(err)))
    }
  }
}

function basic (user: string, password: string): string {
  return 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64')
}

function header (req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}

async function readBody (req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function isWebhookBody (value: unknown): value is { to: string, text: string } {
  if (typeof value !== 'object' || value === null) return false
  const { to, text } = value as Record<string, unknown>
  return typeof to === 'string' && typeof text === 'string'
}

function sendTwilioError (res: ServerResponse, status: number, error: { code: number, message: string }): void {
  sendJson(res, status, { ...error, more_info: `https://www.twilio.com/docs/errors/${error.code}`, status })
}

function sendJson (res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}
