import { z } from 'zod'
import { PUBLIC_ACCESS } from '@aed/core/fleet'
import { PUBLIC_AVAILABILITY } from './public-availability.ts'
import type { PublicAed } from './public-aeds.ts'

/*
 * The public feed as GeoJSON (RFC 7946): a FeatureCollection with one Point
 * per published AED. Properties are OpenStreetMap's tags for an AED
 * (https://wiki.openstreetmap.org/wiki/Tag:emergency=defibrillator), so
 * that maps and apps which already read OSM data read these too, plus the
 * live `availability` and `updated`. Nothing in it depends on when it is
 * built, only on what it says: the same state gives the same bytes, and so
 * the same ETag.
 */

/** [longitude, latitude]: RFC 7946 §3.1.1 puts longitude first, the reverse of how people write it. */
const PositionSchema = z.tuple([z.number().min(-180).max(180).describe('longitude'), z.number().min(-90).max(90).describe('latitude')])

export const AedPropertiesSchema = z.object({
  emergency: z.literal('defibrillator'),
  name: z.string(),
  'defibrillator:location': z.string().describe('Where to find the AED at the site'),
  'addr:full': z.string(),
  'addr:city': z.string(),
  indoor: z.enum(['yes', 'no']).optional().describe('Absent when the fleet file does not say'),
  access: z.enum(PUBLIC_ACCESS),
  opening_hours: z.string().optional().describe('OSM opening_hours; absent when the fleet file does not say'),
  availability: z.enum(PUBLIC_AVAILABILITY).describe('available; in_use: the cabinet is open, the AED may be in use; unavailable: offline or not ready'),
  updated: z.string().nullable().describe('When the cabinet last reported (ISO 8601); null when not heard from since the monitor started')
}).strict()

export const AedFeatureSchema = z.object({
  type: z.literal('Feature'),
  geometry: z.object({ type: z.literal('Point'), coordinates: PositionSchema }),
  properties: AedPropertiesSchema
})

export const AedFeatureCollectionSchema = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(AedFeatureSchema)
})
export type AedFeatureCollection = z.infer<typeof AedFeatureCollectionSchema>

export function toAedFeatureCollection (aeds: readonly PublicAed[]): AedFeatureCollection {
  return {
    type: 'FeatureCollection',
    features: aeds.map(aed => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [aed.coordinates.lon, aed.coordinates.lat] },
      properties: {
        emergency: 'defibrillator',
        name: aed.name,
        'defibrillator:location': aed.location,
        'addr:full': aed.address,
        'addr:city': aed.city,
        // An absent tag is OSM's "not known"; a made-up default would be a claim.
        ...(aed.indoor === undefined ? {} : { indoor: aed.indoor }),
        access: aed.access,
        ...(aed.openingHours === undefined ? {} : { opening_hours: aed.openingHours }),
        availability: aed.availability,
        updated: aed.updated
      }
    }))
  }
}
