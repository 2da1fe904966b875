import { createServer, connect, type Socket } from 'node:net'

/**
 * A TCP proxy on loopback in front of a real server, which a test can cut
 * and restore to simulate an outage of that server (InfluxDB, the broker)
 * without stopping it.
 */
export interface TcpProxy {
  port: number
  /** Closes every connection and refuses new ones until restore(). */
  cut (): void
  /** Closes every connection, then accepts new ones but never answers them (a hung server) until restore(). */
  hang (): void
  restore (): void
  close (): Promise<void>
}

export async function startTcpProxy (targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let up = true
  let hung = false
  const sockets = new Set<Socket>()
  const server = createServer(client => {
    if (hung) { sockets.add(client); client.on('error', () => client.destroy()); return }
    if (!up) { client.destroy(); return }
    const upstream = connect(targetPort, targetHost)
    sockets.add(client).add(upstream)
    const drop = (): void => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream) }
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (typeof address !== 'object' || address === null) throw new Error('proxy has no port')
  const cut = (): void => {
    up = false
    for (const socket of sockets) socket.destroy()
    sockets.clear()
  }
  return {
    port: address.port,
    cut,
    hang () { cut(); hung = true },
    restore () {
      up = true
      hung = false
      // Connections accepted while hung are closed: their clients retry on new ones.
      for (const socket of sockets) socket.destroy()
      sockets.clear()
    },
    close () {
      cut()
      return new Promise(resolve => server.close(() => resolve()))
    }
  }
}
