import { MEASUREMENT, Point, TAG, toLine } from '@aed/core/influx'
import type { TrackedCabinet } from '../state/fleet-state.ts'
import { daysLeft, readinessCode } from './readiness.ts'

/**
 * One `readiness` point for a cabinet (docs/data-model.md): the derived
 * state plus the readings and fleet-file facts a dashboard row needs, so a
 * single query feeds the fleet overview.
 */
export function readinessSnapshotLine (tracked: TrackedCabinet, now: number, timeZone: string): string {
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
  if (state.selftestAtMs > 0) point.floatField('selftest_age_h', Math.round((now - state.selftestAtMs) / 36_000) / 100)
  if (state.temperatureC !== undefined) point.floatField('temperature_c', state.temperatureC)
  return toLine(point)!
}
