import type { Logger } from 'pino'
import type { InfluxV1Client } from '@aed/core/influx'
import type { ScheduledTimer, Scheduler } from '@aed/core/time'
import type { ReplicaHealth } from '../replicas/replica-group.ts'
import type { InfluxWriter } from '../storage/influx-writer.ts'
import type { Unit } from '../unit.ts'

export interface MonitorHealth {
  ready: boolean
  mqtt: boolean
  influx: boolean
  reasons: string[]
  /** With replicas: this replica's id and the slots it speaks for. */
  replica?: ReplicaHealth
}

export interface HealthCheckOptions {
  influx: Pick<InfluxV1Client, 'ping'>
  writer: Pick<InfluxWriter, 'healthy' | 'lastError'>
  mqttConnected: () => boolean
  scheduler: Scheduler
  /** How often InfluxDB is pinged, ms. */
  pingEveryMs: number
  logger: Logger
  /** With replicas: what the replica group reports. */
  replica?: () => ReplicaHealth | undefined
}

/**
 * What /readyz reports: ready while the broker is connected and InfluxDB
 * answers its pings and takes writes.
 */
export class HealthCheck implements Unit {
  readonly name = 'health'
  private influxReachable = false
  private timer: ScheduledTimer | undefined

  constructor (private readonly options: HealthCheckOptions) {}

  async start (): Promise<void> {
    await this.ping()
    this.timer = this.options.scheduler.setInterval(() => { void this.ping() }, this.options.pingEveryMs)
  }

  stop (): void {
    this.options.scheduler.clear(this.timer)
  }

  health (): MonitorHealth {
    const mqtt = this.options.mqttConnected()
    const { writer } = this.options
    const influx = this.influxReachable && writer.healthy
    const reasons: string[] = []
    if (!mqtt) reasons.push('MQTT broker not connected')
    if (!influx) reasons.push(`InfluxDB not reachable${writer.lastError !== undefined ? `: ${writer.lastError}` : ''}`)
    const replica = this.options.replica?.()
    return { ready: reasons.length === 0, mqtt, influx, reasons, ...(replica !== undefined ? { replica } : {}) }
  }

  private async ping (): Promise<void> {
    this.influxReachable = await this.options.influx.ping().catch(() => false)
  }
}
