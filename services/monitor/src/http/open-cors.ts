import type { FastifyInstance } from 'fastify'

/**
 * CORS for what anyone may read (the public feed): any origin, reading
 * only (GET, HEAD), no credentials. A page that polls the feed with
 * If-None-Match sends a header outside the CORS safelist, so its browser
 * asks first with OPTIONS; the answer allows that one header. ETag and the
 * rate limit's headers are exposed so that such a page can see them.
 */
export const OPEN_CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'ETag, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset'
} as const

export const OPEN_CORS_PREFLIGHT_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, HEAD',
  'access-control-allow-headers': 'If-None-Match',
  'access-control-max-age': '86400'
} as const

/** Every answer of the routes registered in `scope`, errors and 429s included, carries the CORS headers. */
export function openCors (scope: FastifyInstance): void {
  scope.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(OPEN_CORS_HEADERS)
    return payload
  })
}

/** Answers a CORS preflight for `path`: 204 with what a cross-origin GET may send. */
export function openCorsPreflight (scope: FastifyInstance, path: string): void {
  scope.options(path, { schema: { hide: true } }, async (_request, reply) => reply.code(204).headers(OPEN_CORS_PREFLIGHT_HEADERS).send())
}
