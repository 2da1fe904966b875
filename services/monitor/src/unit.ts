/**
 * A part of the monitor with a lifetime. Its constructor only stores what it
 * is given; start() subscribes, restores and arms timers, stop() undoes that
 * and waits for work under way. The composition root (monitor.ts) starts
 * units in order and stops them in reverse.
 */
export interface Unit {
  readonly name: string
  start (): void | Promise<void>
  stop (): void | Promise<void>
}
