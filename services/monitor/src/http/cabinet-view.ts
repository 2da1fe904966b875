import { z } from 'zod'
import { CabinetStatusSchema } from '@aed/core/fleet'
import { READINESS_STATES, daysLeft } from '../readiness/readiness.ts'
import type { TrackedCabinet } from '../state/fleet-state.ts'

const isoOrNull = (ms: number): string | null => ms > 0 ? new Date(ms).toISOString() : null

export const CabinetViewSchema = z.object({
  id: z.string(),
  status: CabinetStatusSchema,
  location: z.string(),
  coordinates: z.object({ lat: z.number(), lon: z.number() }),
  heartbeatIntervalS: z.number(),
  site: z.object({ id: z.string(), name: z.string(), address: z.string(), city: z.string() }),
  readiness: z.object({ state: z.enum(READINESS_STATES), reasons: z.array(z.string()) }),
  maintenance: z.object({
    active: z.boolean(),
    until: z.string().nullable().describe('End of the window; null while active means until ended')
  }),
  live: z.object({
    lastSeen: z.string().nullable().describe('Arrival of the last accepted message'),
    lastHeartbeat: z.string().nullable(),
    online: z.boolean().nullable(),
    door: z.enum(['open', 'closed']).nullable(),
    temperatureC: z.number().nullable(),
    fw: z.string().nullable(),
    battery: z.object({ percent: z.number().nullable(), expires: z.string().nullable(), daysLeft: z.number().nullable() }),
    pads: z.object({ expires: z.string().nullable(), daysLeft: z.number().nullable(), type: z.string().nullable() }),
    selftest: z.object({
      result: z.enum(['pass', 'fail']).nullable(),
      kind: z.string().nullable(),
      faults: z.array(z.string()),
      at: z.string().nullable()
    })
  }),
  thresholds: z.object({
    temperatureMinC: z.number(),
    temperatureMaxC: z.number(),
    batteryLowPercent: z.number(),
    batteryCriticalPercent: z.number(),
    expiryWarningDays: z.number(),
    selftestMaxAgeH: z.number()
  })
})
export type CabinetView = z.infer<typeof CabinetViewSchema>

export function toCabinetView ({ definition, state, readiness, thresholds, maintenanceUntilMs }: TrackedCabinet, now: number, timeZone: string): CabinetView {
  const site = definition.site
  return {
    id: definition.id,
    status: definition.status,
    location: definition.location,
    coordinates: definition.coordinates,
    heartbeatIntervalS: definition.heartbeatIntervalS,
    site: { id: site.id, name: site.name, address: site.address, city: site.city },
    readiness,
    maintenance: maintenanceUntilMs !== undefined && maintenanceUntilMs > now
      ? { active: true, until: Number.isFinite(maintenanceUntilMs) ? new Date(maintenanceUntilMs).toISOString() : null }
      : { active: false, until: null },
    live: {
      lastSeen: isoOrNull(state.lastSeenMs),
      lastHeartbeat: isoOrNull(state.lastHeartbeatMs),
      online: state.online ?? null,
      door: state.door ?? null,
      temperatureC: state.temperatureC ?? null,
      fw: state.fw ?? null,
      battery: { percent: state.batteryPercent ?? null, expires: state.batteryExpires ?? null, daysLeft: daysLeft(state.batteryExpires, now, timeZone) ?? null },
      pads: { expires: state.padsExpires ?? null, daysLeft: daysLeft(state.padsExpires, now, timeZone) ?? null, type: state.padsType ?? null },
      selftest: { result: state.selftestResult ?? null, kind: state.selftestKind ?? null, faults: [...(state.selftestFaults ?? [])], at: isoOrNull(state.selftestAt.atMs) }
    },
    thresholds
  }
}
