/**
 * Arrival times of what a test server appends to its list of received items
 * (stack.sms.messages, stack.smtp.mails). Polling the list would add up to a
 * poll interval to every latency; instead the list's own push is wrapped on
 * this one instance, so each item is stamped the moment the server stores it.
 */
export class ArrivalClock<T> {
  private readonly stamps: number[] = []
  private readonly listeners = new Set<() => void>()

  constructor (private readonly items: T[]) {
    // Items already there arrived before the clock was attached.
    for (let i = 0; i < items.length; i++) this.stamps.push(NaN)
    const push = items.push.bind(items)
    items.push = (...added: T[]): number => {
      const now = performance.now()
      for (let i = 0; i < added.length; i++) this.stamps.push(now)
      const length = push(...added)
      for (const listener of this.listeners) listener()
      return length
    }
  }

  get count (): number {
    return this.items.length
  }

  /** performance.now() of the last arrival, or -Infinity. */
  get lastArrival (): number {
    const last = this.stamps.at(-1)
    return last === undefined || Number.isNaN(last) ? -Infinity : last
  }

  /** The first item from index `from` on that matches, with its arrival time; waits for it. */
  async next (from: number, match: (item: T) => boolean, timeoutMs: number, what: string): Promise<{ item: T, at: number }> {
    const find = (): { item: T, at: number } | undefined => {
      for (let i = from; i < this.items.length; i++) {
        const item = this.items[i]!
        if (match(item)) return { item, at: this.stamps[i] ?? performance.now() }
      }
      return undefined
    }
    const found = find()
    if (found !== undefined) return found
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.listeners.delete(listener); reject(new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`)) }, timeoutMs)
      const listener = (): void => {
        const hit = find()
        if (hit === undefined) return
        clearTimeout(timer)
        this.listeners.delete(listener)
        resolve(hit)
      }
      this.listeners.add(listener)
    })
  }
}
