import type { FleetCabinet } from '@aed/core/fleet'
import type { MonitorConfig } from '../config.ts'

/** Limits readings are judged by; defaults from config, overridden per cabinet in the fleet file. */
export interface Thresholds {
  temperatureMinC: number
  temperatureMaxC: number
  /** Minutes out of range after which temperature_out_of_range becomes critical. */
  temperatureCriticalAfterMin: number
  batteryLowPercent: number
  batteryCriticalPercent: number
  expiryWarningDays: number
  /** Longest time without a self-test result before selftest_overdue, hours. */
  selftestMaxAgeH: number
}

export function thresholdsFor (cabinet: Pick<FleetCabinet, 'thresholds'>, defaults: Thresholds): Thresholds {
  return { ...defaults, ...stripUndefined(cabinet.thresholds) }
}

function stripUndefined<T extends object> (value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}

/** The fleet-wide defaults from the service configuration. */
export function defaultThresholds (config: MonitorConfig): Thresholds {
  return {
    temperatureMinC: config.TEMPERATURE_MIN_C,
    temperatureMaxC: config.TEMPERATURE_MAX_C,
    temperatureCriticalAfterMin: config.TEMPERATURE_CRITICAL_AFTER_MIN,
    batteryLowPercent: config.BATTERY_LOW_PERCENT,
    batteryCriticalPercent: config.BATTERY_CRITICAL_PERCENT,
    expiryWarningDays: config.EXPIRY_WARNING_DAYS,
    selftestMaxAgeH: config.SELFTEST_MAX_AGE_H
  }
}
