import { parseFleet, type Fleet } from '@aed/core/fleet'
import type { Alert, AlertKind } from '../../services/monitor/src/alerts/alert.ts'
import type { Thresholds } from '../../services/monitor/src/readiness/thresholds.ts'
import type { Readiness } from '../../services/monitor/src/readiness/readiness.ts'
import { alertEventLine, readinessLine, telemetryLine } from '../../services/monitor/src/recording/influx-points.ts'
import type { AlertRecord, ConsumableReading, ReadinessReportInput, ReadinessSpan, ReportCabinet } from '../../services/monitor/src/reports/readiness-report.ts'
import { monthPeriod } from '../../services/monitor/src/reports/report-month.ts'
import { emptyCabinetState } from '../../services/monitor/src/state/cabinet-state.ts'

/**
 * A known November 2026 for the readiness report, with figures worked out
 * by hand in readiness-report.test.ts: cabinet A (pernik-aed-01) offline
 * 3 h, not ready 2 days with expired pads, its door open 20 + 5 min; B
 * (pernik-aed-04, at the same site) in maintenance 1 h and not ready 7 h
 * (self-test failed with a flat battery, then too cold); C (pernik-aed-02,
 * at the hub) recorded only from 11 November. pernik-aed-03 is planned and
 * stays out of the report.
 */
export const SCENARIO_CABINETS = { a: 'pernik-aed-01', b: 'pernik-aed-04', c: 'pernik-aed-02' } as const

export const SCENARIO_FLEET: Fleet = parseFleet(`
fleet: Община Перник
timezone: Europe/Sofia
sites:
  - id: obshtina-pernik
    name: Община Перник — сграда на общинската администрация
    shortName: Община Перник
    address: пл. „Св. Иван Рилски“ 1А
    city: Перник
    coordinates: { lat: 42.6057, lon: 23.0327 }
    cabinets:
      - { id: pernik-aed-01, status: active, location: "Партер, входно фоайе", heartbeatIntervalS: 60 }
      - { id: pernik-aed-04, status: active, location: "Трети етаж, до асансьора", heartbeatIntervalS: 60 }
  - id: hub-mladen-stoyanov
    name: Хъб за социални и здравни услуги
    shortName: Социално-здравен хъб
    address: ул. „Младен Стоянов“ бл. 7
    city: Перник
    coordinates: { lat: 42.6012, lon: 23.0489 }
    cabinets:
      - { id: pernik-aed-02, status: active, location: Вход на центъра, heartbeatIntervalS: 60 }
  - id: moshino-centre
    name: Център за интегрирани социално-здравни услуги „Мошино“
    shortName: Център „Мошино“
    address: кв. „Мошино“
    city: Перник
    coordinates: { lat: 42.5957, lon: 23.0695 }
    cabinets:
      - { id: pernik-aed-03, status: planned, location: Вход на центъра, heartbeatIntervalS: 60 }
`, 'readiness-scenario')

const at = (iso: string): number => Date.parse(iso)
const { a, b, c } = SCENARIO_CABINETS

const span = (from: string, to: string, state: Readiness, reasons = ''): ReadinessSpan => ({ fromMs: at(from), toMs: at(to), state, reasons })

/** Every cabinet's readiness, in UTC (Sofia is UTC+2 in November). */
export const SCENARIO_SPANS: ReadonlyMap<string, ReadinessSpan[]> = new Map([
  [a, [
    span('2026-10-31T20:00:00Z', '2026-11-03T10:00:00Z', 'ready'),
    span('2026-11-03T10:00:00Z', '2026-11-03T13:00:00Z', 'offline', 'no heartbeat'),
    span('2026-11-03T13:00:00Z', '2026-11-10T08:00:00Z', 'ready'),
    span('2026-11-10T08:00:00Z', '2026-11-12T08:00:00Z', 'not_ready', 'pads expired on 2026-11-10'),
    span('2026-11-12T08:00:00Z', '2026-11-20T12:00:00Z', 'ready'),
    span('2026-11-20T12:00:00Z', '2026-11-20T12:20:00Z', 'in_use', 'door open'),
    span('2026-11-20T12:20:00Z', '2026-11-30T21:50:00Z', 'ready'),
    span('2026-11-30T21:50:00Z', '2026-11-30T21:55:00Z', 'in_use', 'door open'),
    span('2026-11-30T21:55:00Z', '2026-12-02T08:00:00Z', 'ready')
  ]],
  [b, [
    span('2026-10-31T20:00:00Z', '2026-11-05T08:00:00Z', 'ready'),
    span('2026-11-05T08:00:00Z', '2026-11-05T09:00:00Z', 'maintenance'),
    span('2026-11-05T09:00:00Z', '2026-11-15T00:00:00Z', 'ready'),
    span('2026-11-15T00:00:00Z', '2026-11-15T05:00:00Z', 'not_ready', 'self-test failed (E12); battery at 8% (below 10%)'),
    span('2026-11-15T05:00:00Z', '2026-11-16T02:00:00Z', 'ready'),
    span('2026-11-16T02:00:00Z', '2026-11-16T04:00:00Z', 'not_ready', 'too cold: -3 °C (below 0 °C)'),
    span('2026-11-16T04:00:00Z', '2026-12-02T08:00:00Z', 'ready')
  ]],
  [c, [
    span('2026-11-10T22:00:00Z', '2026-12-02T08:00:00Z', 'ready')
  ]]
])

interface ScenarioAlert extends AlertRecord {
  severity: Alert['severity']
}

const alert = (id: string, cabinetId: string, kind: AlertKind, severity: Alert['severity'], opened: string, acknowledged?: string, resolved?: string): ScenarioAlert => ({
  id, cabinetId, kind, severity, openedAtMs: at(opened), acknowledgedAtMs: acknowledged === undefined ? undefined : at(acknowledged), resolvedAtMs: resolved === undefined ? undefined : at(resolved)
})

export const SCENARIO_ALERTS: readonly ScenarioAlert[] = [
  alert('OctDoor1', a, 'door_open', 'critical', '2026-10-31T21:00:00Z', '2026-10-31T22:30:00Z', '2026-10-31T22:40:00Z'),
  alert('AOffline', a, 'offline', 'critical', '2026-11-03T10:03:00Z', '2026-11-03T10:08:00Z', '2026-11-03T13:00:00Z'),
  alert('APadsExp', a, 'pads_expired', 'critical', '2026-11-10T08:00:00Z', '2026-11-10T08:30:00Z', '2026-11-12T08:00:00Z'),
  alert('ADoor001', a, 'door_open', 'critical', '2026-11-20T12:00:30Z', '2026-11-20T12:01:30Z', '2026-11-20T12:20:00Z'),
  alert('AInspec1', a, 'post_use_inspection', 'warning', '2026-11-20T12:20:00Z', '2026-11-20T12:40:00Z', '2026-11-21T09:00:00Z'),
  alert('ADoor002', a, 'door_open', 'critical', '2026-11-30T21:50:00Z', undefined, '2026-11-30T21:55:00Z'),
  alert('AInspec2', a, 'post_use_inspection', 'warning', '2026-11-30T21:55:00Z', undefined, '2026-12-01T08:00:00Z'),
  alert('DecDoor1', a, 'door_open', 'critical', '2026-11-30T22:05:00Z', '2026-11-30T22:06:00Z', '2026-11-30T22:10:00Z'),
  alert('BSelftst', b, 'selftest_failed', 'critical', '2026-11-15T00:00:00Z', '2026-11-15T02:00:00Z', '2026-11-15T05:00:00Z'),
  alert('BBattCrt', b, 'battery_critical', 'critical', '2026-11-15T00:00:10Z', undefined, '2026-11-15T05:00:00Z'),
  alert('BTempOut', b, 'temperature_out_of_range', 'warning', '2026-11-16T02:00:00Z', '2026-11-16T02:10:00Z', '2026-11-16T04:00:00Z')
]

/** The expiry dates each cabinet last reported, with when. */
export const SCENARIO_CONSUMABLES: ReadonlyArray<ConsumableReading & { atMs: number }> = [
  { cabinetId: a, part: 'pads', expires: '2026-11-10', atMs: at('2026-11-01T06:00:00Z') },
  { cabinetId: a, part: 'pads', expires: '2028-11-01', atMs: at('2026-11-12T08:00:00Z') },
  { cabinetId: a, part: 'battery', expires: '2027-02-15', atMs: at('2026-11-12T08:00:00Z') },
  { cabinetId: b, part: 'pads', expires: '2026-12-20', atMs: at('2026-11-05T09:00:00Z') },
  { cabinetId: b, part: 'battery', expires: '2026-11-28', atMs: at('2026-11-05T09:00:00Z') },
  { cabinetId: c, part: 'pads', expires: '2027-03-01', atMs: at('2026-11-10T22:00:00Z') },
  { cabinetId: c, part: 'battery', expires: '2027-03-02', atMs: at('2026-11-10T22:00:00Z') }
]

/** When the scenario's report is made: 2 December, so November is complete. */
export const SCENARIO_NOW = at('2026-12-02T08:00:00Z')

export const SCENARIO_REPORT_CABINETS: ReportCabinet[] = [...SCENARIO_FLEET.cabinets.values()]
  .filter(cabinet => cabinet.status === 'active')
  .map(cabinet => ({ id: cabinet.id, location: cabinet.location, site: { id: cabinet.site.id, name: cabinet.site.name, address: cabinet.site.address } }))

/** The scenario as the report's computation takes it. */
export const NOVEMBER_SCENARIO: ReadinessReportInput = {
  period: monthPeriod('2026-11', 'Europe/Sofia'),
  nowMs: SCENARIO_NOW,
  timeZone: 'Europe/Sofia',
  cabinets: SCENARIO_REPORT_CABINETS,
  spans: SCENARIO_SPANS,
  alerts: SCENARIO_ALERTS,
  // The last reading of each part: later ones replace earlier ones.
  consumables: [...new Map(SCENARIO_CONSUMABLES.map(r => [`${r.cabinetId}|${r.part}`, { cabinetId: r.cabinetId, part: r.part, expires: r.expires }])).values()]
}

/**
 * The scenario as the monitor's recorder would have written it: a
 * `readiness` point at each span's start and every `snapshotIntervalMs`
 * after (the recorder's own mapping), the `alert_event` points of every
 * alert's opening, acknowledgement and resolution, and the `battery` and
 * `pads` readings with their expiry dates.
 */
export function scenarioLines (snapshotIntervalMs: number): string[] {
  const lines: string[] = []
  const thresholds: Thresholds = { temperatureMinC: 0, temperatureMaxC: 50, temperatureCriticalAfterMin: 30, batteryLowPercent: 25, batteryCriticalPercent: 10, expiryWarningDays: 30, selftestMaxAgeH: 26 }
  for (const [cabinetId, spans] of SCENARIO_SPANS) {
    const definition = SCENARIO_FLEET.cabinets.get(cabinetId)!
    for (const s of spans) {
      for (let t = s.fromMs; t < s.toMs; t += snapshotIntervalMs) {
        const state = { ...emptyCabinetState(), lastSeenMs: t, online: s.state !== 'offline' }
        const readiness = { state: s.state, reasons: s.reasons === '' ? [] : s.reasons.split('; ') }
        lines.push(readinessLine({ definition, state, readiness, thresholds, maintenanceUntilMs: undefined }, t, SCENARIO_FLEET.timezone))
      }
    }
  }
  let discriminator = 0
  for (const record of SCENARIO_ALERTS) {
    const base = { cabinetId: record.cabinetId, alertId: record.id, kind: record.kind, severity: record.severity, by: 'system' }
    lines.push(alertEventLine({ ...base, status: 'open', message: 'opened', atMs: record.openedAtMs }, discriminator++))
    if (record.acknowledgedAtMs !== undefined) {
      lines.push(alertEventLine({ ...base, status: 'acknowledged', by: 'dispatch-desk', message: 'open → acknowledged', atMs: record.acknowledgedAtMs, ackAfterS: (record.acknowledgedAtMs - record.openedAtMs) / 1000 }, discriminator++))
    }
    if (record.resolvedAtMs !== undefined) {
      lines.push(alertEventLine({ ...base, status: 'resolved', message: `${record.acknowledgedAtMs === undefined ? 'open' : 'acknowledged'} → resolved`, atMs: record.resolvedAtMs }, discriminator++))
    }
  }
  SCENARIO_CONSUMABLES.forEach((reading, seq) => {
    const ts = new Date(reading.atMs).toISOString()
    const line = reading.part === 'pads'
      ? telemetryLine({ cabinetId: reading.cabinetId, channel: 'pads', payload: { ts, seq, expires: reading.expires } }, reading.atMs, 120_000)
      : telemetryLine({ cabinetId: reading.cabinetId, channel: 'battery', payload: { ts, seq, percent: 100, expires: reading.expires } }, reading.atMs, 120_000)
    lines.push(line!)
  })
  return lines
}
