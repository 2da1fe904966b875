import { randomBytes } from 'node:crypto'
import { pino } from 'pino'
import { MonitorConfigSchema } from '../../../services/monitor/src/config.ts'
import { MonitorBus } from '../../../services/monitor/src/events.ts'
import { defaultThresholds, type Thresholds } from '../../../services/monitor/src/readiness/thresholds.ts'
import { FleetState } from '../../../services/monitor/src/state/fleet-state.ts'
import { alertEventLine, notificationLine, readinessLine, telemetryLine } from '../../../services/monitor/src/recording/influx-points.ts'
import type { KnownScenario } from './known-scenario.ts'

/** The monitor's defaults, read from its own configuration schema so they cannot drift. */
export function monitorDefaults (): { thresholds: Thresholds, offlineAfterHeartbeats: number, clockSkewToleranceMs: number, snapshotIntervalMs: number } {
  // Only the defaults are read; the required secrets are random stand-ins, as weak ones are refused.
  const secret = (): string => randomBytes(32).toString('base64')
  const config = MonitorConfigSchema.parse({ AED_ADMIN_TOKEN: secret(), MQTT_PASSWORD: secret(), CREDENTIALS_HASH_KEY: secret(), ALERT_LINK_SECRET: secret() })
  return {
    thresholds: defaultThresholds(config),
    offlineAfterHeartbeats: config.OFFLINE_AFTER_HEARTBEATS,
    clockSkewToleranceMs: config.CLOCK_SKEW_TOLERANCE_S * 1000,
    snapshotIntervalMs: config.READINESS_SNAPSHOT_INTERVAL_S * 1000
  }
}

/**
 * The line protocol the monitor writes for the scenario: each message through
 * the monitor's telemetry mapping, readiness snapshots from the monitor's own
 * fleet state and snapshot builder (every snapshot interval and on every
 * change, as the monitor does), and the alert and notification events as
 * docs/data-model.md defines them.
 */
export function scenarioLines (scenario: KnownScenario): string[] {
  const lines: string[] = []
  const { clockSkewToleranceMs } = monitorDefaults()
  for (const { atMs, message } of scenario.messages) {
    const line = telemetryLine(message, atMs, clockSkewToleranceMs)
    if (line !== undefined) lines.push(line)
  }
  lines.push(...readinessLines(scenario))
  lines.push(...scenario.alertEvents.map(alertEventLine))
  lines.push(...scenario.notifications.map(notificationLine))
  return lines
}

function readinessLines (scenario: KnownScenario): string[] {
  const defaults = monitorDefaults()
  const clock = { nowMs: scenario.start, now () { return this.nowMs } }
  const bus = new MonitorBus()
  const state = new FleetState(scenario.fleet, bus, clock, { defaults: defaults.thresholds, offlineAfterHeartbeats: defaults.offlineAfterHeartbeats, clockSkewToleranceMs: defaults.clockSkewToleranceMs, logger: pino({ level: 'error' }) })
  const lines: string[] = []
  const snapshot = (cabinetId: string): void => {
    const tracked = state.get(cabinetId)
    if (tracked !== undefined) lines.push(readinessLine(tracked, clock.now(), scenario.fleet.timezone))
  }
  bus.on('readinessChanged', cabinetId => snapshot(cabinetId))

  const pending = [...scenario.messages]
  for (let t = scenario.start; t <= scenario.now; t += defaults.snapshotIntervalMs) {
    while (pending.length > 0 && pending[0]!.atMs <= t) {
      const { atMs, message } = pending.shift()!
      clock.nowMs = atMs
      state.apply(message, atMs)
    }
    clock.nowMs = t
    state.tick()
    for (const tracked of state.all()) snapshot(tracked.definition.id)
  }
  return lines
}
