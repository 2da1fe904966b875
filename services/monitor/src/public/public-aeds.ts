import type { PublicAccess } from '@aed/core/fleet'
import type { TrackedCabinet } from '../state/fleet-state.ts'
import { publicAvailability, type PublicAvailability } from './public-availability.ts'

/**
 * One AED as the public feed and page show it: where it is, how to reach
 * it, and whether it can be taken now. Built from the fleet file's public
 * block (with its defaults) and the live readiness; nothing else of the
 * cabinet is copied, so nothing internal can slip into what is published
 * (no cabinet id, which is also its MQTT username, no reasons, no people).
 */
export interface PublicAed {
  name: string
  /** Where to find it at the site (OSM defibrillator:location). */
  location: string
  address: string
  city: string
  coordinates: { lat: number, lon: number }
  indoor: 'yes' | 'no' | undefined
  access: PublicAccess
  /** OSM opening_hours; undefined when the fleet file does not say. */
  openingHours: string | undefined
  availability: PublicAvailability
  /** When the cabinet last reported, ISO 8601; null when not heard from since the monitor started. */
  updated: string | null
}

/**
 * Only active cabinets are published: a planned one is not on the wall
 * yet, and a retired one is no longer there.
 */
export function isPublished (cabinet: TrackedCabinet): boolean {
  return cabinet.definition.status === 'active'
}

/** The published AEDs, in fleet-file order. */
export function publicAeds (cabinets: Iterable<TrackedCabinet>): PublicAed[] {
  const aeds: PublicAed[] = []
  for (const cabinet of cabinets) {
    if (isPublished(cabinet)) aeds.push(toPublicAed(cabinet))
  }
  return aeds
}

function toPublicAed ({ definition, readiness, state }: TrackedCabinet): PublicAed {
  const listing = definition.public
  return {
    name: listing.name ?? definition.site.name,
    location: listing.location ?? definition.location,
    address: definition.site.address,
    city: definition.site.city,
    coordinates: { lat: definition.coordinates.lat, lon: definition.coordinates.lon },
    indoor: listing.indoor,
    access: listing.access,
    openingHours: listing.openingHours,
    availability: publicAvailability(readiness.state),
    updated: state.lastSeenMs > 0 ? new Date(state.lastSeenMs).toISOString() : null
  }
}
