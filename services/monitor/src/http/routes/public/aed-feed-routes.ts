import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { AedFeatureCollectionSchema, toAedFeatureCollection } from '../../../public/aed-geojson.ts'
import { publicAeds } from '../../../public/public-aeds.ts'
import type { FleetView } from '../../../state/fleet-state.ts'
import { conditionalGet } from '../../conditional-get.ts'
import { ErrorSchema } from '../../error-handler.ts'
import { openCors, openCorsPreflight } from '../../open-cors.ts'

export const AED_FEED_PATH = '/public/v1/aeds.geojson'

/** RFC 7946 §12. Without the charset Fastify adds to JSON types: JSON is UTF-8, and the registration defines no parameters. */
const GEOJSON_MEDIA_TYPE = 'application/geo+json'

/**
 * A browser or shared cache may keep an answer but must ask again before
 * each use (`no-cache`): an AED taken from its cabinet must show as in_use
 * within a second, and any max-age would let a cache hand out the old
 * state for that long. Asking again costs a 304 with no body when nothing
 * changed (ETag). The answer itself is always built from the live fleet
 * state at the moment of the request, never from a cache here.
 */
export const PUBLIC_CACHE_CONTROL = 'public, no-cache'

export interface AedFeedRoutesOptions {
  fleet: FleetView
}

/**
 * The public availability feed: GeoJSON of every active cabinet, for maps
 * and apps, readable by anyone from any origin (open-cors.ts), without a
 * token. It answers from FleetState at each request.
 */
export const aedFeedRoutes: FastifyPluginAsync<AedFeedRoutesOptions> = async (app, { fleet }) => {
  const api = app.withTypeProvider<ZodTypeProvider>()
  openCors(app)
  app.addHook('onSend', conditionalGet)
  openCorsPreflight(app, AED_FEED_PATH)

  api.get(AED_FEED_PATH, {
    // Meant to be fetched from pages on other sites: helmet's same-origin resource policy would stop them.
    helmet: { crossOriginResourcePolicy: { policy: 'cross-origin' } },
    onSend: async (_request, reply, payload) => {
      if (reply.statusCode === 200) reply.header('content-type', GEOJSON_MEDIA_TYPE)
      return payload
    },
    schema: {
      summary: 'Public availability of every active AED, as GeoJSON with OpenStreetMap tags; no token; ETag and If-None-Match',
      produces: [GEOJSON_MEDIA_TYPE],
      response: { 200: AedFeatureCollectionSchema, 429: ErrorSchema }
    }
  }, async (_request, reply) => {
    reply.type(GEOJSON_MEDIA_TYPE).header('cache-control', PUBLIC_CACHE_CONTROL)
    return toAedFeatureCollection(publicAeds(fleet.all()))
  })
}
