import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { CabinetIdSchema } from '@aed/core/protocol'
import type { Clock } from '@aed/core/time'
import { MaintenanceError, type MaintenanceActions } from '../../alerts/maintenance-desk.ts'
import type { AuditTrail } from '../../audit/audit-log.ts'
import type { FleetView } from '../../state/fleet-state.ts'
import { requireRole } from '../api-auth.ts'
import { apiActor } from '../audit-context.ts'
import { CabinetViewSchema, toCabinetView } from '../cabinet-view.ts'
import { ErrorSchema } from '../error-handler.ts'

const Params = z.object({ id: CabinetIdSchema })
const MaintenanceBody = z.object({
  until: z.iso.datetime().optional().describe('End of the window (RFC 3339); without until or minutes it lasts until ended'),
  minutes: z.number().int().positive().max(7 * 24 * 60).optional().describe('Length of the window from now'),
  reason: z.string().max(500).optional().describe('e.g. "pads replacement"')
}).refine(body => body.until === undefined || body.minutes === undefined, 'give until or minutes, not both')

/** A technician's maintenance window: suppresses use and door alerts for the cabinet. */
export const maintenanceRoutes: FastifyPluginAsync<{ fleet: FleetView, maintenance: MaintenanceActions, audit: AuditTrail, clock: Clock }> = async (app, { fleet, maintenance, audit, clock }) => {
  const api = app.withTypeProvider<ZodTypeProvider>()
  const view = (id: string) => toCabinetView(fleet.get(id)!, clock.now(), fleet.fleet.timezone)

  api.post('/cabinets/:id/maintenance', {
    onRequest: requireRole('technician'),
    schema: { summary: 'Start (or change) a maintenance window', params: Params, body: MaintenanceBody, response: { 200: CabinetViewSchema, 400: ErrorSchema, 404: ErrorSchema } }
  }, async (request, reply) => {
    const { id } = request.params
    if (fleet.get(id) === undefined) return reply.code(404).send({ error: 'not_found', message: 'no such cabinet in the fleet file' })
    const { until, minutes, reason } = request.body
    const untilMs = until !== undefined ? Date.parse(until) : minutes !== undefined ? clock.now() + minutes * 60_000 : null
    const actor = apiActor(request)
    try {
      await maintenance.begin(id, untilMs, actor.by, reason)
    } catch (err) {
      if (err instanceof MaintenanceError) return reply.code(400).send({ error: 'bad_request', message: err.message })
      throw err
    }
    await audit.record({ ...actor, action: 'maintenance.started', subject: id, details: { until: untilMs === null ? null : new Date(untilMs).toISOString(), reason: reason ?? null } })
    return view(id)
  })

  api.delete('/cabinets/:id/maintenance', {
    onRequest: requireRole('technician'),
    schema: { summary: 'End a maintenance window now', params: Params, response: { 200: CabinetViewSchema, 404: ErrorSchema } }
  }, async (request, reply) => {
    const { id } = request.params
    if (fleet.get(id) === undefined) return reply.code(404).send({ error: 'not_found', message: 'no such cabinet in the fleet file' })
    const actor = apiActor(request)
    if (await maintenance.end(id, actor.by)) await audit.record({ ...actor, action: 'maintenance.ended', subject: id, details: {} })
    return view(id)
  })
}
