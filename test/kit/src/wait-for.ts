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
