import type { Logger } from 'pino'
import type { ScheduledTimer, Time } from '@aed/core/time'
import type { MonitorBus } from './events.ts'
import type { Unit } from './unit.ts'

/**
 * The periodic `tick` on the bus. Its listeners run in the order they were
 * started: maintenance windows end, readiness is re-derived, rules run on
 * every cabinet, the digest checks whether it is due.
 */
export class Ticker implements Unit {
  readonly name = 'ticker'
  private timer: ScheduledTimer | undefined

  constructor (private readonly bus: MonitorBus, private readonly time: Time, private readonly everyMs: number, private readonly logger: Logger) {}

  start (): void {
    this.timer = this.time.setInterval(() => {
      try {
        this.bus.emit('tick', this.time.now())
      } catch (err) {
        this.logger.error({ err }, 'periodic evaluation failed')
      }
    }, this.everyMs)
  }

  stop (): void {
    this.time.clear(this.timer)
  }
}
