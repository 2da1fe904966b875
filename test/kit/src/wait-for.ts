/**
 * Polls until `check` is true; fails with what was awaited. For waits on
 * real peers (a message crossing the broker, a row in InfluxDB): the
 * timeout is generous, since CI machines are shared and slow down
 * several-fold; nothing is asserted about how long it took.
 */
export async function waitFor (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise(resolve => setTimeout(resolve, 25))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`)
}

/**
 * Moves a hand-moved clock forward in small steps until `check` is true:
 * for work that waits on the monitor's time (a retry's backoff) and on a
 * real peer (the SMS provider answering) in turn. Fails with what was
 * awaited after `timeoutMs` of real time.
 */
export async function advanceUntil (time: { advance (ms: number): Promise<void> }, check: () => boolean | Promise<boolean>, what: string, stepMs = 100, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await time.advance(stepMs)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`)
}
