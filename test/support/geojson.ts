import { z } from 'zod'

/*
 * The structure RFC 7946 gives a GeoJSON document, written from the RFC
 * and independently of the monitor's own schema, so that a test checks the
 * feed against the standard and not against itself.
 */

/** §3.1.1: longitude, latitude, optionally altitude; WGS 84 degrees. */
const Position = z.array(z.number()).min(2).max(3).superRefine((position, ctx) => {
  const [lon = NaN, lat = NaN] = position
  if (!(lon >= -180 && lon <= 180)) ctx.addIssue({ code: 'custom', message: `longitude ${lon} outside [-180, 180] (is it [lat, lon]?)` })
  if (!(lat >= -90 && lat <= 90)) ctx.addIssue({ code: 'custom', message: `latitude ${lat} outside [-90, 90]` })
})
const LinearRing = z.array(Position).min(4)
/** §5: 2·n numbers, all the south-westerly values before the north-easterly ones. */
const Bbox = z.array(z.number()).refine(box => box.length === 4 || box.length === 6, 'bbox has 4 or 6 numbers').optional()

/** §4: there is no crs member any more; coordinates are WGS 84. */
const noCrs = { crs: z.never().optional() }

const Geometry: z.ZodType = z.lazy(() => z.discriminatedUnion('type', [
  z.object({ type: z.literal('Point'), coordinates: Position, bbox: Bbox, ...noCrs }),
  z.object({ type: z.literal('MultiPoint'), coordinates: z.array(Position), bbox: Bbox, ...noCrs }),
  z.object({ type: z.literal('LineString'), coordinates: z.array(Position).min(2), bbox: Bbox, ...noCrs }),
  z.object({ type: z.literal('MultiLineString'), coordinates: z.array(z.array(Position).min(2)), bbox: Bbox, ...noCrs }),
  z.object({ type: z.literal('Polygon'), coordinates: z.array(LinearRing), bbox: Bbox, ...noCrs }),
  z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(LinearRing)), bbox: Bbox, ...noCrs }),
  z.object({ type: z.literal('GeometryCollection'), geometries: z.array(Geometry), bbox: Bbox, ...noCrs })
]))

/** §3.2: a Feature has a geometry (or null), properties (an object or null) and maybe an id, a string or a number. */
const Feature = z.object({
  type: z.literal('Feature'),
  geometry: Geometry.nullable(),
  properties: z.record(z.string(), z.unknown()).nullable(),
  id: z.union([z.string(), z.number()]).optional(),
  bbox: Bbox,
  ...noCrs
})

/** §3.3 */
export const Rfc7946FeatureCollection = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(Feature),
  bbox: Bbox,
  ...noCrs
})

/** Every way `document` is not an RFC 7946 FeatureCollection; empty when it is one. */
export function geoJsonProblems (document: unknown): string[] {
  const result = Rfc7946FeatureCollection.safeParse(document)
  return result.success ? [] : result.error.issues.map(issue => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
}
