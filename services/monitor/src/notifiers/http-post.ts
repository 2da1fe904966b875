import { NotifierError, isRetryableHttpStatus, type Channel } from './notifier.ts'

/** What an HTTP channel needs to know to name a failure. */
export interface HttpTarget {
  channel: Channel
  recipientId: string
  /** Named in errors; never includes credentials. */
  provider: string
}

export interface HttpPost {
  url: string
  headers: Record<string, string>
  body: string
  timeoutMs: number
  signal?: AbortSignal | undefined
}

export interface HttpAnswer {
  status: number
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown
  text: string
}

/**
 * POSTs and reads the whole answer within the timeout. A network error, a
 * timeout or an abort becomes a retryable NotifierError; the status is left
 * to the caller, which knows how its provider reports errors.
 */
export async function httpPost (target: HttpTarget, request: HttpPost): Promise<HttpAnswer> {
  const timeout = AbortSignal.timeout(request.timeoutMs)
  const signal = request.signal === undefined ? timeout : AbortSignal.any([request.signal, timeout])
  try {
    const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body, signal, redirect: 'error' })
    const text = await response.text()
    return { status: response.status, json: parseJson(text), text }
  } catch (err) {
    const reason = timeout.aborted
      ? `${target.provider} did not answer within ${request.timeoutMs} ms`
      : request.signal?.aborted === true
        ? `${target.provider} request aborted`
        : `${target.provider} unreachable: ${describeFetchError(err)}`
    throw new NotifierError(reason, { channel: target.channel, recipientId: target.recipientId, retryable: true }, { cause: err })
  }
}

/** Classifies a non-2xx answer by its status. */
export function httpStatusError (target: HttpTarget, answer: HttpAnswer, reason: string, providerCode?: string | number): NotifierError {
  return new NotifierError(`${target.provider}: ${reason}`, {
    channel: target.channel,
    recipientId: target.recipientId,
    retryable: isRetryableHttpStatus(answer.status),
    status: answer.status,
    providerCode
  })
}

function parseJson (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

// undici reports "fetch failed" and puts the useful part (ECONNREFUSED…) in the cause.
function describeFetchError (err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const cause = err.cause
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code
    return code === undefined ? cause.message : `${code} ${cause.message}`
  }
  return err.message
}
