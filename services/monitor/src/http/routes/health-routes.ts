import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Monitor } from '../../monitor.ts'

const HealthSchema = z.object({ ready: z.boolean(), mqtt: z.boolean(), influx: z.boolean(), reasons: z.array(z.string()) })

/** Liveness and readiness probes; no authentication, nothing secret. */
export const healthRoutes: FastifyPluginAsync<{ monitor: Monitor }> = async (app, { monitor }) => {
  const api = app.withTypeProvider<ZodTypeProvider>()
  api.get('/healthz', { schema: { response: { 200: z.object({ status: z.literal('ok') }) } } }, async () => ({ status: 'ok' as const }))
  api.get('/readyz', { schema: { response: { 200: HealthSchema, 503: HealthSchema } } }, async (_request, reply) => {
    const health = monitor.health()
    return reply.code(health.ready ? 200 : 503).send(health)
  })
  app.get('/metrics', async (_request, reply) => {
    const c = monitor.counters
    const w = monitor.writer
    const lines = [
      '# TYPE aed_mqtt_messages_received_total counter', `aed_mqtt_messages_received_total ${c.received}`,
      '# TYPE aed_mqtt_messages_accepted_total counter', `aed_mqtt_messages_accepted_total ${c.accepted}`,
      '# TYPE aed_mqtt_messages_duplicate_total counter', `aed_mqtt_messages_duplicate_total ${c.duplicates}`,
      '# TYPE aed_mqtt_messages_unregistered_total counter', `aed_mqtt_messages_unregistered_total ${c.unregistered}`,
      '# TYPE aed_mqtt_messages_rejected_total counter',
      ...[...c.rejectedByChannel].map(([channel, n]) => `aed_mqtt_messages_rejected_total{channel=${JSON.stringify(channel)}} ${n}`),
      '# TYPE aed_influx_lines_written_total counter', `aed_influx_lines_written_total ${w.written}`,
      '# TYPE aed_influx_lines_dropped_total counter', `aed_influx_lines_dropped_total ${w.dropped + w.rejectedByServer}`,
      '# TYPE aed_influx_lines_buffered gauge', `aed_influx_lines_buffered ${w.buffered}`
    ]
    return reply.type('text/plain; version=0.0.4').send(lines.join('\n') + '\n')
  })
}
