import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Acknowledgement links sent by SMS, so every character counts:
 *
 *   token = base64url(payload) "." base64url(HMAC-SHA256(secret, "ack1." + base64url(payload))[0..16])
 *   payload = exp (epoch seconds, base36) "~" personId "~" alertId
 *
 * Person ids never contain "~" (routing/people.ts), so the alert id, last,
 * may contain anything. A 128-bit tag is far beyond online guessing; the
 * "ack1." prefix keeps these MACs apart from anything else signed with the
 * same secret and lets a later format coexist.
 */

const SIGNATURE_BYTES = 16
const DOMAIN = 'ack1.'
const MIN_SECRET_LENGTH = 32

export interface AckClaims {
  alertId: string
  personId: string
  /** Expiry, epoch seconds. */
  exp: number
}

export type AckTokenCheck =
  | { ok: true, claims: AckClaims }
  | { ok: false, reason: 'expired', claims: AckClaims }
  | { ok: false, reason: 'bad_signature' }
  | { ok: false, reason: 'malformed' }

export class AckSecretError extends Error {
  constructor (length: number) {
    super(`the ack link secret must be at least ${MIN_SECRET_LENGTH} characters, got ${length}`)
    this.name = 'AckSecretError'
  }
}

export interface NewAckToken {
  alertId: string
  personId: string
  expiresAt: Date
}

export function createAckToken ({ alertId, personId, expiresAt }: NewAckToken, secret: string): string {
  checkSecret(secret)
  if (personId.includes('~') || personId === '') throw new Error(`person id ${JSON.stringify(personId)} cannot be put in an ack token`)
  if (alertId === '') throw new Error('an ack token needs an alert id')
  const exp = Math.floor(expiresAt.getTime() / 1000)
  const payload = Buffer.from(`${exp.toString(36)}~${personId}~${alertId}`, 'utf8').toString('base64url')
  return `${payload}.${sign(payload, secret).toString('base64url')}`
}

export function verifyAckToken (token: string, secret: string, now: Date = new Date()): AckTokenCheck {
  checkSecret(secret)
  const parts = token.split('.')
  if (parts.length !== 2) return { ok: false, reason: 'malformed' }
  const [payload = '', tag = ''] = parts
  if (!isBase64url(payload) || !isBase64url(tag)) return { ok: false, reason: 'malformed' }
  const given = Buffer.from(tag, 'base64url')
  if (given.length !== SIGNATURE_BYTES) return { ok: false, reason: 'malformed' }
  if (!timingSafeEqual(given, sign(payload, secret))) return { ok: false, reason: 'bad_signature' }

  const claims = parseClaims(Buffer.from(payload, 'base64url').toString('utf8'))
  if (claims === undefined) return { ok: false, reason: 'malformed' }
  if (claims.exp * 1000 <= now.getTime()) return { ok: false, reason: 'expired', claims }
  return { ok: true, claims }
}

/** The link a person opens: `{publicUrl}/a/{token}`. */
export function ackLink (publicUrl: string, token: string, prefix = '/a'): string {
  return `${publicUrl.replace(/\/+$/, '')}${prefix}/${token}`
}

function sign (payload: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(DOMAIN + payload).digest().subarray(0, SIGNATURE_BYTES)
}

function parseClaims (text: string): AckClaims | undefined {
  const first = text.indexOf('~')
  const second = text.indexOf('~', first + 1)
  if (first < 1 || second < 0) return undefined
  const expText = text.slice(0, first)
  const personId = text.slice(first + 1, second)
  const alertId = text.slice(second + 1)
  if (!/^[0-9a-z]{1,11}$/.test(expText) || personId === '' || alertId === '') return undefined
  return { alertId, personId, exp: parseInt(expText, 36) }
}

function isBase64url (text: string): boolean {
  return /^[A-Za-z0-9_-]+$/.test(text)
}

function checkSecret (secret: string): void {
  if (secret.length < MIN_SECRET_LENGTH) throw new AckSecretError(secret.length)
}
