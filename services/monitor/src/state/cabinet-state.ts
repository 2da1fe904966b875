import type { DoorState, UplinkMessage } from '@aed/core/protocol'
import { clockAheadMs, readingTimeMs } from './reading-time.ts'

/**
 * When one kind of reading was taken and by which message. Readings are
 * ordered by the cabinet's `seq` (one counter for all its topics), not by
 * its clock: a clock far ahead cannot hide the readings after it, and one
 * behind cannot hide a real event. `atMs` is the reading's time
 * (`readingTimeMs`), `receivedMs` its arrival.
 */
export interface ReadingStamp {
  atMs: number
  seq: number | undefined
  receivedMs: number
}

const NEVER: ReadingStamp = { atMs: 0, seq: undefined, receivedMs: 0 }

/**
 * What the monitor knows of one cabinet, kept small: one object per cabinet,
 * numbers for times (epoch ms), nothing copied from the message that is not
 * needed.
 */
export interface CabinetState {
  /** Arrival time of the first message from the cabinet since the monitor started; 0 = never seen. */
  firstSeenMs: number
  /** Arrival time of the last message the cabinet itself sent (not its last will); 0 = never seen. */
  lastSeenMs: number
  /** Arrival time of the last heartbeat; 0 = none. */
  lastHeartbeatMs: number
  /** From the retained status / last will; undefined until one arrives. */
  online: boolean | undefined
  door: DoorState | undefined
  doorAt: ReadingStamp
  temperatureC: number | undefined
  temperatureAt: ReadingStamp
  fw: string | undefined
  batteryPercent: number | undefined
  batteryExpires: string | undefined
  batteryAt: ReadingStamp
  padsExpires: string | undefined
  padsType: string | undefined
  padsAt: ReadingStamp
  selftestResult: 'pass' | 'fail' | undefined
  selftestKind: string | undefined
  selftestFaults: readonly string[] | undefined
  selftestAt: ReadingStamp
  /** How far ahead of the arrival the last message's `ts` was, when beyond the tolerance; 0 when the clock is fine. */
  clockAheadMs: number
}

export function emptyCabinetState (): CabinetState {
  return {
    firstSeenMs: 0,
    lastSeenMs: 0,
    lastHeartbeatMs: 0,
    online: undefined,
    door: undefined,
    doorAt: NEVER,
    temperatureC: undefined,
    temperatureAt: NEVER,
    fw: undefined,
    batteryPercent: undefined,
    batteryExpires: undefined,
    batteryAt: NEVER,
    padsExpires: undefined,
    padsType: undefined,
    padsAt: NEVER,
    selftestResult: undefined,
    selftestKind: undefined,
    selftestFaults: undefined,
    selftestAt: NEVER,
    clockAheadMs: 0
  }
}

/**
 * Whether a reading replaces the one known. A higher `seq` is newer. A
 * lower `seq` is an older message delivered late, unless its time is later:
 * then the cabinet rebooted and its counter restarted. Without a `seq` (a
 * bare status), arrival order decides.
 */
export function isNewer (known: ReadingStamp, next: ReadingStamp): boolean {
  if (known.receivedMs === 0) return true
  if (next.seq === undefined || known.seq === undefined) return next.atMs >= known.atMs || next.seq === undefined
  if (next.seq > known.seq) return true
  return next.atMs > known.atMs
}

/**
 * Folds one validated message into the state. Returns true when a reading
 * changed (as opposed to an older message only refreshing last-seen).
 */
export function applyMessage (state: CabinetState, message: UplinkMessage, receivedAtMs: number, skewToleranceMs: number): boolean {
  const { ts, seq } = message.payload
  const stamp: ReadingStamp = { atMs: readingTimeMs(ts, receivedAtMs, skewToleranceMs), seq, receivedMs: receivedAtMs }
  // The last will is the broker speaking for a cabinet that is gone: it says nothing of when the cabinet was last heard.
  const fromCabinet = !(message.channel === 'status' && message.payload.online === false && seq === undefined)
  if (fromCabinet) {
    if (state.firstSeenMs === 0) state.firstSeenMs = receivedAtMs
    state.lastSeenMs = receivedAtMs
  }
  if (ts !== undefined) state.clockAheadMs = clockAheadMs(ts, receivedAtMs, skewToleranceMs)
  switch (message.channel) {
    case 'heartbeat':
      state.lastHeartbeatMs = receivedAtMs
      // A heartbeat proves the cabinet is connected even if its retained status was lost.
      state.online = true
      if (!isNewer(state.temperatureAt, stamp)) return false
      state.temperatureC = message.payload.temperatureC
      state.temperatureAt = stamp
      state.fw = message.payload.fw
      return true
    case 'door':
      if (!isNewer(state.doorAt, stamp)) return false
      state.door = message.payload.state
      state.doorAt = stamp
      return true
    case 'selftest':
      if (!isNewer(state.selftestAt, stamp)) return false
      state.selftestResult = message.payload.result
      state.selftestKind = message.payload.kind
      state.selftestFaults = message.payload.faults
      state.selftestAt = stamp
      return true
    case 'battery':
      if (!isNewer(state.batteryAt, stamp)) return false
      state.batteryPercent = message.payload.percent
      if (message.payload.expires !== undefined) state.batteryExpires = message.payload.expires
      state.batteryAt = stamp
      return true
    case 'pads':
      if (!isNewer(state.padsAt, stamp)) return false
      state.padsExpires = message.payload.expires
      state.padsType = message.payload.type
      state.padsAt = stamp
      return true
    case 'status':
      state.online = message.payload.online
      return true
    case 'cmd/result':
      return false
  }
}
