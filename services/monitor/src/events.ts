import { EventEmitter } from 'node:events'
import type { RejectionCode, UplinkMessage } from '@aed/core/protocol'
import type { Alert } from './alerts/alert.ts'
import type { DeliveryOutcome } from './notifiers/delivery.ts'
import type { ReadinessView } from './readiness/readiness.ts'

/** A technician's maintenance window started or ended. */
export interface MaintenanceChange {
  cabinetId: string
  event: 'started' | 'ended'
  by: string
  reason: string
  atMs: number
}

/** What happened to one notification: sent, failed every try, or skipped (no address on the channel). */
export interface NotificationRecord {
  /** The alert it was about; for a digest, `digest-YYYY-MM-DD`. */
  alertId: string
  /** The alert, when it was about one (not a digest). */
  alert: Alert | undefined
  /** The notification step, e.g. "opened:0", "escalated:1", "resolved", "digest". */
  step: string
  outcome: DeliveryOutcome
  atMs: number
}

/**
 * The monitor's domain events, in the order a message causes them:
 * the intake announces `message` (or `rejected`, `duplicate`), the fleet
 * state takes the message in and announces `telemetry` and any
 * `readinessChanged`; alert changes are the AlertBook's own `transition`
 * events. Units subscribe in start() and unsubscribe in stop(); no unit
 * reaches into another to change its state.
 */
export interface MonitorEvents {
  /** A valid message seen for the first time (QoS 1 redeliveries are `duplicate`). */
  message: [message: UplinkMessage, receivedAtMs: number]
  /** A message that failed validation: the reason, its topic, the cabinet its topic names, and the reason class. */
  rejected: [reason: string, topic: string, cabinetId: string | undefined, code: RejectionCode]
  /** A QoS 1 redelivery of a message already taken in. */
  duplicate: [message: UplinkMessage]
  /** A valid message from a cabinet the fleet file does not declare: stored, not tracked. */
  unregistered: [message: UplinkMessage]
  /** A message whose `ts` lay further ahead of its arrival than the tolerance: taken at its arrival. */
  clockSkew: [message: UplinkMessage, aheadMs: number]
  /** A fleet cabinet's state has taken in a message. */
  telemetry: [message: UplinkMessage, receivedAtMs: number]
  readinessChanged: [cabinetId: string, previous: ReadinessView, current: ReadinessView]
  maintenanceChanged: [change: MaintenanceChange]
  notification: [record: NotificationRecord]
  /** The MQTT subscription is in place (after every connect). */
  brokerConnected: []
  /**
   * With replicas: the cabinets this process now speaks for (their alerts
   * are raised and notified here) and those it no longer does.
   */
  ownershipChanged: [gained: readonly string[], lost: readonly string[]]
  /** The periodic tick: time alone changes readiness, expiries and alerts. */
  tick: [nowMs: number]
}

export class MonitorBus extends EventEmitter<MonitorEvents> {}
