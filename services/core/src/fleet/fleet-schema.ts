import { z } from 'zod'
import { CabinetIdSchema } from '../protocol/cabinet-id.ts'
import { OpeningHoursSchema } from './opening-hours.ts'

const SiteIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{1,63}$/, 'site id: lower-case letters, digits and hyphens')

export const CoordinatesSchema = z.object({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180)
})

/**
 * Limits a rule compares readings with. Every field is optional: what a
 * cabinet does not override comes from the service configuration.
 */
export const ThresholdOverridesSchema = z.object({
  temperatureMinC: z.number().optional().describe('Lowest allowed cabinet temperature, °C'),
  temperatureMaxC: z.number().optional().describe('Highest allowed cabinet temperature, °C'),
  temperatureCriticalAfterMin: z.number().positive().optional().describe('Minutes out of range after which the temperature alert pages'),
  batteryLowPercent: z.number().min(0).max(100).optional(),
  batteryCriticalPercent: z.number().min(0).max(100).optional(),
  expiryWarningDays: z.number().int().min(0).optional(),
  selftestMaxAgeH: z.number().positive().optional().describe('Longest time without a self-test result, hours')
}).strict()

export const CabinetStatusSchema = z.enum(['active', 'planned', 'retired'])
  .describe('active: installed and monitored; planned: not installed yet, raises no offline alerts; retired: kept for history')

/** Who may use the AED, as OpenStreetMap's `access` tag says it. */
export const PUBLIC_ACCESS = ['yes', 'permissive', 'customers', 'private'] as const

/**
 * What the public availability feed and page say of a cabinet, as
 * OpenStreetMap tags an AED (emergency=defibrillator). Every field is
 * optional: what is not said here is taken from the cabinet and its site, or
 * left out of the feed, so that the feed never claims what nobody checked
 * (an AED listed as open 24/7 in a building that locks at night sends a
 * rescuer to a closed door).
 */
export const PublicListingSchema = z.object({
  name: z.string().min(1).optional().describe('Name shown to the public (OSM name); default: the site\'s name'),
  location: z.string().min(1).optional()
    .describe('Where to find the AED, for the public (OSM defibrillator:location, e.g. "Партер, до входа"); default: the cabinet\'s location'),
  indoor: z.union([z.boolean(), z.enum(['yes', 'no'])])
    .transform(v => v === true || v === 'yes' ? 'yes' as const : 'no' as const).optional()
    .describe('Inside a building (yes) or on an outside wall (no), OSM indoor; unset: not published'),
  access: z.enum(PUBLIC_ACCESS).default('yes')
    .describe('OSM access: yes (anyone), permissive (anyone, by the owner\'s leave), customers, private; default yes'),
  openingHours: OpeningHoursSchema.optional()
    .describe('When the AED can be reached, OSM opening_hours ("Mo-Fr 08:00-17:00", "24/7"); unset: not published')
}).strict()

export const CabinetSchema = z.object({
  id: CabinetIdSchema,
  status: CabinetStatusSchema.default('active'),
  location: z.string().min(1).describe('Where in the site the cabinet hangs, for the person sent to it'),
  coordinates: CoordinatesSchema.optional().describe('Defaults to the site coordinates'),
  heartbeatIntervalS: z.number().int().min(5).max(3600).default(60),
  model: z.string().optional().describe('AED make and model'),
  thresholds: ThresholdOverridesSchema.default({}),
  // prefault: the default is parsed too, so an absent block still gets access: yes.
  public: PublicListingSchema.prefault({}).describe('How the public feed and page show the cabinet (active cabinets only)')
}).strict()

export const SiteSchema = z.object({
  id: SiteIdSchema,
  name: z.string().min(1),
  shortName: z.string().min(1).optional()
    .describe('What people call the site, for SMS and email subjects ("Община Перник"); without it, the name up to " — "'),
  address: z.string().min(1).describe('Street address, for the person sent there: street, number, block'),
  city: z.string().min(1),
  coordinates: CoordinatesSchema,
  note: z.string().optional(),
  cabinets: z.array(CabinetSchema).min(1)
}).strict()

export const FleetSchema = z.object({
  fleet: z.string().min(1).describe('Name of the fleet, e.g. the municipality'),
  timezone: z.string().default('Europe/Sofia'),
  sites: z.array(SiteSchema).min(1)
}).strict().superRefine((fleet, ctx) => {
  const seenSites = new Set<string>()
  const seenCabinets = new Set<string>()
  fleet.sites.forEach((site, s) => {
    if (seenSites.has(site.id)) ctx.addIssue({ code: 'custom', path: ['sites', s, 'id'], message: `duplicate site id ${site.id}` })
    seenSites.add(site.id)
    site.cabinets.forEach((cabinet, c) => {
      if (seenCabinets.has(cabinet.id)) {
        ctx.addIssue({ code: 'custom', path: ['sites', s, 'cabinets', c, 'id'], message: `duplicate cabinet id ${cabinet.id}` })
      }
      seenCabinets.add(cabinet.id)
    })
  })
})

export type FleetFile = z.infer<typeof FleetSchema>
/** A fleet file as written, before defaults are filled in. */
export type FleetFileSource = z.input<typeof FleetSchema>
export type SiteDefinition = z.infer<typeof SiteSchema>
export type CabinetDefinition = z.infer<typeof CabinetSchema>
export type ThresholdOverrides = z.infer<typeof ThresholdOverridesSchema>
export type CabinetStatus = z.infer<typeof CabinetStatusSchema>
export type PublicListing = z.infer<typeof PublicListingSchema>
export type PublicAccess = typeof PUBLIC_ACCESS[number]
