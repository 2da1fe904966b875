import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { MonitorServices } from '../monitor-services.ts'

const ReplicaSchema = z.object({
  id: z.string(),
  slots: z.array(z.number().int()).describe('The slots (of slotCount) whose cabinets this replica raises and notifies alerts for'),
  slotCount: z.number().int(),
  members: z.number().int().describe('Replicas alive at the last lease round, this one included'),
  isolated: z.boolean().describe('Redis unreachable for a whole lease: this replica speaks for every cabinet')
})
const HealthSchema = z.object({ ready: z.boolean(), mqtt: z.boolean(), influx: z.boolean(), reasons: z.array(z.string()), replica: ReplicaSchema.optional() })

/** Liveness and readiness probes; no authentication, nothing secret. */
export const healthRoutes: FastifyPluginAsync<Pick<MonitorServices, 'health' | 'metrics'>> = async (app, { health, metrics }) => {
  const api = app.withTypeProvider<ZodTypeProvider>()
  api.get('/healthz', { schema: { response: { 200: z.object({ status: z.literal('ok') }) } } }, async () => ({ status: 'ok' as const }))
  api.get('/readyz', { schema: { response: { 200: HealthSchema, 503: HealthSchema } } }, async (_request, reply) => {
    const report = health()
    return reply.code(report.ready ? 200 : 503).send(report)
  })
  app.get('/metrics', async (_request, reply) => {
    const { contentType, text } = await metrics()
    return reply.type(contentType).send(text)
  })
}
