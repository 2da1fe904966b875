import { MEASUREMENT, Point, TAG, microsecondTimestamp, toLine } from '@aed/core/influx'
import type { UplinkMessage } from '@aed/core/protocol'
import type { Alert, AlertKind, Severity } from '../alerts/alert.ts'
import type { AlertTransition } from '../alerts/alert-book.ts'
import type { MaintenanceChange } from '../events.ts'
import { daysLeft, readinessCode } from '../readiness/readiness.ts'
import { readingTimeMs } from '../state/reading-time.ts'
import type { TrackedCabinet } from '../state/fleet-state.ts'

/*
 * Every InfluxDB point the monitor writes, one function per measurement
 * (docs/data-model.md). The recorder uses them; so do the dashboards' query
 * tests, which load a known scenario written the same way.
 */

/** Epoch ms of a YYYY-MM-DD date at 00:00 UTC. */
export function dateToEpochMs (date: string): number {
  return Date.parse(`${date}T00:00:00.000Z`)
}

/**
 * Maps one validated uplink message to its line-protocol line (see
 * docs/data-model.md). The point's time is the reading's time: the
 * cabinet's `ts`, or the arrival when `ts` lies beyond the skew tolerance
 * ahead (`readingTimeMs`). Its microseconds are `seq` mod 1000, so a QoS 1
 * redelivery lands on the original point while two messages with different
 * `seq` in one millisecond stay two points. Only schema fields are written;
 * unknown payload fields were already stripped by validation.
 */
export function telemetryLine (message: UplinkMessage, receivedAtMs: number, skewToleranceMs: number): string | undefined {
  const point = new Point().tag(TAG.cabinet, message.cabinetId)
  switch (message.channel) {
    case 'heartbeat': {
      const p = message.payload
      point.measurement(MEASUREMENT.heartbeat).floatField('temperature_c', p.temperatureC).stringField('fw', p.fw)
      if (p.mains !== undefined) point.booleanField('mains', p.mains)
      if (p.rssiDbm !== undefined) point.intField('rssi_dbm', p.rssiDbm)
      if (p.uptimeS !== undefined) point.intField('uptime_s', p.uptimeS)
      break
    }
    case 'door':
      point.measurement(MEASUREMENT.door).stringField('state', message.payload.state).intField('open', message.payload.state === 'open' ? 1 : 0)
      break
    case 'selftest': {
      const p = message.payload
      const faults = p.faults ?? []
      point.measurement(MEASUREMENT.selftest).stringField('result', p.result).intField('passed', p.result === 'pass' ? 1 : 0)
        .intField('fault_count', faults.length)
      if (p.kind !== undefined) point.stringField('kind', p.kind)
      if (faults.length > 0) point.stringField('faults', faults.join(','))
      break
    }
    case 'battery': {
      const p = message.payload
      point.measurement(MEASUREMENT.battery).floatField('percent', p.percent)
      if (p.expires !== undefined) point.stringField('expires', p.expires).intField('expires_ms', dateToEpochMs(p.expires))
      break
    }
    case 'pads': {
      const p = message.payload
      point.measurement(MEASUREMENT.pads).stringField('expires', p.expires).intField('expires_ms', dateToEpochMs(p.expires))
      if (p.type !== undefined) point.stringField('type', p.type)
      if (p.lot !== undefined) point.stringField('lot', p.lot)
      break
    }
    case 'status':
      // The last will carries no ts: the broker publishes it when the cabinet is lost.
      point.measurement(MEASUREMENT.status).booleanField('online', message.payload.online)
      break
    case 'cmd/result': {
      const p = message.payload
      point.measurement(MEASUREMENT.commandResult).stringField('cmd', p.cmd).stringField('id', p.id).booleanField('ok', p.ok)
      if (p.detail !== undefined) point.stringField('detail', p.detail)
      break
    }
  }
  const { seq, ts } = message.payload
  if (seq !== undefined) point.intField('seq', seq)
  point.timestamp(microsecondTimestamp(readingTimeMs(ts, receivedAtMs, skewToleranceMs), seq ?? 0))
  return toLine(point)
}

/**
 * One `readiness` point for a cabinet (docs/data-model.md): the derived
 * state plus the readings and fleet-file facts a dashboard row needs, so a
 * single query feeds the fleet overview.
 */
export function readinessLine (tracked: TrackedCabinet, now: number, timeZone: string): string {
  const { definition, state, readiness } = tracked
  const point = new Point(MEASUREMENT.readiness)
    .tag(TAG.cabinet, definition.id)
    .tag(TAG.site, definition.site.id)
    .stringField('state', readiness.state)
    .intField('state_code', readinessCode(readiness.state))
    .stringField('reasons', readiness.reasons.join('; '))
    .stringField('status', definition.status)
    .booleanField('online', state.online === true)
    .intField('last_seen_ms', state.lastSeenMs)
    .stringField('door', state.door ?? 'unknown')
    .stringField('selftest_result', state.selftestResult ?? 'none')
    .stringField('site_name', definition.site.name)
    .stringField('address', definition.site.address)
    .stringField('location', definition.location)
    .floatField('lat', definition.coordinates.lat)
    .floatField('lon', definition.coordinates.lon)
    .timestamp(now)
  if (state.batteryPercent !== undefined) point.floatField('battery_percent', state.batteryPercent)
  const batteryDays = daysLeft(state.batteryExpires, now, timeZone)
  if (batteryDays !== undefined) point.intField('battery_days_left', batteryDays)
  const padsDays = daysLeft(state.padsExpires, now, timeZone)
  if (padsDays !== undefined) point.intField('pads_days_left', padsDays)
  if (state.selftestAt.atMs > 0) point.floatField('selftest_age_h', Math.round((now - state.selftestAt.atMs) / 36_000) / 100)
  if (state.temperatureC !== undefined) point.floatField('temperature_c', state.temperatureC)
  return toLine(point)!
}

/** One change of an alert, as the `alert_event` measurement stores it. */
export interface AlertEventPoint {
  cabinetId: string
  alertId: string
  kind: AlertKind
  severity: Severity
  status: Alert['status']
  by: string
  /** "opened", "updated", "escalated to level N", or "open → acknowledged". */
  message: string
  atMs: number
  /** On the first acknowledgement: seconds from opening. */
  ackAfterS?: number | undefined
}

export function alertEventPoint ({ alert, change, previous, by, atMs }: AlertTransition): AlertEventPoint {
  const message = change === 'opened' || change === 'updated'
    ? change
    : change === 'escalated' ? `escalated to level ${alert.escalationLevel}` : `${previous ?? 'open'} → ${alert.status}`
  return {
    cabinetId: alert.cabinetId,
    alertId: alert.id,
    kind: alert.kind,
    severity: alert.severity,
    status: alert.status,
    by,
    message,
    atMs,
    ackAfterS: change === 'acknowledged' ? (atMs - Date.parse(alert.openedAt)) / 1000 : undefined
  }
}

/** `discriminator` keeps events of one series in the same millisecond apart (microseconds, see microsecondTimestamp). */
export function alertEventLine (event: AlertEventPoint, discriminator = 0): string {
  const point = new Point(MEASUREMENT.alertEvent)
    .tag(TAG.cabinet, event.cabinetId).tag('kind', event.kind).tag('severity', event.severity)
    .stringField('alert_id', event.alertId).stringField('status', event.status).stringField('by', event.by)
    .stringField('message', event.message)
    .timestamp(microsecondTimestamp(event.atMs, discriminator))
  if (event.ackAfterS !== undefined) point.floatField('ack_after_s', event.ackAfterS)
  return toLine(point)!
}

/** One notification's outcome, as the `notification` measurement stores it. */
export interface NotificationPoint {
  cabinetId: string
  alertId: string
  kind: string
  step?: string | undefined
  channel: string
  outcome: 'sent' | 'failed'
  recipient: string
  attempt: number
  latencyMs: number
  error?: string | undefined
  atMs: number
}

/** `discriminator` keeps notifications of one series in the same millisecond apart. */
export function notificationLine (notification: NotificationPoint, discriminator = 0): string {
  const point = new Point(MEASUREMENT.notification)
    .tag(TAG.cabinet, notification.cabinetId).tag('channel', notification.channel).tag('outcome', notification.outcome)
    .tag('recipient', notification.recipient)
    .stringField('alert_id', notification.alertId).stringField('kind', notification.kind)
    .intField('attempt', notification.attempt)
    .floatField('latency_ms', notification.latencyMs)
    .timestamp(microsecondTimestamp(notification.atMs, discriminator))
  if (notification.step !== undefined) point.stringField('step', notification.step)
  if (notification.error !== undefined) point.stringField('error', notification.error)
  return toLine(point)!
}

export function maintenanceLine ({ cabinetId, event, by, reason, atMs }: MaintenanceChange): string {
  return toLine(new Point(MEASUREMENT.maintenance).tag(TAG.cabinet, cabinetId).stringField('event', event).stringField('by', by).stringField('reason', reason).timestamp(atMs))!
}
