import type { FastifyError, FastifyPluginAsync } from 'fastify'
import { HOME_PAGE_CSP, renderHomePage, renderTooManyRequestsPage } from '../../../public/home-page.ts'
import { publicAeds } from '../../../public/public-aeds.ts'
import type { FleetView } from '../../../state/fleet-state.ts'
import { conditionalGet } from '../../conditional-get.ts'
import { TooManyRequestsError } from '../../rate-limits.ts'
import { AED_FEED_PATH, PUBLIC_CACHE_CONTROL } from './aed-feed-routes.ts'

export interface HomePageRoutesOptions {
  fleet: FleetView
  /** The Grafana fleet overview (DASHBOARD_URL), linked from the page when set. */
  dashboardUrl?: string | undefined
}

/**
 * The public page at /: the same AEDs as the feed, in Bulgarian, built from
 * FleetState at each request and cached like the feed (ETag, revalidated
 * before each use).
 */
export const homePageRoutes: FastifyPluginAsync<HomePageRoutesOptions> = async (app, { fleet, dashboardUrl }) => {
  app.addHook('onSend', conditionalGet)

  // Over the rate limit (registered around these routes) a person gets a page, not JSON.
  app.setErrorHandler(async (error: FastifyError, _request, reply) => {
    if (error.statusCode !== 429) throw error
    const retryAfterS = error instanceof TooManyRequestsError ? error.retryAfterS : 60
    return reply.code(429).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(renderTooManyRequestsPage(retryAfterS))
  })

  app.get('/', {
    schema: { hide: true },
    helmet: { contentSecurityPolicy: { useDefaults: false, directives: HOME_PAGE_CSP } }
  }, async (_request, reply) => {
    const html = renderHomePage({
      fleetName: fleet.fleet.name,
      aeds: publicAeds(fleet.all()),
      timeZone: fleet.fleet.timezone,
      feedPath: AED_FEED_PATH,
      dashboardUrl
    })
    return reply.type('text/html; charset=utf-8').header('cache-control', PUBLIC_CACHE_CONTROL).send(html)
  })
}
