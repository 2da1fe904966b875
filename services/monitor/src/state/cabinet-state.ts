import type { DoorState, UplinkMessage } from '@aed/core/protocol'

/**
 * What the monitor knows of one cabinet, kept small: one object per cabinet,
 * numbers for times (epoch ms), nothing copied from the message that is not
 * needed. Each reading remembers the cabinet's timestamp of the message it
 * came from, so a message queued during an outage and delivered late never
 * overwrites a newer reading.
 */
export interface CabinetState {
  /** Arrival time of the first accepted message since the monitor started; 0 = never seen. */
  firstSeenMs: number
  /** Arrival time of the last accepted message; 0 = never seen. */
  lastSeenMs: number
  /** Arrival time of the last heartbeat; 0 = none. */
  lastHeartbeatMs: number
  /** From the retained status / last will; undefined until one arrives. */
  online: boolean | undefined
  door: DoorState | undefined
  doorAtMs: number
  temperatureC: number | undefined
  temperatureAtMs: number
  fw: string | undefined
  batteryPercent: number | undefined
  batteryAtMs: number
  batteryExpires: string | undefined
  padsExpires: string | undefined
  padsAtMs: number
  padsType: string | undefined
  selftestResult: 'pass' | 'fail' | undefined
  selftestKind: string | undefined
  selftestFaults: readonly string[] | undefined
  selftestAtMs: number
}

export function emptyCabinetState (): CabinetState {
  return {
    firstSeenMs: 0,
    lastSeenMs: 0,
    lastHeartbeatMs: 0,
    online: undefined,
    door: undefined,
    doorAtMs: 0,
    temperatureC: undefined,
    temperatureAtMs: 0,
    fw: undefined,
    batteryPercent: undefined,
    batteryAtMs: 0,
    batteryExpires: undefined,
    padsExpires: undefined,
    padsAtMs: 0,
    padsType: undefined,
    selftestResult: undefined,
    selftestKind: undefined,
    selftestFaults: undefined,
    selftestAtMs: 0
  }
}

/**
 * Folds one validated message into the state. Returns true when a reading
 * changed (as opposed to an older message only refreshing last-seen).
 */
export function applyMessage (state: CabinetState, message: UplinkMessage, receivedAtMs: number): boolean {
  if (state.firstSeenMs === 0) state.firstSeenMs = receivedAtMs
  state.lastSeenMs = receivedAtMs
  const at = message.payload.ts === undefined ? receivedAtMs : Date.parse(message.payload.ts)
  switch (message.channel) {
    case 'heartbeat':
      state.lastHeartbeatMs = receivedAtMs
      // A heartbeat proves the cabinet is connected even if its retained status was lost.
      state.online = true
      if (at < state.temperatureAtMs) return false
      state.temperatureC = message.payload.temperatureC
      state.temperatureAtMs = at
      state.fw = message.payload.fw
      return true
    case 'door':
      if (at < state.doorAtMs) return false
      state.door = message.payload.state
      state.doorAtMs = at
      return true
    case 'selftest':
      if (at < state.selftestAtMs) return false
      state.selftestResult = message.payload.result
      state.selftestKind = message.payload.kind
      state.selftestFaults = message.payload.faults
      state.selftestAtMs = at
      return true
    case 'battery':
      if (at < state.batteryAtMs) return false
      state.batteryPercent = message.payload.percent
      if (message.payload.expires !== undefined) state.batteryExpires = message.payload.expires
      state.batteryAtMs = at
      return true
    case 'pads':
      if (at < state.padsAtMs) return false
      state.padsExpires = message.payload.expires
      state.padsType = message.payload.type
      state.padsAtMs = at
      return true
    case 'status':
      state.online = message.payload.online
      return true
    case 'cmd/result':
      return false
  }
}
