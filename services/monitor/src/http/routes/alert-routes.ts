import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { CabinetIdSchema } from '@aed/core/protocol'
import { AlertKindSchema, AlertSchema, AlertStatusSchema, type Alert } from '../../alerts/alert.ts'
import { AlertNotFoundError } from '../../alerts/alert-book.ts'
import type { AlertActions } from '../../alerts/alert-lifecycle.ts'
import type { AuditTrail } from '../../audit/audit-log.ts'
import { requireRole } from '../api-auth.ts'
import { apiActor } from '../audit-context.ts'
import { ErrorSchema } from '../error-handler.ts'

const AlertQuery = z.object({
  status: z.union([AlertStatusSchema, z.literal('live')]).optional().describe('live = open or acknowledged'),
  cabinet: CabinetIdSchema.optional(),
  kind: AlertKindSchema.optional(),
  since: z.iso.datetime().optional().describe('Opened at or after (RFC 3339)'),
  until: z.iso.datetime().optional().describe('Opened at or before (RFC 3339)')
})
const Params = z.object({ id: z.string().min(1).max(64) })

export const alertRoutes: FastifyPluginAsync<{ alerts: AlertActions, audit: AuditTrail }> = async (app, { alerts, audit }) => {
  const api = app.withTypeProvider<ZodTypeProvider>()

  api.get('/alerts', {
    schema: { summary: 'Alerts, newest first, filtered by status, cabinet, kind and time', querystring: AlertQuery, response: { 200: z.object({ alerts: z.array(AlertSchema) }) } }
  }, async request => {
    const q = request.query
    return {
      alerts: alerts.list({
        status: q.status,
        cabinetId: q.cabinet,
        kind: q.kind,
        sinceMs: q.since === undefined ? undefined : Date.parse(q.since),
        untilMs: q.until === undefined ? undefined : Date.parse(q.until)
      })
    }
  })

  api.get('/alerts/:id', { schema: { params: Params, response: { 200: AlertSchema, 404: ErrorSchema } } }, async (request, reply) => {
    const alert = alerts.get(request.params.id)
    return alert === undefined ? reply.code(404).send({ error: 'not_found', message: `alert ${request.params.id} not found` }) : alert
  })

  for (const action of ['ack', 'resolve'] as const) {
    api.post(`/alerts/:id/${action}`, {
      onRequest: requireRole('responder'),
      schema: { params: Params, response: { 200: AlertSchema, 404: ErrorSchema } }
    }, async (request, reply) => {
      const actor = apiActor(request)
      const { id } = request.params
      const before = alerts.get(id)?.status
      let alert: Alert
      try {
        alert = await (action === 'ack' ? alerts.acknowledge(id, actor.by) : alerts.resolve(id, actor.by))
      } catch (err) {
        if (err instanceof AlertNotFoundError) return reply.code(404).send({ error: 'not_found', message: err.message })
        throw err
      }
      // Only what this request changed: acknowledging again, or resolving a resolved alert, did nothing.
      const done = action === 'ack' ? before === 'open' && alert.status === 'acknowledged' : before !== 'resolved' && alert.status === 'resolved'
      if (done) {
        await audit.record({ ...actor, action: action === 'ack' ? 'alert.acknowledged' : 'alert.resolved', subject: id, details: { cabinetId: alert.cabinetId, kind: alert.kind } })
      }
      return alert
    })
  }
}
