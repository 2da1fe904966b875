import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { TokenLimitError, TokenListingSchema, TokenNameSchema, type TokenRegistry } from '../../access/issued-tokens.ts'
import type { AuditTrail } from '../../audit/audit-log.ts'
import { ApiRoleSchema, requireRole } from '../api-auth.ts'
import { apiActor } from '../audit-context.ts'
import { ErrorSchema } from '../error-handler.ts'

const Params = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{12}$/, 'a token id is 12 characters of base64url') })
const TokenBody = z.object({
  name: TokenNameSchema,
  role: ApiRoleSchema,
  expiresInDays: z.number().int().min(1).max(3650).optional().describe('Without it the token lasts until revoked')
})

/** API tokens, issued and revoked by an admin. The token itself is shown once, when issued. */
export const tokenRoutes: FastifyPluginAsync<{ tokens: TokenRegistry, audit: AuditTrail }> = async (app, { tokens, audit }) => {
  const api = app.withTypeProvider<ZodTypeProvider>()

  api.post('/tokens', {
    onRequest: requireRole('admin'),
    schema: {
      summary: 'Issue an API token; the token is in this answer only, and stored as its SHA-256 digest',
      body: TokenBody,
      response: { 201: TokenListingSchema.extend({ token: z.string() }), 409: ErrorSchema }
    }
  }, async (request, reply) => {
    const actor = apiActor(request)
    let issued: Awaited<ReturnType<TokenRegistry['issue']>>
    try {
      issued = await tokens.issue({ ...request.body, by: actor.by })
    } catch (err) {
      if (err instanceof TokenLimitError) return reply.code(409).send({ error: 'conflict', message: err.message })
      throw err
    }
    const { token, listing } = issued
    await audit.record({ ...actor, action: 'token.issued', subject: listing.id, details: { name: listing.name, role: listing.role, expiresAt: listing.expiresAt } })
    return reply.code(201).header('cache-control', 'no-store').send({ ...listing, token })
  })

  api.get('/tokens', {
    onRequest: requireRole('admin'),
    schema: { summary: 'Every issued token, without the token itself', response: { 200: z.object({ tokens: z.array(TokenListingSchema) }) } }
  }, async () => ({ tokens: tokens.list() }))

  api.delete('/tokens/:id', {
    onRequest: requireRole('admin'),
    schema: { summary: 'Revoke a token: it is refused from this answer on', params: Params, response: { 204: z.null(), 404: ErrorSchema } }
  }, async (request, reply) => {
    const actor = apiActor(request)
    const revoked = await tokens.revoke(request.params.id)
    if (revoked === undefined) return reply.code(404).send({ error: 'not_found', message: `token ${request.params.id} not found` })
    await audit.record({ ...actor, action: 'token.revoked', subject: revoked.id, details: { name: revoked.name, role: revoked.role } })
    return reply.code(204).send(null)
  })
}
