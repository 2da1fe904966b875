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
  | { kind: 'rejected', reason: string, cabinetId?: string, channel?: string }
  | { kind: 'downlink', cabinetId: string }

const MAX_PAYLOAD_BYTES = 16 * 1024

/**
 * Validates topic and payload of one message against the contract.
 * Never throws: a bad message is a value to count and log, not an exception.
 */
export function decodeUplink (topic: string, payload: Buffer): DecodeResult {
  const route = parseCabinetTopic(topic)
  if (route === undefined) return { kind: 'rejected', reason: `not an uplink topic of protocol v1: ${topic}` }
  const { cabinetId } = route
  if (route.kind === 'downlink') return { kind: 'downlink', cabinetId }
  if (route.kind === 'unknown-uplink') return { kind: 'rejected', cabinetId, channel: route.channel, reason: `unknown channel ${route.channel}` }
  const { channel } = route
  if (payload.length > MAX_PAYLOAD_BYTES) {
    return { kind: 'rejected', cabinetId, channel, reason: `payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD_BYTES}` }
  }
  let json: unknown
  try {
    json = JSON.parse(payload.toString('utf8'))
  } catch (err) {
    return { kind: 'rejected', cabinetId, channel, reason: `payload is not JSON: ${(err as Error).message}` }
  }
  const result = UPLINK[channel].safeParse(json)
  if (!result.success) {
    const issues = result.error.issues
      .map(issue => `${issue.path.join('.') || '(payload)'}: ${issue.message}`)
      .join('; ')
    return { kind: 'rejected', cabinetId, channel, reason: `${channel} payload invalid: ${issues}` }
  }
  return { kind: 'uplink', message: { cabinetId, channel, payload: result.data } as UplinkMessage }
}
