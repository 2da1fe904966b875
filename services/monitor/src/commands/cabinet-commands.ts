import { randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import { cabinetTopic, type CommandName, type UplinkMessage } from '@aed/core/protocol'
import type { Clock } from '@aed/core/time'
import type { MonitorBus } from '../events.ts'
import { SOLE_OWNER, type Ownership } from '../replicas/ownership.ts'
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
  /** With replicas: only the replica that speaks for a cabinet asks it for reports. */
  ownership?: Ownership
}

/** A cabinet is asked for a report at most this often, however many times it says it is online. */
export const REPORT_REQUEST_EVERY_MS = 60_000

/**
 * Commands to cabinets on their `cmd` topic. When an active cabinet says
 * it is online (its `status`: after it connects, or retained, when the
 * monitor subscribes after a restart) while its readings are not all
 * known, it is asked for a full report, so state and the rules that wait
 * for it are complete within seconds instead of at the next scheduled
 * report (after a restart a heartbeat may come first, but says nothing of
 * the door). Only a cabinet that is connected is asked, one at a time as
 * each comes online: nothing is queued for cabinets that are away, and a
 * national fleet reconnecting is not sent 100,000 commands at once.
 */
export class CabinetCommands implements Unit, CabinetCommander {
  readonly name = 'cabinet-commands'
  /** When each cabinet was last asked for a report, epoch ms. */
  private readonly asked = new Map<string, number>()
  private readonly ownership: Ownership

  constructor (private readonly options: CabinetCommandsOptions) {
    this.ownership = options.ownership ?? SOLE_OWNER
  }

  get available (): boolean {
    return this.options.mqtt.connected
  }

  start (): void {
    this.options.bus.on('telemetry', this.onTelemetry)
  }

  stop (): void {
    this.options.bus.off('telemetry', this.onTelemetry)
  }

  async send (cabinetId: string, cmd: CommandName): Promise<string> {
    const id = randomBytes(6).toString('base64url')
    await this.options.mqtt.publish(cabinetTopic(cabinetId, 'cmd'), JSON.stringify({ cmd, id, ts: new Date(this.options.clock.now()).toISOString() }))
    return id
  }

  private readonly onTelemetry = (message: UplinkMessage): void => {
    // A request made while the broker is away would wait in mqtt.js for the next connection: the cabinet says it is online again then.
    if (message.channel !== 'status' || !message.payload.online || !this.options.mqtt.connected) return
    const cabinet = this.options.fleet.get(message.cabinetId)
    if (cabinet === undefined || cabinet.definition.status !== 'active' || !this.ownership.owns(message.cabinetId)) return
    const { state } = cabinet
    if (state.door !== undefined && state.selftestResult !== undefined && state.batteryPercent !== undefined && state.padsExpires !== undefined) {
      this.asked.delete(message.cabinetId)
      return
    }
    const now = this.options.clock.now()
    if (now - (this.asked.get(message.cabinetId) ?? -Infinity) < REPORT_REQUEST_EVERY_MS) return
    this.asked.set(message.cabinetId, now)
    this.send(message.cabinetId, 'report').catch(err => this.options.logger.warn({ err, cabinetId: message.cabinetId }, 'report request failed'))
  }
}
