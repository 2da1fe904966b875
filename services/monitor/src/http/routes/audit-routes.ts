import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { AuditEntrySchema, type AuditLog } from '../../audit/audit-log.ts'
import { requireRole } from '../api-auth.ts'

const AuditQuery = z.object({
  since: z.iso.datetime().optional().describe('Entries at or after (RFC 3339)'),
  limit: z.coerce.number().int().min(1).max(1000).default(100).describe('At most this many, the newest (default 100)')
})

/** The audit trail, for admins. */
export const auditRoutes: FastifyPluginAsync<{ audit: Pick<AuditLog, 'read'> }> = async (app, { audit }) => {
  const api = app.withTypeProvider<ZodTypeProvider>()
  api.get('/audit', {
    onRequest: requireRole('admin'),
    schema: { summary: 'Who acknowledged, resolved, maintained, issued and revoked what, when and from where; newest first', querystring: AuditQuery, response: { 200: z.object({ entries: z.array(AuditEntrySchema) }) } }
  }, async request => {
    const { since, limit } = request.query
    return { entries: await audit.read({ sinceMs: since === undefined ? undefined : Date.parse(since), limit }) }
  })
}
