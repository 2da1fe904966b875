import rateLimit, { normalizeIP, type FastifyRateLimitStore, type FastifyRateLimitStoreCtor, type RateLimitPluginOptions } from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Clock } from '@aed/core/time'
import type { MonitorConfig } from '../config.ts'

/** How many requests fit in one window (RATE_LIMIT_WINDOW_S and the *_RATE_LIMIT settings). */
export interface RateLimits {
  windowMs: number
  /** To /api/v1, per API token. */
  perToken: number
  /** To /api/v1 without a valid token, per client address. */
  apiPerAddress: number
  /** To the acknowledgement pages, per client address. */
  ackPerAddress: number
  /** To the public page and feed, per client address. */
  publicPerAddress: number
}

export function rateLimitsOf (config: Pick<MonitorConfig, 'RATE_LIMIT_WINDOW_S' | 'API_RATE_LIMIT' | 'API_RATE_LIMIT_UNAUTHENTICATED' | 'ACK_RATE_LIMIT' | 'PUBLIC_RATE_LIMIT'>): RateLimits {
  return {
    windowMs: config.RATE_LIMIT_WINDOW_S * 1000,
    perToken: config.API_RATE_LIMIT,
    apiPerAddress: config.API_RATE_LIMIT_UNAUTHENTICATED,
    ackPerAddress: config.ACK_RATE_LIMIT,
    publicPerAddress: config.PUBLIC_RATE_LIMIT
  }
}

/** What a request over its limit is answered with, through the error handler of its routes. */
export class TooManyRequestsError extends Error {
  readonly statusCode = 429
  readonly code = 'too_many_requests'

  constructor (readonly retryAfterS: number) {
    super(`too many requests; try again in ${retryAfterS} s`)
    this.name = 'TooManyRequestsError'
  }
}

/** Counters kept for at most this many tokens and addresses at once; beyond it the oldest windows are forgotten. */
const MAX_KEYS = 10_000

/**
 * Counts requests per key in fixed windows on the monitor's clock (so
 * tests move time by hand): a window starts at a key's first request and
 * lasts timeWindow. `reached` hears of the first request over the limit in
 * each window, once.
 */
function countersOn (clock: Clock, reached: (key: string, retryAfterS: number) => void): FastifyRateLimitStoreCtor {
  return class WindowCounters implements FastifyRateLimitStore {
    private readonly windows = new Map<string, { count: number, startMs: number }>()

    incr (key: string, callback: (error: Error | null, result?: { current: number, ttl: number }) => void, timeWindow: number, max: number): void {
      const now = clock.now()
      let window = this.windows.get(key)
      if (window === undefined || window.startMs + timeWindow <= now) {
        this.windows.delete(key)
        this.forgetBeyond(MAX_KEYS - 1, now, timeWindow)
        window = { count: 0, startMs: now }
        this.windows.set(key, window)
      }
      window.count++
      const ttl = window.startMs + timeWindow - now
      if (window.count === max + 1) reached(key, Math.ceil(ttl / 1000))
      callback(null, { current: window.count, ttl })
    }

    child (): FastifyRateLimitStore {
      return new WindowCounters()
    }

    /** Windows are kept in the order they started: ended ones go first, then the oldest. */
    private forgetBeyond (room: number, now: number, timeWindow: number): void {
      if (this.windows.size <= room) return
      for (const [key, window] of this.windows) {
        if (window.startMs + timeWindow <= now) this.windows.delete(key)
      }
      for (const key of this.windows.keys()) {
        if (this.windows.size <= room) break
        this.windows.delete(key)
      }
    }
  }
}

type LimitName = 'api' | 'ack_pages' | 'public'

function pluginOptions (app: FastifyInstance, clock: Clock, limit: LimitName): RateLimitPluginOptions {
  // Once per key and window: a client held back is worth a line, each refused request is not.
  const reached = (key: string, retryAfterS: number): void => app.log.warn({ limit, key, retryAfterS }, 'rate limit reached')
  return {
    store: countersOn(clock, reached),
    errorResponseBuilder: (_request, context) => new TooManyRequestsError(Math.ceil(context.ttl / 1000))
  }
}

/** A client address as the limits count it: an IPv6 client by its /64, as one host usually holds a whole /64. */
function addressKey (request: FastifyRequest): string {
  return `address:${normalizeIP(request.ip)}`
}

/**
 * The limit of the /api/v1 subtree, as an onRequest hook placed after the
 * bearer token is identified and before it is required: a request with a
 * valid token counts against that token, any other against its address,
 * so made-up tokens cannot buy fresh counters.
 */
export async function apiRateLimit (api: FastifyInstance, limits: RateLimits, clock: Clock): Promise<void> {
  await api.register(rateLimit, { ...pluginOptions(api, clock, 'api'), global: false })
  api.addHook('onRequest', api.rateLimit({
    timeWindow: limits.windowMs,
    keyGenerator: request => request.principal === undefined ? addressKey(request) : `token:${request.principal.tokenId}`,
    max: (_request, key) => key.startsWith('token:') ? limits.perToken : limits.apiPerAddress
  }))
}

/** The limit of every route registered in `pages` after it: per client address. */
export async function pageRateLimit (pages: FastifyInstance, limits: RateLimits, clock: Clock): Promise<void> {
  await pages.register(rateLimit, { ...pluginOptions(pages, clock, 'ack_pages'), global: true, timeWindow: limits.windowMs, max: limits.ackPerAddress, keyGenerator: addressKey })
}

/**
 * The limit of the public page and feed (every route registered in `scope`
 * after it), per client address. They are cheap to serve, so the limit is
 * there for a client polling in a tight loop, not for the many people
 * behind one address of a mobile network.
 */
export async function publicRateLimit (scope: FastifyInstance, limits: RateLimits, clock: Clock): Promise<void> {
  await scope.register(rateLimit, { ...pluginOptions(scope, clock, 'public'), global: true, timeWindow: limits.windowMs, max: limits.publicPerAddress, keyGenerator: addressKey })
}
