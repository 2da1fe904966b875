import t from 'tap'
import { createServer, type Socket } from 'node:net'
import { once } from 'node:events'
import { pino } from 'pino'
import { waitFor } from '@aed/testkit/wait-for'
import { MonitorBus } from '../events.ts'
import { MqttSubscriber } from './mqtt-subscriber.ts'

/** A TCP peer that accepts the MQTT connection (CONNACK) and then acknowledges nothing, as a broker that hangs. */
async function brokerThatNeverAcknowledges () {
  const sockets = new Set<Socket>()
  const server = createServer(socket => {
    sockets.add(socket)
    socket.once('data', () => socket.write(Buffer.from([0x20, 0x02, 0x00, 0x00])))
    socket.on('close', () => sockets.delete(socket))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  return { url: `mqtt://127.0.0.1:${port}`, sockets, close: () => { for (const s of sockets) s.destroy(); server.close() } }
}

t.test('stopping does not wait for ever for a broker that never acknowledges what was published', async t => {
  const broker = await brokerThatNeverAcknowledges()
  t.teardown(broker.close)
  const subscriber = new MqttSubscriber(
    { url: broker.url, username: 'service:monitor', password: 'x', clientId: 'aed-monitor-stop-test' },
    { handle: () => {}, durable: async () => {}, admission: () => undefined },
    new MonitorBus(),
    pino({ level: 'silent' })
  )
  subscriber.start()
  await waitFor(() => subscriber.connected, 'connected to the broker')
  void subscriber.publish('aed/v1/pernik-aed-01/cmd', '{"cmd":"report"}').catch(() => undefined)
  await subscriber.stop(100)
  t.pass('stop() returned although the command was never acknowledged')
  await new Promise(resolve => setTimeout(resolve, 50))
  t.equal(broker.sockets.size, 0, 'and the connection is closed')
})
