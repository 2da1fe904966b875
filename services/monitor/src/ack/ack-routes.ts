import type { FastifyHelmetRouteOptions } from '@fastify/helmet'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { FleetCabinet } from '@aed/core/fleet'
import type { Clock } from '@aed/core/time'
import type { Alert } from '../alerts/alert.ts'
import type { AuditTrail } from '../audit/audit-log.ts'
import { requestOrigin } from '../http/audit-context.ts'
import { TooManyRequestsError } from '../http/rate-limits.ts'
import type { Person } from '../routing/people.ts'
import type { MessageTemplates } from '../messages/message-templates.ts'
import type { AlertDesk } from './alert-desk.ts'
import { ACK_PAGE_CSP, renderAlertPage, renderProblemPage, type ProblemKind } from './ack-page.ts'
import { verifyAnyAckToken, type AckClaims, type ShortAckLookup } from './signed-link.ts'

export interface AckRoutesOptions {
  /** The secret ack tokens are signed with (ALERT_LINK_SECRET). */
  secret: string
  desk: AlertDesk
  /** Where each acknowledgement made here is recorded, with the person and where the request came from. */
  audit: AuditTrail
  findCabinet: (cabinetId: string) => FleetCabinet | undefined
  findPerson: (personId: string) => Person | undefined
  /** Everyone a link may have been made for (the alerting routing's people): a short link names its person only by its tag. */
  people: () => Iterable<Pick<Person, 'id'>>
  /** How long a link lasts after its alert opened, ms (ALERT_LINK_TTL_H): a short link carries no expiry. */
  linkTtlMs: number
  templates: MessageTemplates
  clock?: Clock | undefined
  timeZone?: string | undefined
}

/**
 * The pages behind acknowledgement links, for a prefix such as /a:
 * GET /:token shows the alert, POST /:token acknowledges it for the person
 * the link was made for. Links come in two formats (signed-link.ts). A short
 * link to an alert the monitor does not know is refused like a forged one:
 * without the alert there is no expiry to check, and the answer must not
 * tell which alert ids exist. The signed token is the only credential, so the
 * headers keep it from leaking: no Referer to the map site, no caching, no
 * framing, and a CSP that allows nothing but inline style and posting the
 * form back here. The security headers come from helmet, which the app
 * registers (http/security-headers.ts); these routes give it the page's CSP.
 */
export async function ackRoutes (app: FastifyInstance, options: AckRoutesOptions): Promise<void> {
  const now = (): Date => new Date(options.clock?.now() ?? Date.now())

  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store')
    reply.header('x-robots-tag', 'noindex, nofollow')
  })
  const pageHeaders: FastifyHelmetRouteOptions = { helmet: { contentSecurityPolicy: { useDefaults: false, directives: ACK_PAGE_CSP } } }

  // A request over the rate limit (registered around these routes) gets a page, in both languages: the link is not read yet.
  app.setErrorHandler(async (error: FastifyError, _request, reply) => {
    if (error.statusCode !== 429) throw error
    const retryAfterS = error instanceof TooManyRequestsError ? error.retryAfterS : undefined
    return reply.code(429).type('text/html; charset=utf-8').send(renderProblemPage(options.templates, 'too_many', undefined, retryAfterS))
  })

  // The button posts an empty form; its body carries nothing we read.
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 }, (_request, _body, done) => done(null, {}))
  }

  interface TokenRoute { Params: { token: string } }

  const shortLinks: ShortAckLookup = {
    alertOpenedAtMs: alertId => {
      const alert = options.desk.find(alertId)
      return alert === undefined ? undefined : Date.parse(alert.openedAt)
    },
    personIds: () => Array.from(options.people(), person => person.id),
    ttlMs: options.linkTtlMs
  }

  /** The verified claims, or the reply already sent for a bad link. */
  function authorise (request: FastifyRequest<TokenRoute>, reply: FastifyReply): AckClaims | undefined {
    const check = verifyAnyAckToken(request.params.token, options.secret, shortLinks, now())
    if (check.ok) return check.claims
    if (check.reason === 'expired') {
      // The signature is good, so the person named in it is who the link was sent to.
      void sendProblem(reply, 410, 'expired', check.claims.personId)
    } else {
      void sendProblem(reply, 403, 'invalid')
    }
    return undefined
  }

  function sendProblem (reply: FastifyReply, status: number, problem: ProblemKind, personId?: string): FastifyReply {
    const language = personId === undefined ? undefined : options.findPerson(personId)?.language
    return reply.code(status).type('text/html; charset=utf-8').send(renderProblemPage(options.templates, problem, language))
  }

  function sendAlert (reply: FastifyReply, alert: Alert, claims: AckClaims): FastifyReply {
    const cabinet = options.findCabinet(alert.cabinetId)
    if (cabinet === undefined) return sendProblem(reply, 404, 'not_found', claims.personId)
    const person = options.findPerson(claims.personId)
    const html = renderAlertPage({
      texts: options.templates[person?.language ?? 'bg'],
      alert,
      cabinet,
      personId: claims.personId,
      personName: person?.name,
      acknowledgedByName: alert.acknowledgedBy === undefined ? undefined : options.findPerson(alert.acknowledgedBy)?.name,
      timeZone: options.timeZone
    })
    return reply.code(200).type('text/html; charset=utf-8').send(html)
  }

  app.get<TokenRoute>('/:token', { schema: { hide: true }, ...pageHeaders }, async (request, reply) => {
    const claims = authorise(request, reply)
    if (claims === undefined) return reply
    const alert = options.desk.find(claims.alertId)
    if (alert === undefined) return sendProblem(reply, 404, 'not_found', claims.personId)
    return sendAlert(reply, alert, claims)
  })

  app.post<TokenRoute>('/:token', { schema: { hide: true }, ...pageHeaders }, async (request, reply) => {
    const claims = authorise(request, reply)
    if (claims === undefined) return reply
    const alert = options.desk.find(claims.alertId)
    if (alert === undefined) return sendProblem(reply, 404, 'not_found', claims.personId)
    // Acknowledged by someone else or already resolved: show how it stands, not an error.
    if (alert.status !== 'open') return sendAlert(reply, alert, claims)
    let acknowledged: Alert
    try {
      acknowledged = await options.desk.acknowledge(claims.alertId, claims.personId)
    } catch (err) {
      // Someone may have acknowledged or resolved it a moment earlier.
      const current = options.desk.find(claims.alertId)
      if (current !== undefined && current.status !== 'open') return sendAlert(reply, current, claims)
      request.log.error({ err, alertId: claims.alertId, personId: claims.personId }, 'acknowledging from an ack link failed')
      return sendProblem(reply, 503, 'failed', claims.personId)
    }
    try {
      await options.audit.record({
        action: 'alert.acknowledged', by: claims.personId, role: null, tokenId: null, via: 'ack_link', ...requestOrigin(request),
        subject: claims.alertId, details: { cabinetId: acknowledged.cabinetId, kind: acknowledged.kind }
      })
    } catch (err) {
      // The alert is acknowledged all the same: the person is told so, and the log keeps what the audit trail could not.
      request.log.error({ err, alertId: claims.alertId, personId: claims.personId }, 'an acknowledgement from an ack link could not be written to the audit trail')
    }
    return sendAlert(reply, acknowledged, claims)
  })
}
