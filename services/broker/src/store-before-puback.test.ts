import t from 'tap'
import { once } from 'node:events'
import { createRequire } from 'node:module'
import { createServer, type AddressInfo } from 'node:net'
import { Aedes, type AedesOptions } from 'aedes'
import mqtt from 'mqtt'
import { storeBeforePuback } from './store-before-puback.ts'

/*
 * A real Aedes over TCP whose store holds every enqueue at a gate the test
 * opens, so "the PUBACK waits for the store" is observed, not timed.
 */

interface Gate { entered: Promise<void>, open (): void, fail (error: Error): void }

/** Aedes' in-memory store whose next `outgoingEnqueueCombi` (queueing for an absent subscriber) waits for the gate. */
function gatedStore (): { persistence: unknown, gate (): Gate } {
  const persistence = createRequire(import.meta.url)('aedes-persistence')() as { outgoingEnqueueCombi (subs: unknown, packet: unknown): Promise<void> }
  const enqueue = persistence.outgoingEnqueueCombi.bind(persistence)
  let current: { arrived: () => void, result: Promise<void> } | undefined
  persistence.outgoingEnqueueCombi = async (subs, packet) => {
    const held = current
    current = undefined
    if (held !== undefined) {
      held.arrived()
      await held.result
    }
    return enqueue(subs, packet)
  }
  return {
    persistence,
    gate () {
      let arrived!: () => void
      let open!: () => void
      let fail!: (error: Error) => void
      const entered = new Promise<void>(resolve => { arrived = resolve })
      const result = new Promise<void>((resolve, reject) => { open = resolve; fail = reject })
      current = { arrived, result }
      return { entered, open, fail }
    }
  }
}

async function brokerWith (withStoreFirst: boolean): Promise<{ url: string, gate (): Gate }> {
  const store = gatedStore()
  const storing = storeBeforePuback((_client, _packet, callback) => callback(null))
  const aedes = new Aedes({ persistence: store.persistence as AedesOptions['persistence'], ...(withStoreFirst ? { authorizePublish: storing.authorizePublish } : {}) })
  if (withStoreFirst) storing.install(aedes)
  await aedes.listen()
  const server = createServer(aedes.handle)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(async () => {
    await new Promise<void>(resolve => aedes.close(() => resolve()))
    await new Promise<void>(resolve => server.close(() => resolve()))
  })
  return { url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`, gate: store.gate }
}

/** A persistent subscriber that has gone away: every QoS 1 message on x/# is queued for it. */
async function absentSubscriber (url: string): Promise<void> {
  const subscriber = await mqtt.connectAsync(url, { clientId: 'away', clean: false, reconnectPeriod: 0 })
  await subscriber.subscribeAsync('x/#', { qos: 1 })
  await subscriber.endAsync()
}

/** Lets the broker run whatever it would do next, without waiting on a clock. */
async function settle (): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise(resolve => setImmediate(resolve))
}

t.test('a QoS 1 PUBACK is sent only once the message is stored for an absent persistent subscriber', async t => {
  const broker = await brokerWith(true)
  await absentSubscriber(broker.url)
  const publisher = await mqtt.connectAsync(broker.url, { clientId: 'cabinet', reconnectPeriod: 0 })
  t.teardown(() => publisher.endAsync(true))
  const gate = broker.gate()
  let acknowledged = false
  const puback = publisher.publishAsync('x/1', 'door open', { qos: 1 }).then(() => { acknowledged = true })
  await gate.entered
  await settle()
  t.notOk(acknowledged, 'no PUBACK while the store has not taken the message')
  gate.open()
  await puback
  t.ok(acknowledged, 'acknowledged once stored')

  const subscriber = await mqtt.connectAsync(broker.url, { clientId: 'away', clean: false, reconnectPeriod: 0 })
  t.teardown(() => subscriber.endAsync(true))
  const message = await new Promise<[string, string]>(resolve => subscriber.once('message', (topic, payload) => resolve([topic, payload.toString()])))
  t.same(message, ['x/1', 'door open'], 'the queued message is delivered once, when the subscriber is back')
})

t.test('a message the store refuses gets no PUBACK: the connection is closed and the client keeps it', async t => {
  const broker = await brokerWith(true)
  await absentSubscriber(broker.url)
  const publisher = await mqtt.connectAsync(broker.url, { clientId: 'cabinet', reconnectPeriod: 0 })
  t.teardown(() => publisher.endAsync(true))
  const gate = broker.gate()
  let acknowledged = false
  publisher.publishAsync('x/2', 'door open', { qos: 1 }).then(() => { acknowledged = true }, () => undefined)
  await gate.entered
  const closed = new Promise<void>(resolve => publisher.once('close', () => resolve()))
  gate.fail(new Error('disk full'))
  await closed
  t.notOk(acknowledged, 'never acknowledged')
})

t.test('without it, Aedes acknowledges before the store has the message (why this module exists)', async t => {
  const broker = await brokerWith(false)
  await absentSubscriber(broker.url)
  const publisher = await mqtt.connectAsync(broker.url, { clientId: 'cabinet', reconnectPeriod: 0 })
  t.teardown(() => publisher.endAsync(true))
  const gate = broker.gate()
  const puback = publisher.publishAsync('x/3', 'door open', { qos: 1 })
  await gate.entered
  await puback
  t.pass('PUBACK received while the store still holds the message at the gate')
  gate.open()
})
