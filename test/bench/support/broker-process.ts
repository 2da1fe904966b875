import { pino } from 'pino'
import { startTestBroker } from '@aed/testkit/test-broker'
import { startBareBroker } from './bare-broker.ts'
import { collectGarbage } from './memory.ts'

/**
 * A broker in a process of its own, so its memory and open files can be
 * counted apart from the clients': `auth` is the project's broker
 * (startTestBroker), `bare` is Aedes without hooks. Started by
 * broker-child.ts over an IPC channel.
 */
export type BrokerChildRequest = { type: 'memory' } | { type: 'stop' }
export type BrokerChildMessage =
  | { type: 'ready', url: string, credentialsFile?: string, credentialsHashKey?: string }
  | { type: 'memory', rssMB: number, heapUsedMB: number, externalMB: number, connectedClients: number }

const MB = 1024 * 1024
const mode = process.argv[2]
if (mode !== 'auth' && mode !== 'bare') throw new Error(`broker-process: mode must be auth or bare, not ${String(mode)}`)
const send = (message: BrokerChildMessage): void => { process.send?.(message) }

// Every benchmark client comes from 127.0.0.1: the connection caps would measure themselves, not the broker.
const UNCAPPED = { maxConnections: 1_000_000, maxConnectionsPerAddress: 1_000_000 }
const authBroker = mode === 'auth' ? await startTestBroker({ logger: pino({ level: 'silent' }), credentialsPollMs: 1000, limits: UNCAPPED }) : undefined
const broker = authBroker ?? await startBareBroker()

process.on('message', (request: BrokerChildRequest) => {
  if (request.type === 'memory') {
    collectGarbage()
    const usage = process.memoryUsage()
    send({ type: 'memory', rssMB: usage.rss / MB, heapUsedMB: usage.heapUsed / MB, externalMB: usage.external / MB, connectedClients: broker.aedes.connectedClients })
  } else {
    broker.close().finally(() => process.exit(0))
  }
})
send({ type: 'ready', url: broker.url, ...(authBroker !== undefined ? { credentialsFile: authBroker.credentials.path, credentialsHashKey: authBroker.credentialsHashKey } : {}) })
