import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'

/**
 * The roles, lowest first; each may do what the ones before it may:
 * viewer (facility managers) reads; responder (on-call staff) also
 * acknowledges and resolves alerts; technician also opens maintenance
 * windows and sends commands to cabinets; admin also issues cabinet secrets
 * and API tokens and reads the audit trail.
 */
export const API_ROLES = ['viewer', 'responder', 'technician', 'admin'] as const
export const ApiRoleSchema = z.enum(API_ROLES)
export type ApiRole = z.infer<typeof ApiRoleSchema>

export interface ApiPrincipal {
  name: string
  role: ApiRole
  /** Which token: an issued token's id, or `bootstrap` for AED_ADMIN_TOKEN. */
  tokenId: string
}

/** Finds who a bearer token belongs to, if anyone. */
export interface TokenVerifier {
  find (token: string): ApiPrincipal | undefined
}

export function roleAtLeast (role: ApiRole, needed: ApiRole): boolean {
  return API_ROLES.indexOf(role) >= API_ROLES.indexOf(needed)
}

/**
 * The tokens the API accepts: those given by configuration (AED_ADMIN_TOKEN),
 * then those issued through the API.
 */
export class ApiTokens implements TokenVerifier {
  /** Keyed by SHA-256 of the token, so lookups compare digests of equal length. */
  private readonly byDigest = new Map<string, ApiPrincipal>()

  constructor (private readonly issued?: TokenVerifier) {}

  add (token: string, principal: ApiPrincipal): void {
    this.byDigest.set(digest(token), principal)
  }

  find (token: string): ApiPrincipal | undefined {
    const wanted = Buffer.from(digest(token), 'hex')
    for (const [key, principal] of this.byDigest) {
      if (timingSafeEqual(Buffer.from(key, 'hex'), wanted)) return principal
    }
    return this.issued?.find(token)
  }
}

function digest (token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: ApiPrincipal
  }
}

/**
 * onRequest hook for a route subtree: finds who the bearer token belongs
 * to, if anyone, and answers nothing. requireBearer() refuses the request
 * later when no one was found; between the two the rate limit can count a
 * request by its token.
 */
export function identifyBearer (tokens: TokenVerifier) {
  return async function identifyRequest (request: FastifyRequest): Promise<void> {
    const header = request.headers.authorization
    const token = header?.startsWith('Bearer ') === true ? header.slice('Bearer '.length).trim() : undefined
    const principal = token === undefined || token === '' ? undefined : tokens.find(token)
    if (principal !== undefined) request.principal = principal
  }
}

/** onRequest hook for a route subtree, after identifyBearer(): a valid bearer token is required. */
export function requireBearer () {
  return async function authenticateRequest (request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (request.principal === undefined) {
      await reply.code(401).header('www-authenticate', 'Bearer realm="aed"').send({ error: 'unauthorized', message: 'a valid bearer token is required' })
    }
  }
}

/**
 * onRequest hook for a route that needs at least `role`. It runs after the
 * bearer token is checked and before the body is parsed or the input
 * validated, so a token of too low a role gets 403 whatever it sends.
 */
export function requireRole (role: ApiRole) {
  return async function authorizeRequest (request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const principal = request.principal
    if (principal === undefined || !roleAtLeast(principal.role, role)) {
      await reply.code(403).send({ error: 'forbidden', message: `this needs the ${role} role` })
    }
  }
}
