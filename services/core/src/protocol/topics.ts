import type { z } from 'zod'
import { isCabinetId } from './cabinet-id.ts'
import {
  BatterySchema, CommandResultSchema, CommandSchema, DoorSchema, HeartbeatSchema,
  PadsSchema, SelftestSchema, StatusSchema
} from './messages.ts'

export const PROTOCOL_PREFIX = 'aed/v1/'

/**
 * The whole uplink contract: the last topic level(s) after aed/v1/{id}/ and
 * the schema of what a cabinet publishes there. Everything that parses or
 * produces uplink messages is typed from this map.
 */
export const UPLINK = {
  heartbeat: HeartbeatSchema,
  door: DoorSchema,
  selftest: SelftestSchema,
  battery: BatterySchema,
  pads: PadsSchema,
  status: StatusSchema,
  'cmd/result': CommandResultSchema
} as const

export type UplinkChannel = keyof typeof UPLINK
export type UplinkPayload<C extends UplinkChannel> = z.infer<(typeof UPLINK)[C]>
/** One validated uplink message, discriminated by channel. */
export type UplinkMessage = {
  [C in UplinkChannel]: { cabinetId: string, channel: C, payload: UplinkPayload<C> }
}[UplinkChannel]

export const UPLINK_CHANNELS = Object.keys(UPLINK) as UplinkChannel[]

export const DOWNLINK = { cmd: CommandSchema } as const
export type DownlinkChannel = keyof typeof DOWNLINK

export function cabinetTopic (cabinetId: string, channel: UplinkChannel | DownlinkChannel): string {
  return `${PROTOCOL_PREFIX}${cabinetId}/${channel}`
}

/** Prefix under which a cabinet may publish. */
export function cabinetTopicPrefix (cabinetId: string): string {
  return `${PROTOCOL_PREFIX}${cabinetId}/`
}

/**
 * What the monitor subscribes to. `+/+` takes every single-level channel,
 * including ones this version does not know (newer firmware), so they are
 * counted as rejected instead of vanishing; it also matches the downlink
 * `cmd`, which `decodeUplink` reports as such. Multi-level uplink channels
 * (`cmd/result`) need a filter of their own. The broker grants these to
 * every service account.
 */
export const FLEET_SUBSCRIPTIONS = [
  `${PROTOCOL_PREFIX}+/+`,
  ...UPLINK_CHANNELS.filter(channel => channel.includes('/')).map(channel => `${PROTOCOL_PREFIX}+/${channel}`)
]

/** Every cabinet's door messages: the monitor's door lane subscribes to this alone. */
export const DOOR_SUBSCRIPTION = `${PROTOCOL_PREFIX}+/door`

/** Where a topic under aed/v1/{id}/ leads. */
export type CabinetTopic =
  | { kind: 'uplink', cabinetId: string, channel: UplinkChannel }
  /** A single-level channel the contract does not define: routed, then rejected by the monitor. */
  | { kind: 'unknown-uplink', cabinetId: string, channel: string }
  | { kind: 'downlink', cabinetId: string, channel: DownlinkChannel }

/** One topic level: not empty, no separator, no wildcard [MQTT-4.7.1-1], no U+0000 [MQTT-1.5.3-2]. */
function isSingleLevel (level: string): boolean {
  return level.length > 0 && !/[/+#\u0000]/.test(level)
}

/**
 * Classifies aed/v1/{id}/{channel} for a well-formed cabinet id. Returns
 * undefined for anything else: another protocol version, a malformed id, an
 * empty or multi-level channel other than those of the contract, wildcards.
 */
export function parseCabinetTopic (topic: string): CabinetTopic | undefined {
  if (!topic.startsWith(PROTOCOL_PREFIX)) return undefined
  const idEnd = topic.indexOf('/', PROTOCOL_PREFIX.length)
  if (idEnd < 0) return undefined
  const cabinetId = topic.slice(PROTOCOL_PREFIX.length, idEnd)
  if (!isCabinetId(cabinetId)) return undefined
  const channel = topic.slice(idEnd + 1)
  if (Object.hasOwn(UPLINK, channel)) return { kind: 'uplink', cabinetId, channel: channel as UplinkChannel }
  if (Object.hasOwn(DOWNLINK, channel)) return { kind: 'downlink', cabinetId, channel: channel as DownlinkChannel }
  if (isSingleLevel(channel)) return { kind: 'unknown-uplink', cabinetId, channel }
  return undefined
}
