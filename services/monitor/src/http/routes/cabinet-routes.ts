import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { CabinetIdSchema, CommandNameSchema } from '@aed/core/protocol'
import type { CredentialsIssuer } from '../../credentials-issuer.ts'
import type { Clock } from '@aed/core/time'
import type { CabinetCommander } from '../../commands/cabinet-commands.ts'
import type { AuditTrail } from '../../audit/audit-log.ts'
import type { FleetView } from '../../state/fleet-state.ts'
import { requireRole } from '../api-auth.ts'
import { apiActor } from '../audit-context.ts'
import { CabinetViewSchema, toCabinetView } from '../cabinet-view.ts'
import { ErrorSchema } from '../error-handler.ts'

const Params = z.object({ id: CabinetIdSchema })

export interface CabinetRoutesOptions {
  fleet: FleetView
  commands: CabinetCommander
  issuer: Pick<CredentialsIssuer, 'issueCabinetSecret'>
  audit: AuditTrail
  clock: Clock
}

export const cabinetRoutes: FastifyPluginAsync<CabinetRoutesOptions> = async (app, { fleet, commands, issuer, audit, clock }) => {
  const api = app.withTypeProvider<ZodTypeProvider>()
  const timeZone = fleet.fleet.timezone
  const notFound = { error: 'not_found', message: 'no such cabinet in the fleet file' }

  api.get('/cabinets', {
    schema: { summary: 'Every cabinet with its readiness and live state', response: { 200: z.object({ cabinets: z.array(CabinetViewSchema) }) } }
  }, async () => {
    const now = clock.now()
    return { cabinets: [...fleet.all()].map(c => toCabinetView(c, now, timeZone)) }
  })

  api.get('/cabinets/:id', {
    schema: { params: Params, response: { 200: CabinetViewSchema, 404: ErrorSchema } }
  }, async (request, reply) => {
    const cabinet = fleet.get(request.params.id)
    if (cabinet === undefined) return reply.code(404).send(notFound)
    return toCabinetView(cabinet, clock.now(), timeZone)
  })

  api.post('/cabinets/:id/credentials', {
    onRequest: requireRole('admin'),
    schema: {
      summary: 'Issue a new MQTT secret for a cabinet; returned once, stored hashed; the previous secret stops working',
      params: Params,
      response: { 201: z.object({ cabinetId: z.string(), username: z.string(), clientId: z.string(), secret: z.string(), issuedAt: z.string() }), 404: ErrorSchema }
    }
  }, async (request, reply) => {
    const { id } = request.params
    if (fleet.get(id) === undefined) return reply.code(404).send(notFound)
    const issuedAt = new Date(clock.now())
    const actor = apiActor(request)
    const secret = await issuer.issueCabinetSecret(id, issuedAt)
    request.log.info({ cabinetId: id, by: actor.by }, 'cabinet secret issued')
    await audit.record({ ...actor, action: 'cabinet.secret_issued', subject: id, details: {} })
    return reply.code(201).header('cache-control', 'no-store').send({ cabinetId: id, username: id, clientId: id, secret, issuedAt: issuedAt.toISOString() })
  })

  api.post('/cabinets/:id/commands', {
    onRequest: requireRole('technician'),
    schema: {
      summary: 'Ask a cabinet to do something now (run a self-test, report every reading)',
      params: Params,
      body: z.object({ cmd: CommandNameSchema }),
      response: { 202: z.object({ cabinetId: z.string(), cmd: CommandNameSchema, requestId: z.string() }), 404: ErrorSchema, 503: ErrorSchema }
    }
  }, async (request, reply) => {
    const { id } = request.params
    if (fleet.get(id) === undefined) return reply.code(404).send(notFound)
    if (!commands.available) return reply.code(503).send({ error: 'unavailable', message: 'MQTT broker not connected' })
    const requestId = await commands.send(id, request.body.cmd)
    return reply.code(202).send({ cabinetId: id, cmd: request.body.cmd, requestId })
  })
}
