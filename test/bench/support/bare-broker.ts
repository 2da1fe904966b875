import { createServer, type Server } from 'node:net'
import { Aedes } from 'aedes'

/**
 * Aedes as it comes, without the project's hooks: no authentication, no
 * authorisation, no logging. The transport baseline the real broker is
 * compared with.
 */
export interface BareBroker {
  aedes: Aedes
  server: Server
  url: string
  close (): Promise<void>
}

export async function startBareBroker (): Promise<BareBroker> {
  const aedes = new Aedes({ maxClientsIdLength: 128 })
  await aedes.listen()
  const server = createServer(aedes.handle)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => { server.off('error', reject); resolve() })
  })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    aedes,
    server,
    url: `mqtt://127.0.0.1:${port}`,
    async close () {
      await new Promise<void>(resolve => aedes.close(() => resolve()))
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}
