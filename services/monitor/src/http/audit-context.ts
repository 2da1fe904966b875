import type { FastifyRequest } from 'fastify'
import type { AuditEvent } from '../audit/audit-log.ts'

/** User agents are cut to this length: enough to tell a browser or a script, no more. */
const USER_AGENT_MAX = 256

/** Where a request came from, as the audit trail records it. */
export function requestOrigin (request: FastifyRequest): Pick<AuditEvent, 'address' | 'userAgent'> {
  const userAgent = request.headers['user-agent']
  return { address: request.ip, userAgent: userAgent === undefined ? null : userAgent.slice(0, USER_AGENT_MAX) }
}

/** Who made an API request and from where: the principal identifyBearer found. */
export function apiActor (request: FastifyRequest): Pick<AuditEvent, 'by' | 'role' | 'tokenId' | 'via' | 'address' | 'userAgent'> {
  const principal = request.principal
  if (principal === undefined) throw new Error(`${request.method} ${request.url}: no principal to audit; the route is not behind requireBearer`)
  return { by: principal.name, role: principal.role, tokenId: principal.tokenId, via: 'api', ...requestOrigin(request) }
}
