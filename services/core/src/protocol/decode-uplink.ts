import { UPLINK, parseCabinetTopic, type UplinkMessage } from './topics.ts'

/**
 * Outcome of decoding one MQTT message of the fleet subscription:
 * - `uplink`: a valid message of a channel of the contract;
 * - `rejected`: a message from a cabinet that breaks the contract (a bad
 *   payload, a channel this version does not know, a malformed topic), with
 *   the reason; the cabinet id and channel when the topic names them;
 * - `downlink`: a command on aed/v1/{id}/cmd, sent by a service (the monitor
 *   itself, since the fleet subscription matches it): not telemetry, to ignore.
 */
export type DecodeResult =
  | { kind: 'uplink', message: UplinkMessage }
  | { kind: 'rejected', code: RejectionCode, reason: string, cabinetId?: string, channel?: string }
  | { kind: 'downlink', cabinetId: string }

/**
 * Which rule a rejected message broke, from a small fixed set (a metric
 * label can carry it); the reason text gives the details:
 * - `topic`: not aed/v1/{id}/{channel} with a well-formed cabinet id;
 * - `unknown_channel`: a single-level channel the contract does not define;
 * - `too_large`: a payload over the size limit;
 * - `invalid_json`: a payload that is not JSON;
 * - `schema`: JSON that the channel's schema refuses.
 */
export const REJECTION_CODES = ['topic', 'unknown_channel', 'too_large', 'invalid_json', 'schema'] as const
export type RejectionCode = typeof REJECTION_CODES[number]

const MAX_PAYLOAD_BYTES = 16 * 1024

/**
 * Validates topic and payload of one message against the contract.
 * Never throws: a bad message is a value to count and log, not an exception.
 */
export function decodeUplink (topic: string, payload: Buffer): DecodeResult {
  const route = parseCabinetTopic(topic)
  if (route === undefined) return { kind: 'rejected', code: 'topic', reason: `not an uplink topic of protocol v1: ${topic}` }
  const { cabinetId } = route
  if (route.kind === 'downlink') return { kind: 'downlink', cabinetId }
  if (route.kind === 'unknown-uplink') return { kind: 'rejected', code: 'unknown_channel', cabinetId, channel: route.channel, reason: `unknown channel ${route.channel}` }
  const { channel } = route
  if (payload.length > MAX_PAYLOAD_BYTES) {
    return { kind: 'rejected', code: 'too_large', cabinetId, channel, reason: `payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD_BYTES}` }
  }
  let json: unknown
  try {
    json = JSON.parse(payload.toString('utf8'))
  } catch (err) {
    return { kind: 'rejected', code: 'invalid_json', cabinetId, channel, reason: `payload is not JSON: ${(err as Error).message}` }
  }
  const result = UPLINK[channel].safeParse(json)
  if (!result.success) {
    const issues = result.error.issues
      .map(issue => `${issue.path.join('.') || '(payload)'}: ${issue.message}`)
      .join('; ')
    return { kind: 'rejected', code: 'schema', cabinetId, channel, reason: `${channel} payload invalid: ${issues}` }
  }
  return { kind: 'uplink', message: { cabinetId, channel, payload: result.data } as UplinkMessage }
}
