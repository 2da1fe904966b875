import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import type { Logger } from 'pino'
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod'
import type { CredentialsIssuer } from './credentials-issuer.ts'
import type { Monitor } from './monitor.ts'
import { requireBearer, type ApiTokens } from './http/api-auth.ts'
import { installErrorHandler } from './http/error-handler.ts'
import { alertRoutes } from './http/routes/alert-routes.ts'
import { cabinetRoutes } from './http/routes/cabinet-routes.ts'
import { healthRoutes } from './http/routes/health-routes.ts'
import { maintenanceRoutes } from './http/routes/maintenance-routes.ts'
import { ackRoutes } from './ack/ack-routes.ts'
import type { MessageTemplates } from './messages/message-templates.ts'
import type { Routing } from './routing/escalation-levels.ts'

export interface AppDependencies {
  monitor: Monitor
  issuer: CredentialsIssuer
  tokens: ApiTokens
  logger: Logger
  /** The acknowledgement pages behind the links in notifications. */
  ack: { secret: string, routing: Routing, templates: MessageTemplates }
}

/**
 * The HTTP face of the monitor, built without listening so tests call it
 * with app.inject(). Everything under /api/v1 needs a bearer token.
 */
export async function buildApp ({ monitor, issuer, tokens, logger, ack }: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }), bodyLimit: 64 * 1024 })
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  installErrorHandler(app)
  await app.register(swagger, {
    openapi: { info: { title: 'AED fleet monitor', version: '1' }, components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } },
    transform: jsonSchemaTransform
  })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())

  await app.register(healthRoutes, { monitor })
  await app.register(async api => {
    api.addHook('onRequest', requireBearer(tokens))
    await api.register(cabinetRoutes, { monitor, issuer })
    await api.register(alertRoutes, { monitor })
    await api.register(maintenanceRoutes, { monitor })
  }, { prefix: '/api/v1' })
  // The signed link is the credential of these pages: no bearer token.
  await app.register(ackRoutes, {
    prefix: '/a',
    secret: ack.secret,
    desk: monitor.desk,
    findCabinet: id => monitor.findCabinet(id),
    findPerson: id => ack.routing.person(id),
    templates: ack.templates,
    clock: monitor.clock,
    timeZone: ack.routing.file.timezone
  })
  return app
}
