import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { BrokerChildMessage, BrokerChildRequest } from './broker-process.ts'

export interface BrokerChild {
  url: string
  /** The auth broker's credentials file; undefined for the bare broker. */
  credentialsFile: string | undefined
  /** The auth broker's CREDENTIALS_HASH_KEY; undefined for the bare broker. */
  credentialsHashKey: string | undefined
  pid: number
  /** After a full garbage collection; external is what Buffers hold outside the heap. */
  memory (): Promise<{ rssMB: number, heapUsedMB: number, externalMB: number, connectedClients: number }>
  stop (): Promise<void>
}

const ENTRY = fileURLToPath(new URL('./broker-process.ts', import.meta.url))

/** Starts broker-process.ts in a child node (with tsx) and waits until it listens. */
export async function startBrokerChild (mode: 'auth' | 'bare'): Promise<BrokerChild> {
  const child = fork(ENTRY, [mode], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const ready = await nextMessage(child, 'ready', 30_000)
  return {
    url: ready.url,
    credentialsFile: ready.credentialsFile,
    credentialsHashKey: ready.credentialsHashKey,
    pid: child.pid ?? -1,
    async memory () {
      const reply = nextMessage(child, 'memory', 30_000)
      child.send({ type: 'memory' } satisfies BrokerChildRequest)
      const { rssMB, heapUsedMB, externalMB, connectedClients } = await reply
      return { rssMB, heapUsedMB, externalMB, connectedClients }
    },
    async stop () {
      if (child.exitCode !== null) return
      const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
      child.send({ type: 'stop' } satisfies BrokerChildRequest)
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    }
  }
}

function nextMessage<T extends BrokerChildMessage['type']> (child: ChildProcess, type: T, timeoutMs: number): Promise<Extract<BrokerChildMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { cleanup(); reject(new Error(`broker child: no ${type} message within ${timeoutMs} ms`)) }, timeoutMs)
    const onMessage = (message: BrokerChildMessage): void => {
      if (message.type !== type) return
      cleanup()
      resolve(message as Extract<BrokerChildMessage, { type: T }>)
    }
    const onExit = (code: number | null): void => { cleanup(); reject(new Error(`broker child exited (code ${code}) before sending ${type}`)) }
    const cleanup = (): void => { clearTimeout(timer); child.off('message', onMessage); child.off('exit', onExit) }
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}
