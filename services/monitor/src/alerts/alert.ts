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
  'temperature_out_of_range'
])
export type AlertKind = z.infer<typeof AlertKindSchema>

export const SeveritySchema = z.enum(['critical', 'warning', 'info'])
export type Severity = z.infer<typeof SeveritySchema>

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
