import { z } from 'zod'

/**
 * Payloads of the cabinet wire protocol v1 (docs/wire-protocol.md).
 *
 * z.object() strips keys it does not know: a newer firmware may add fields
 * without being rejected, and unknown fields never reach storage.
 */

const Timestamp = z.iso
  .datetime({ offset: false })
  .describe('RFC 3339 time in UTC, e.g. 2026-11-24T10:00:00.000Z')

const Sequence = z
  .number()
  .int()
  .nonnegative()
  .max(Number.MAX_SAFE_INTEGER)
  .describe('Incremented by the cabinet for every message; lets the service drop QoS 1 duplicates')

const CalendarDate = z.iso.date().describe('Calendar date, YYYY-MM-DD')

/** Fields every uplink message carries. */
const Uplink = z.object({ ts: Timestamp, seq: Sequence })

export const HeartbeatSchema = Uplink.extend({
  temperatureC: z.number().min(-60).max(100).describe('Temperature inside the cabinet, °C'),
  fw: z.string().min(1).max(64).describe('Controller firmware version'),
  mains: z.boolean().optional().describe('True while the cabinet is on mains power'),
  rssiDbm: z.number().int().min(-150).max(0).optional().describe('Radio signal strength, dBm'),
  uptimeS: z.number().int().nonnegative().optional().describe('Seconds since the controller started')
})

export const DoorStateSchema = z.enum(['open', 'closed'])
export const DoorSchema = Uplink.extend({
  state: DoorStateSchema.describe('Cabinet door state')
})

export const SelftestKindSchema = z.enum(['daily', 'weekly', 'monthly', 'manual'])
export const SelftestSchema = Uplink.extend({
  result: z.enum(['pass', 'fail']).describe('Outcome of the AED self-test'),
  kind: SelftestKindSchema.optional(),
  faults: z
    .array(z.string().min(1).max(64))
    .max(32)
    .optional()
    .describe('Manufacturer fault codes reported by the AED')
})

export const BatterySchema = Uplink.extend({
  percent: z.number().min(0).max(100).describe('AED battery charge, %'),
  expires: CalendarDate.optional().describe('Battery expiry date')
})

export const PadsSchema = Uplink.extend({
  expires: CalendarDate.describe('Electrode pads expiry date'),
  type: z.enum(['adult', 'pediatric']).optional(),
  lot: z.string().min(1).max(64).optional().describe('Pads manufacturing lot')
})

/**
 * Retained availability. The cabinet publishes {online: true, ts} after each
 * connect; its last will, fixed at connect time, is {online: false}, so ts
 * and seq are optional here.
 */
export const StatusSchema = z.object({
  online: z.boolean(),
  ts: Timestamp.optional(),
  seq: Sequence.optional()
})

export const CommandNameSchema = z.enum(['selftest', 'report'])
/** Downlink: the service asks a cabinet to do something now. */
export const CommandSchema = z.object({
  cmd: CommandNameSchema.describe('selftest: run a manual self-test; report: publish every reading now'),
  id: z.string().min(1).max(64).describe('Request id, echoed in the result'),
  ts: Timestamp
})

export const CommandResultSchema = Uplink.extend({
  id: z.string().min(1).max(64).describe('The request id of the command'),
  cmd: CommandNameSchema,
  ok: z.boolean(),
  detail: z.string().max(256).optional()
})

export type Heartbeat = z.infer<typeof HeartbeatSchema>
export type DoorState = z.infer<typeof DoorStateSchema>
export type Door = z.infer<typeof DoorSchema>
export type Selftest = z.infer<typeof SelftestSchema>
export type Battery = z.infer<typeof BatterySchema>
export type Pads = z.infer<typeof PadsSchema>
export type Status = z.infer<typeof StatusSchema>
export type Command = z.infer<typeof CommandSchema>
export type CommandName = z.infer<typeof CommandNameSchema>
export type CommandResult = z.infer<typeof CommandResultSchema>
