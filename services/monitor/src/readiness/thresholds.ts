import type { FleetCabinet } from '@aed/core/fleet'

/** Limits readings are judged by; defaults from config, overridden per cabinet in the fleet file. */
export interface Thresholds {
  temperatureMinC: number
  temperatureMaxC: number
  batteryLowPercent: number
  batteryCriticalPercent: number
  expiryWarningDays: number
}

export function thresholdsFor (cabinet: Pick<FleetCabinet, 'thresholds'>, defaults: Thresholds): Thresholds {
  return { ...defaults, ...stripUndefined(cabinet.thresholds) }
}

function stripUndefined<T extends object> (value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}
