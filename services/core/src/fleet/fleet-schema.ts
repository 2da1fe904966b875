import { z } from 'zod'
import { CabinetIdSchema } from '../protocol/cabinet-id.ts'

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

export const CabinetSchema = z.object({
  id: CabinetIdSchema,
  status: CabinetStatusSchema.default('active'),
  location: z.string().min(1).describe('Where in the site the cabinet hangs, for the person sent to it'),
  coordinates: CoordinatesSchema.optional().describe('Defaults to the site coordinates'),
  heartbeatIntervalS: z.number().int().min(5).max(3600).default(60),
  model: z.string().optional().describe('AED make and model'),
  thresholds: ThresholdOverridesSchema.default({})
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
export type SiteDefinition = z.infer<typeof SiteSchema>
export type CabinetDefinition = z.infer<typeof CabinetSchema>
export type ThresholdOverrides = z.infer<typeof ThresholdOverridesSchema>
export type CabinetStatus = z.infer<typeof CabinetStatusSchema>
