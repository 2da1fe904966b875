import { parseFleet, type Fleet } from '@aed/core/fleet'
import type { UplinkChannel, UplinkMessage, UplinkPayload } from '@aed/core/protocol'
import type { AlertEventPoint, NotificationPoint } from '../../../services/monitor/src/recording/influx-points.ts'

/**
 * A small fleet with one cabinet in each situation a facility manager must
 * tell apart, and six hours of what its cabinets said, relative to `now` so
 * that InfluxQL's now() and Grafana's relative ranges line up:
 *
 * - aed-ready: every check fine;
 * - aed-selftest-failed: its AED failed a self-test (fault E12) an hour ago;
 * - aed-door-open: its door was opened 20 minutes ago (checked and closed once before);
 * - aed-offline: connection lost three hours ago (last will);
 * - aed-planned: declared in the fleet file, never installed.
 *
 * Alerts and notifications are those the alerting engine writes for it.
 */
export const SCENARIO_CABINETS = {
  ready: 'aed-ready',
  selftestFailed: 'aed-selftest-failed',
  doorOpen: 'aed-door-open',
  offline: 'aed-offline',
  planned: 'aed-planned'
} as const

export const SCENARIO_FLEET_YAML = `
fleet: Dashboard test fleet
timezone: Europe/Sofia
sites:
  - id: town-hall
    name: Town hall
    address: 1 Main square
    city: Pernik
    coordinates: { lat: 42.6057, lon: 23.0327 }
    cabinets:
      - { id: ${SCENARIO_CABINETS.ready}, status: active, location: Entrance hall, heartbeatIntervalS: 600 }
      - { id: ${SCENARIO_CABINETS.selftestFailed}, status: active, location: First floor, heartbeatIntervalS: 600,
          coordinates: { lat: 42.6061, lon: 23.0331 } }
  - id: moshino
    name: Moshino centre
    address: Moshino quarter
    city: Pernik
    coordinates: { lat: 42.5957, lon: 23.0695 }
    cabinets:
      - { id: ${SCENARIO_CABINETS.doorOpen}, status: active, location: Outside wall, heartbeatIntervalS: 600 }
      - { id: ${SCENARIO_CABINETS.offline}, status: active, location: Gym, heartbeatIntervalS: 600,
          coordinates: { lat: 42.5961, lon: 23.0701 } }
      - { id: ${SCENARIO_CABINETS.planned}, status: planned, location: Car park, heartbeatIntervalS: 600,
          coordinates: { lat: 42.5950, lon: 23.0710 } }
`

/** A message as the scenario writes it; the cabinet's ts and seq are stamped by `send`. */
type Draft = { [C in UplinkChannel]: { channel: C, payload: Omit<UplinkPayload<C>, 'ts' | 'seq'> } }[UplinkChannel]

/** A message and when the monitor received it. */
export interface TimedMessage {
  atMs: number
  message: UplinkMessage
}

/** An alert change as the monitor records it. */
export type ScenarioAlertEvent = AlertEventPoint

/** A notification outcome as the monitor records it. */
export type ScenarioNotification = NotificationPoint

export interface KnownScenario {
  now: number
  /** Start of the recorded history. */
  start: number
  fleet: Fleet
  messages: TimedMessage[]
  alertEvents: ScenarioAlertEvent[]
  notifications: ScenarioNotification[]
}

const MINUTE = 60_000
const DAY = 86_400_000
export const SCENARIO_HOURS = 6

export const PADS_DAYS_LEFT = { ready: 200, doorOpen: 20 }
export const BATTERY_DAYS_LEFT = 400
export const PEOPLE = { maria: 'Мария Иванова', georgi: 'Георги Петров' }

export function knownScenario (now = Date.now()): KnownScenario {
  const start = now - SCENARIO_HOURS * 60 * MINUTE
  const at = (minutesAgo: number): number => now - minutesAgo * MINUTE
  const date = (daysFromNow: number): string => new Date(now + daysFromNow * DAY).toISOString().slice(0, 10)
  const messages: TimedMessage[] = []
  const seq = new Map<string, number>()
  const send = (minutesAgo: number, cabinetId: string, message: Draft): void => {
    const next = (seq.get(cabinetId) ?? 0) + 1
    seq.set(cabinetId, next)
    const atMs = at(minutesAgo)
    const payload = { ...message.payload, ts: new Date(atMs).toISOString(), seq: next }
    messages.push({ atMs, message: { ...message, cabinetId, payload } as UplinkMessage })
  }

  const installed = [
    { id: SCENARIO_CABINETS.ready, temperatureC: 18.5, padsDays: PADS_DAYS_LEFT.ready, silentAfter: 0 },
    { id: SCENARIO_CABINETS.selftestFailed, temperatureC: 21, padsDays: 300, silentAfter: 0 },
    { id: SCENARIO_CABINETS.doorOpen, temperatureC: 12, padsDays: PADS_DAYS_LEFT.doorOpen, silentAfter: 0 },
    { id: SCENARIO_CABINETS.offline, temperatureC: 19, padsDays: 250, silentAfter: 180 }
  ]
  const firstMinute = SCENARIO_HOURS * 60
  for (const cabinet of installed) {
    send(firstMinute, cabinet.id, { channel: 'status', payload: { online: true } })
    send(firstMinute, cabinet.id, { channel: 'pads', payload: { expires: date(cabinet.padsDays), type: 'adult', lot: 'L-2291' } })
    send(firstMinute, cabinet.id, { channel: 'door', payload: { state: 'closed' } })
    send(firstMinute - 1, cabinet.id, { channel: 'selftest', payload: { result: 'pass', kind: 'daily' } })
    for (let minutesAgo = firstMinute; minutesAgo > cabinet.silentAfter; minutesAgo -= 10) {
      // A slow daily swing, so the temperature panel has a shape.
      const temperatureC = Math.round((cabinet.temperatureC + Math.sin(minutesAgo / 60)) * 10) / 10
      send(minutesAgo, cabinet.id, { channel: 'heartbeat', payload: { temperatureC, fw: '2.4.1', mains: true, rssiDbm: -71, uptimeS: (firstMinute - minutesAgo) * 60 } })
      if (minutesAgo % 60 === 0) {
        send(minutesAgo, cabinet.id, { channel: 'battery', payload: { percent: 96 - (firstMinute - minutesAgo) / 120, expires: date(BATTERY_DAYS_LEFT) } })
      }
    }
  }
  send(60, SCENARIO_CABINETS.selftestFailed, { channel: 'selftest', payload: { result: 'fail', kind: 'daily', faults: ['E12'] } })
  send(200, SCENARIO_CABINETS.doorOpen, { channel: 'door', payload: { state: 'open' } })
  send(195, SCENARIO_CABINETS.doorOpen, { channel: 'door', payload: { state: 'closed' } })
  send(20, SCENARIO_CABINETS.doorOpen, { channel: 'door', payload: { state: 'open' } })
  // The broker publishes the last will when the connection is lost; it carries no ts.
  messages.push({ atMs: at(179), message: { cabinetId: SCENARIO_CABINETS.offline, channel: 'status', payload: { online: false } } })
  messages.sort((a, b) => a.atMs - b.atMs)

  const alertEvents: ScenarioAlertEvent[] = [
    { atMs: at(300), cabinetId: SCENARIO_CABINETS.ready, alertId: 'al-battery-1', kind: 'battery_low', severity: 'warning', status: 'open', by: 'system', message: 'opened' },
    { atMs: at(295), cabinetId: SCENARIO_CABINETS.ready, alertId: 'al-battery-1', kind: 'battery_low', severity: 'warning', status: 'acknowledged', by: PEOPLE.georgi, message: 'open → acknowledged', ackAfterS: 300 },
    { atMs: at(240), cabinetId: SCENARIO_CABINETS.ready, alertId: 'al-battery-1', kind: 'battery_low', severity: 'warning', status: 'resolved', by: 'system', message: 'acknowledged → resolved' },
    { atMs: at(170), cabinetId: SCENARIO_CABINETS.offline, alertId: 'al-offline-1', kind: 'offline', severity: 'critical', status: 'open', by: 'system', message: 'opened' },
    { atMs: at(60), cabinetId: SCENARIO_CABINETS.selftestFailed, alertId: 'al-selftest-1', kind: 'selftest_failed', severity: 'critical', status: 'open', by: 'system', message: 'opened' },
    { atMs: at(50), cabinetId: SCENARIO_CABINETS.selftestFailed, alertId: 'al-selftest-1', kind: 'selftest_failed', severity: 'critical', status: 'acknowledged', by: PEOPLE.maria, message: 'open → acknowledged', ackAfterS: 600 },
    { atMs: at(15), cabinetId: SCENARIO_CABINETS.doorOpen, alertId: 'al-door-1', kind: 'door_open', severity: 'critical', status: 'open', by: 'system', message: 'opened' }
  ]

  const notifications: ScenarioNotification[] = [
    { atMs: at(300), cabinetId: SCENARIO_CABINETS.ready, alertId: 'al-battery-1', kind: 'battery_low', channel: 'email', outcome: 'sent', recipient: 'georgi@example.org', attempt: 1, latencyMs: 420 },
    { atMs: at(170), cabinetId: SCENARIO_CABINETS.offline, alertId: 'al-offline-1', kind: 'offline', channel: 'email', outcome: 'sent', recipient: 'maria@example.org', attempt: 1, latencyMs: 380 },
    { atMs: at(60), cabinetId: SCENARIO_CABINETS.selftestFailed, alertId: 'al-selftest-1', kind: 'selftest_failed', channel: 'sms', outcome: 'sent', recipient: '+359888000001', attempt: 1, latencyMs: 950 },
    { atMs: at(60), cabinetId: SCENARIO_CABINETS.selftestFailed, alertId: 'al-selftest-1', kind: 'selftest_failed', channel: 'email', outcome: 'sent', recipient: 'maria@example.org', attempt: 1, latencyMs: 400 },
    { atMs: at(15), cabinetId: SCENARIO_CABINETS.doorOpen, alertId: 'al-door-1', kind: 'door_open', channel: 'sms', outcome: 'failed', recipient: '+359888000002', attempt: 1, latencyMs: 10_000, error: 'provider timeout' },
    { atMs: at(14), cabinetId: SCENARIO_CABINETS.doorOpen, alertId: 'al-door-1', kind: 'door_open', channel: 'sms', outcome: 'sent', recipient: '+359888000002', attempt: 2, latencyMs: 870 }
  ]

  return { now, start, fleet: parseFleet(SCENARIO_FLEET_YAML, 'known-scenario'), messages, alertEvents, notifications }
}
