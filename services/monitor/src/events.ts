import { EventEmitter } from 'node:events'
import type { UplinkMessage } from '@aed/core/protocol'
import type { ReadinessView } from './readiness/readiness.ts'

/**
 * The monitor's domain events. Ingest publishes, state and features
 * subscribe; no module reaches into another to poke its state.
 */
export interface MonitorEvents {
  /** A valid, first-time message, after the cabinet's state has taken it in. */
  telemetry: [message: UplinkMessage, receivedAtMs: number]
  /** A message that failed validation, with the reason. */
  rejected: [reason: string, topic: string, cabinetId: string | undefined]
  readinessChanged: [cabinetId: string, previous: ReadinessView, current: ReadinessView]
}

export class MonitorBus extends EventEmitter<MonitorEvents> {}
