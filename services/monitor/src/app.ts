import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { ServerOptions as HttpsServerOptions } from 'node:https'
import swagger from '@fastify/swagger'
import type { Logger } from 'pino'
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod'
import type { CredentialsIssuer } from './credentials-issuer.ts'
import type { AlertDesk } from './ack/alert-desk.ts'
import type { MonitorServices } from './http/monitor-services.ts'
import type { TokenRegistry } from './access/issued-tokens.ts'
import type { AuditLog } from './audit/audit-log.ts'
import { identifyBearer, requireBearer, type TokenVerifier } from './http/api-auth.ts'
import { installErrorHandler } from './http/error-handler.ts'
import { apiRateLimit, pageRateLimit, publicRateLimit, type RateLimits } from './http/rate-limits.ts'
import { registerSecurityHeaders } from './http/security-headers.ts'
import { alertRoutes } from './http/routes/alert-routes.ts'
import { auditRoutes } from './http/routes/audit-routes.ts'
import { cabinetRoutes } from './http/routes/cabinet-routes.ts'
import { healthRoutes } from './http/routes/health-routes.ts'
import { maintenanceRoutes } from './http/routes/maintenance-routes.ts'
import { reportRoutes } from './http/routes/report-routes.ts'
import { tokenRoutes } from './http/routes/token-routes.ts'
import { aedFeedRoutes } from './http/routes/public/aed-feed-routes.ts'
import { homePageRoutes } from './http/routes/public/home-page-routes.ts'
import { ackRoutes } from './ack/ack-routes.ts'
import type { MessageTemplates } from './messages/message-templates.ts'
import type { AlertRouting } from './routing/alert-routing.ts'

export interface AppDependencies {
  services: MonitorServices
  issuer: Pick<CredentialsIssuer, 'issueCabinetSecret'>
  /** Who a bearer token belongs to: the configured and the issued tokens. */
  tokens: TokenVerifier
  /** The tokens issued through the API. */
  issuedTokens: TokenRegistry
  /** Where people's actions are recorded, and read back by admins. */
  audit: Pick<AuditLog, 'record' | 'read'>
  logger: Logger
  /** The acknowledgement pages behind the links in notifications. */
  ack: {
    secret: string
    /** How long a link lasts after its alert opened, ms (ALERT_LINK_TTL_H). */
    ttlMs: number
    routing: AlertRouting
    templates: MessageTemplates
    desk: AlertDesk
  }
  limits: RateLimits
  /** The Grafana fleet overview (DASHBOARD_URL), linked from the public page; unset = no link. */
  dashboardUrl?: string | undefined
  /** Addresses and ranges of reverse proxies whose X-Forwarded-For is believed (TRUST_PROXY). */
  trustProxy?: string[] | undefined
  /** Certificate and key: the API speaks HTTPS only (tls-settings.ts). */
  https?: HttpsServerOptions | undefined
}

/**
 * The HTTP face of the monitor, built without listening so tests call it
 * with app.inject(). Everything under /api/v1 needs a bearer token; the
 * public page (/) and availability feed (/public/v1) need none. All of them
 * but the probes are rate limited.
 */
export async function buildApp ({ services, issuer, tokens, issuedTokens, audit, logger, ack, limits, dashboardUrl, trustProxy, https }: AppDependencies): Promise<FastifyInstance> {
  const options = {
    loggerInstance: logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    trustProxy: trustProxy ?? false
  }
  // Only the raw server differs (https.Server); no route or plugin touches it.
  const app = https === undefined ? Fastify(options) : Fastify({ ...options, https }) as unknown as FastifyInstance
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  installErrorHandler(app)
  await registerSecurityHeaders(app)
  await app.register(swagger, {
    openapi: { info: { title: 'AED fleet monitor', version: '1' }, components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } },
    transform: jsonSchemaTransform
  })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())

  const { clock, fleet } = services
  await app.register(healthRoutes, { health: services.health, metrics: services.metrics })
  await app.register(async api => {
    // In this order: who is it, are they over their limit, may they come in at all.
    api.addHook('onRequest', identifyBearer(tokens))
    await apiRateLimit(api, limits, clock)
    api.addHook('onRequest', requireBearer())
    await api.register(cabinetRoutes, { fleet, commands: services.commands, issuer, audit, clock })
    await api.register(alertRoutes, { alerts: services.alerts, audit })
    await api.register(maintenanceRoutes, { fleet, maintenance: services.maintenance, audit, clock })
    await api.register(tokenRoutes, { tokens: issuedTokens, audit })
    await api.register(auditRoutes, { audit })
    await api.register(reportRoutes, { reports: services.reports, templates: ack.templates, fleetName: fleet.fleet.name, timeZone: fleet.fleet.timezone, clock })
  }, { prefix: '/api/v1' })
  // The signed link is the credential of these pages: no bearer token.
  await app.register(async pages => {
    await pageRateLimit(pages, limits, clock)
    await pages.register(ackRoutes, {
      secret: ack.secret,
      desk: ack.desk,
      audit,
      findCabinet: id => fleet.get(id)?.definition,
      findPerson: id => ack.routing.person(id),
      people: () => ack.routing.file.people,
      linkTtlMs: ack.ttlMs,
      templates: ack.templates,
      clock,
      timeZone: ack.routing.file.timezone
    })
  }, { prefix: '/a' })
  // For anyone: no token, one limit per address for the page and the feed together.
  await app.register(async publicScope => {
    await publicRateLimit(publicScope, limits, clock)
    await publicScope.register(aedFeedRoutes, { fleet })
    await publicScope.register(homePageRoutes, { fleet, dashboardUrl })
  })
  return app
}
