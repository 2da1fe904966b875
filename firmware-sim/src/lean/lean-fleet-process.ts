import { LeanFleet, type CabinetCredentials, type LeanFleetSettings } from './lean-fleet.ts'
import type { LeanCounts } from './lean-cabinet.ts'

/**
 * One process of a lean fleet spread over several (lean-fleet-processes.ts
 * forks it): it runs the cabinets it is given and answers for their counts
 * over the IPC channel.
 */
export type LeanFleetRequest =
  | { type: 'start', settings: LeanFleetSettings, cabinets: CabinetCredentials[] }
  | { type: 'counts' }
  | { type: 'stop' }

export type LeanFleetReply =
  | { type: 'started', pid: number }
  | { type: 'counts', counts: LeanCounts, rssMB: number, heapUsedMB: number }
  | { type: 'stopped' }
  | { type: 'failed', message: string }

const MB = 1024 * 1024
const send = (reply: LeanFleetReply): void => { process.send?.(reply) }
let fleet: LeanFleet | undefined

process.on('message', (request: LeanFleetRequest) => {
  try {
    if (request.type === 'start') {
      fleet = new LeanFleet({ ...request.settings, cabinets: request.cabinets })
      fleet.start()
      send({ type: 'started', pid: process.pid })
    } else if (request.type === 'counts') {
      const usage = process.memoryUsage()
      send({ type: 'counts', counts: fleet?.counts() ?? emptyCounts(), rssMB: usage.rss / MB, heapUsedMB: usage.heapUsed / MB })
    } else {
      const stopping = fleet?.stop() ?? Promise.resolve()
      stopping.finally(() => {
        send({ type: 'stopped' })
        process.disconnect()
      }).catch(() => undefined)
    }
  } catch (err) {
    send({ type: 'failed', message: err instanceof Error ? err.message : String(err) })
  }
})
// The parent gone (killed, crashed) leaves nobody to stop this process: stop with it.
process.on('disconnect', () => { setTimeout(() => process.exit(0), 100).unref() })

function emptyCounts (): LeanCounts {
  return { attempts: 0, connects: 0, reconnects: 0, refused: 0, failures: 0, disconnects: 0, heartbeatsSent: 0, heartbeatsAcked: 0, commands: 0, connected: 0 }
}
