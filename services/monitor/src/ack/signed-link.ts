import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Acknowledgement links sent by SMS, so every character counts. Two formats.
 *
 * The short format ("ack2"), which notifications use:
 *
 *   token = alertId tag                                     19 characters
 *   alertId = the alert book's id: 8 base64url characters (48 random bits)
 *   tag = base64url(HMAC-SHA256(secret, "ack2." + alertId + "." + personId)[0..8])   11 characters
 *
 * Alert ids are fixed length, so no separator is needed. The token carries
 * neither the person nor the expiry: the pages find the alert by its id, the
 * person by computing the tag for each person they know (at most a few
 * dozen), and the expiry from the alert's opening plus the link lifetime.
 * So the server stays stateless about links, and the token reveals nothing
 * but an alert id.
 *
 * A 64-bit tag is far beyond online guessing: even knowing an alert id and
 * trying 10 000 tags a second for the whole 72 h a link lives, the chance of
 * hitting any of 20 people's tags is under 1 in 300 million; a rate limit in
 * the proxy in front (the service has none of its own) makes it smaller
 * still. Without a link in hand there is no alert id either (48 random
 * bits), and without the secret nothing can be guessed offline. A forged tag
 * would buy an "I'm on it" in someone's name on one alert. Tags are compared
 * in constant time, as base64url text, so only the one canonical spelling
 * verifies (not the spare bits of the last character).
 *
 * The long format ("ack1"), still verified for links sent before the short
 * one and made for alert ids the short one cannot carry:
 *
 *   token = base64url(payload) "." base64url(HMAC-SHA256(secret, "ack1." + base64url(payload))[0..16])
 *   payload = exp (epoch seconds, base36) "~" personId "~" alertId
 *
 * Person ids never contain "~" (routing/people.ts), so the alert id, last,
 * may contain anything. A 128-bit tag is far beyond online guessing.
 *
 * The "ack1." and "ack2." prefixes keep these MACs apart from each other and
 * from anything else signed with the same secret.
 */

const SIGNATURE_BYTES = 16
const DOMAIN = 'ack1.'
const SHORT_TAG_BYTES = 8
const SHORT_DOMAIN = 'ack2.'
/** The alert ids the short format carries: the alert book's (alerts/alert-book.ts). */
const SHORT_ALERT_ID = /^[A-Za-z0-9_-]{8}$/
const SHORT_ALERT_ID_LENGTH = 8
const SHORT_TOKEN = /^[A-Za-z0-9_-]{19}$/
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

export interface ShortAckTokenFor {
  alertId: string
  personId: string
}

/** The short token (ack2) for one person and one alert; the alert id must be 8 base64url characters. */
export function createShortAckToken ({ alertId, personId }: ShortAckTokenFor, secret: string): string {
  checkSecret(secret)
  if (!SHORT_ALERT_ID.test(alertId)) throw new Error(`alert id ${JSON.stringify(alertId)} is not 8 base64url characters: a short ack token cannot carry it`)
  if (personId === '') throw new Error('an ack token needs a person id')
  return alertId + shortTag(alertId, personId, secret)
}

/** What verifying a short token needs, since the token carries only the alert id. */
export interface ShortAckLookup {
  /** When the alert opened, epoch ms; undefined for an alert the monitor does not know. */
  alertOpenedAtMs (alertId: string): number | undefined
  /** Everyone a link may have been made for. */
  personIds (): Iterable<string>
  /** How long a link lasts after its alert opened, ms (ALERT_LINK_TTL_H). */
  ttlMs: number
}

/**
 * A short token's alert and person, found by computing the tag for each
 * person. An unknown alert and a tag matching nobody get the same answer,
 * after the same work, so a link does not tell which alert ids exist.
 */
export function verifyShortAckToken (token: string, secret: string, lookup: ShortAckLookup, now: Date = new Date()): AckTokenCheck {
  checkSecret(secret)
  if (!SHORT_TOKEN.test(token)) return { ok: false, reason: 'malformed' }
  const alertId = token.slice(0, SHORT_ALERT_ID_LENGTH)
  const given = Buffer.from(token.slice(SHORT_ALERT_ID_LENGTH), 'ascii')
  let personId: string | undefined
  for (const candidate of lookup.personIds()) {
    if (timingSafeEqual(given, Buffer.from(shortTag(alertId, candidate, secret), 'ascii'))) personId ??= candidate
  }
  const openedAtMs = lookup.alertOpenedAtMs(alertId)
  if (personId === undefined || openedAtMs === undefined || !Number.isFinite(openedAtMs)) return { ok: false, reason: 'bad_signature' }
  const expiresAtMs = openedAtMs + lookup.ttlMs
  const claims = { alertId, personId, exp: Math.floor(expiresAtMs / 1000) }
  if (expiresAtMs <= now.getTime()) return { ok: false, reason: 'expired', claims }
  return { ok: true, claims }
}

/** A token of either format: short (no "."), or long, as links sent before the short format still are. */
export function verifyAnyAckToken (token: string, secret: string, lookup: ShortAckLookup, now: Date = new Date()): AckTokenCheck {
  return token.includes('.') ? verifyAckToken(token, secret, now) : verifyShortAckToken(token, secret, lookup, now)
}

/**
 * The link `personId` taps to acknowledge `alert`: `{publicUrl}/a/{token}`
 * with the short token, or the long one for an alert id the short format
 * cannot carry. Either way it expires `ttlMs` after the alert opened, which
 * is when the pages consider a short link expired.
 */
export function shortAckLink (publicUrl: string, alert: { id: string, openedAt: string }, personId: string, { secret, ttlMs }: { secret: string, ttlMs: number }): string {
  if (SHORT_ALERT_ID.test(alert.id)) return ackLink(publicUrl, createShortAckToken({ alertId: alert.id, personId }, secret))
  const expiresAt = new Date(Date.parse(alert.openedAt) + ttlMs)
  return ackLink(publicUrl, createAckToken({ alertId: alert.id, personId, expiresAt }, secret))
}

function sign (payload: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(DOMAIN + payload).digest().subarray(0, SIGNATURE_BYTES)
}

function shortTag (alertId: string, personId: string, secret: string): string {
  return createHmac('sha256', secret).update(`${SHORT_DOMAIN}${alertId}.${personId}`).digest().subarray(0, SHORT_TAG_BYTES).toString('base64url')
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
