import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest, onSendHookHandler } from 'fastify'

/** A strong entity tag of a body: its SHA-256, so equal bytes give equal tags on every replica and after a restart. */
export function entityTag (body: string | Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url')}"`
}

/**
 * Whether an If-None-Match header names this tag. RFC 9110 §13.1.2 compares
 * weakly here (W/"x" matches "x"), and "*" matches any current
 * representation.
 */
export function noneMatchHits (header: string | undefined, tag: string): boolean {
  if (header === undefined) return false
  return header.split(',').some(candidate => {
    const value = candidate.trim()
    return value === '*' || value.replace(/^W\//, '') === tag
  })
}

/**
 * An onSend hook for GET and HEAD answers served to anyone: a 200 gets an
 * ETag computed from the bytes sent, and a request whose If-None-Match
 * names it gets 304 without the body (RFC 9110 §13.1.2, §15.4.5), keeping
 * ETag and Cache-Control. Computed from what is actually sent, so it
 * changes exactly when the content does and never serves a stale state.
 */
export const conditionalGet: onSendHookHandler = async (request: FastifyRequest, reply: FastifyReply, payload) => {
  if (reply.statusCode !== 200 || (request.method !== 'GET' && request.method !== 'HEAD')) return payload
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload
  const tag = entityTag(payload)
  reply.header('etag', tag)
  if (!noneMatchHits(request.headers['if-none-match'], tag)) return payload
  reply.code(304)
  reply.removeHeader('content-type')
  reply.removeHeader('content-length')
  return ''
}
