import { z } from 'zod'

/**
 * A cabinet id is also its MQTT client id, its MQTT username, a topic level
 * and an InfluxDB tag value, so it is kept to characters that need no
 * escaping in any of them.
 */
export const CABINET_ID_PATTERN = /^[a-z0-9][a-z0-9-]{2,63}$/

export const CabinetIdSchema = z
  .string()
  .regex(CABINET_ID_PATTERN, 'cabinet id must match ^[a-z0-9][a-z0-9-]{2,63}$')
  .describe('Cabinet id: lower-case letters, digits and hyphens, 3–64 characters')

export type CabinetId = z.infer<typeof CabinetIdSchema>

export function isCabinetId (value: string): boolean {
  return CABINET_ID_PATTERN.test(value)
}
