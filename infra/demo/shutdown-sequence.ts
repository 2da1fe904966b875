/**
 * What the demo has started, stopped in reverse order whichever way it ends:
 * Ctrl-C, SIGTERM, "quit", a failure at any start-up step, an uncaught error.
 * Each part is registered as soon as it runs, so a failure half-way stops
 * exactly what came before it. Child processes (influxd) are also killed
 * synchronously on 'exit', the one hook that runs even when a stop step
 * hangs or throws.
 */
export class ShutdownSequence {
  private readonly steps: Array<{ name: string, stop: () => Promise<void> | void }> = []
  private readonly childPids = new Set<number>()
  private running: Promise<void> | undefined

  add (name: string, stop: () => Promise<void> | void): void {
    this.steps.push({ name, stop })
  }

  /** A child process to kill on exit if its own stop step has not ended it. */
  killOnExit (pid: number): void {
    this.childPids.add(pid)
  }

  /** The child has exited: its pid may be reused, so it is no longer killed. */
  childExited (pid: number): void {
    this.childPids.delete(pid)
  }

  /** Runs every step once, last added first; a failing step is reported and the rest still run. */
  run (report: (name: string, err: unknown) => void): Promise<void> {
    this.running ??= (async () => {
      for (const { name, stop } of this.steps.reverse()) {
        try {
          await stop()
        } catch (err) {
          report(name, err)
        }
      }
      this.killChildren()
    })()
    return this.running
  }

  killChildren (): void {
    for (const pid of this.childPids) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch { /* already exited */ }
    }
    this.childPids.clear()
  }
}
