import { randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import { cabinetTopic, type CommandName } from '@aed/core/protocol'
import type { Clock } from '@aed/core/time'
import type { MonitorBus } from '../events.ts'
import type { FleetView } from '../state/fleet-state.ts'
import type { Unit } from '../unit.ts'

/** What the API may ask of cabinets. */
export interface CabinetCommander {
  /** False while the broker is not connected: a command could not be sent. */
  readonly available: boolean
  /** Sends a command; returns the request id the cabinet echoes in its result. */
  send (cabinetId: string, cmd: CommandName): Promise<string>
}

export interface CabinetCommandsOptions {
  mqtt: { readonly connected: boolean, publish (topic: string, payload: string): Promise<void> }
  fleet: FleetView
  bus: MonitorBus
  clock: Clock
  logger: Logger
}

/**
 * Commands to cabinets on their `cmd` topic. After every (re)connect to the
 * broker it asks each active cabinet whose readings are not all known (as
 * after a restart: a heartbeat queued for the monitor may arrive first, but
 * says nothing of the door) for a full report, so state and the rules that
 * wait for it are complete within seconds instead of at the next scheduled
 * report.
 */
export class CabinetCommands implements Unit, CabinetCommander {
  readonly name = 'cabinet-commands'

  constructor (private readonly options: CabinetCommandsOptions) {}

  get available (): boolean {
    return this.options.mqtt.connected
  }

  start (): void {
    this.options.bus.on('brokerConnected', this.requestReports)
  }

  stop (): void {
    this.options.bus.off('brokerConnected', this.requestReports)
  }

  async send (cabinetId: string, cmd: CommandName): Promise<string> {
    const id = randomBytes(6).toString('base64url')
    await this.options.mqtt.publish(cabinetTopic(cabinetId, 'cmd'), JSON.stringify({ cmd, id, ts: new Date(this.options.clock.now()).toISOString() }))
    return id
  }

  private readonly requestReports = (): void => {
    for (const cabinet of this.options.fleet.all()) {
      const { state } = cabinet
      const known = state.door !== undefined && state.selftestResult !== undefined && state.batteryPercent !== undefined && state.padsExpires !== undefined
      if (cabinet.definition.status !== 'active' || known) continue
      this.send(cabinet.definition.id, 'report').catch(err => this.options.logger.warn({ err, cabinetId: cabinet.definition.id }, 'report request failed'))
    }
  }
}
