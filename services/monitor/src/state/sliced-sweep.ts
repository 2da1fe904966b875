import { setImmediate as nextTurn } from 'node:timers/promises'

/** Cabinets handled in one go before the event loop gets a turn: a few milliseconds of work. */
export const DEFAULT_SLICE = 1000

export interface SlicedSweepOptions<T> {
  /** What to do with each item; a throw is reported for that item and the sweep goes on. */
  each: (item: T) => void
  onError: (err: unknown, item: T) => void
  /** Items per slice; the first slice runs at once, inside run(). */
  sliceSize?: number
}

/**
 * Walks a whole fleet a slice at a time, giving the event loop a turn
 * between slices. A periodic pass over 100,000 cabinets takes seconds of
 * CPU; in one go it would hold every door message arriving meanwhile for
 * those seconds. Sliced, a message waits for one slice at most.
 *
 * A fleet no bigger than one slice is swept synchronously, inside run(),
 * as before. A run() while a sweep is still going is dropped: the sweep
 * under way reaches every item with the time of the moment it gets there,
 * and the next run() starts from the top again.
 */
export class SlicedSweep<T> {
  private sweeping = false
  private stopped = false
  private readonly sliceSize: number

  constructor (private readonly options: SlicedSweepOptions<T>) {
    this.sliceSize = options.sliceSize ?? DEFAULT_SLICE
  }

  /** Whether a sweep is under way (between slices). */
  get running (): boolean {
    return this.sweeping
  }

  /** Sweeps `items`; resolves when every item was handled, or at once when a sweep was already running. */
  run (items: Iterable<T>): Promise<void> {
    if (this.sweeping || this.stopped) return Promise.resolve()
    const iterator = items[Symbol.iterator]()
    let next = iterator.next()
    /** One slice; the item after it is read ahead, so a fleet of exactly one slice ends here too. */
    const slice = (): boolean => {
      for (let handled = 0; next.done !== true && handled < this.sliceSize; handled++) {
        const item = next.value
        try {
          this.options.each(item)
        } catch (err) {
          this.options.onError(err, item)
        }
        next = iterator.next()
      }
      return next.done === true
    }
    if (slice()) return Promise.resolve()
    this.sweeping = true
    return this.rest(slice).finally(() => { this.sweeping = false })
  }

  /** No slice runs after this; a sweep under way ends at its next turn. */
  stop (): void {
    this.stopped = true
  }

  private async rest (slice: () => boolean): Promise<void> {
    do {
      await nextTurn()
      if (this.stopped) return
    } while (!slice())
  }
}
