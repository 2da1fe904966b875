import { z } from 'zod'

/** Every kind of alert the rules raise (docs/alerts.md). */
export const AlertKindSchema = z.enum([
  'door_open',
  'post_use_inspection',
  'selftest_failed',
  'selftest_overdue',
  'battery_low',
  'battery_critical',
  'battery_expiring',
  'battery_expired',
  'pads_expiring',
  'pads_expired',
  'offline',
  'temperature_out_of_range',
  'clock_skew'
])
export type AlertKind = z.infer<typeof AlertKindSchema>

/**
 * The part of the AED an alert is about, where several kinds judge the same
 * part: an all-clear for one of them is true only while no critical alert
 * on the same part is open, and a warning gives way to a critical alert on
 * its part ("superseded", with no all-clear).
 */
const PART: Partial<Record<AlertKind, 'battery' | 'pads'>> = {
  battery_low: 'battery',
  battery_critical: 'battery',
  battery_expiring: 'battery',
  battery_expired: 'battery',
  pads_expiring: 'pads',
  pads_expired: 'pads'
}

export function partOf (kind: AlertKind): 'battery' | 'pads' | undefined {
  return PART[kind]
}

/** `by` of an alert closed because another incident replaced it (more severe, or different): it gets no all-clear. */
export const SUPERSEDED = 'superseded'

/** Every kind that judges a part. */
export const PART_KINDS = Object.keys(PART) as AlertKind[]

export const SeveritySchema = z.enum(['critical', 'warning', 'info'])
export type Severity = z.infer<typeof SeveritySchema>

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 }

export function moreSevere (a: Severity, b: Severity): boolean {
  return SEVERITY_RANK[a] > SEVERITY_RANK[b]
}

export const AlertStatusSchema = z.enum(['open', 'acknowledged', 'resolved'])
export type AlertStatus = z.infer<typeof AlertStatusSchema>

/**
 * Facts a rule attaches to an alert for people to read: the reading that
 * tripped it (percent, expiry date, temperature, fault codes…). Flat and
 * primitive so templates can use them as they are.
 */
export const AlertFactsSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
export type AlertFacts = z.infer<typeof AlertFactsSchema>

export const AlertSchema = z.object({
  id: z.string(),
  cabinetId: z.string(),
  kind: AlertKindSchema,
  severity: SeveritySchema,
  status: AlertStatusSchema,
  /** A task (post_use_inspection) is resolved by a person, never by a reading. */
  task: z.boolean(),
  openedAt: z.string(),
  updatedAt: z.string(),
  acknowledgedAt: z.string().optional(),
  acknowledgedBy: z.string().optional(),
  resolvedAt: z.string().optional(),
  resolvedBy: z.string().optional(),
  /** 0 = first responders; increases with every escalation step. */
  escalationLevel: z.number().int().nonnegative(),
  facts: AlertFactsSchema
})
export type Alert = z.infer<typeof AlertSchema>
