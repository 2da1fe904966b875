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
 * What the service subscribes to: every uplink channel of every cabinet,
 * one filter per channel so the downlink cmd topic is not echoed back.
 */
export const FLEET_SUBSCRIPTIONS = UPLINK_CHANNELS.map(channel => `${PROTOCOL_PREFIX}+/${channel}`)

export interface ParsedTopic {
  cabinetId: string
  channel: UplinkChannel
}

/**
 * Splits aed/v1/{id}/{channel}. Returns undefined for anything that is not
 * an uplink topic of a well-formed cabinet id, including the downlink cmd.
 */
export function parseUplinkTopic (topic: string): ParsedTopic | undefined {
  if (!topic.startsWith(PROTOCOL_PREFIX)) return undefined
  const idEnd = topic.indexOf('/', PROTOCOL_PREFIX.length)
  if (idEnd < 0) return undefined
  const cabinetId = topic.slice(PROTOCOL_PREFIX.length, idEnd)
  const channel = topic.slice(idEnd + 1)
  if (!Object.hasOwn(UPLINK, channel) || !isCabinetId(cabinetId)) return undefined
  return { cabinetId, channel: channel as UplinkChannel }
}

/** Outcome of decoding one MQTT payload; a rejection says why. */
export type DecodeResult =
  | { ok: true, message: UplinkMessage }
  | { ok: false, reason: string, cabinetId?: string }

const MAX_PAYLOAD_BYTES = 16 * 1024

/**
 * Validates topic and payload of one uplink message against the contract.
 * Never throws: a bad message is a value to count and log, not an exception.
 */
export function decodeUplink (topic: string, payload: Buffer): DecodeResult {
  const parsed = parseUplinkTopic(topic)
  if (parsed === undefined) return { ok: false, reason: `not an uplink topic of protocol v1: ${topic}` }
  const { cabinetId, channel } = parsed
  if (payload.length > MAX_PAYLOAD_BYTES) {
    return { ok: false, cabinetId, reason: `payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD_BYTES}` }
  }
  let json: unknown
  try {
    json = JSON.parse(payload.toString('utf8'))
  } catch (err) {
    return { ok: false, cabinetId, reason: `payload is not JSON: ${(err as Error).message}` }
  }
  const result = UPLINK[channel].safeParse(json)
  if (!result.success) {
    const issues = result.error.issues
      .map(issue => `${issue.path.join('.') || '(payload)'}: ${issue.message}`)
      .join('; ')
    return { ok: false, cabinetId, reason: `${channel} payload invalid: ${issues}` }
  }
  return { ok: true, message: { cabinetId, channel, payload: result.data } as UplinkMessage }
}
