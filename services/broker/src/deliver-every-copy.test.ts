import t from 'tap'
import mqtt, { type MqttClient } from 'mqtt'
import { FLEET_SUBSCRIPTIONS } from '@aed/core/protocol'
import { startTestBroker } from '@aed/testkit/test-broker'
import { waitFor } from '@aed/testkit/wait-for'
import { deliverEveryCopy } from './deliver-every-copy.ts'

/*
 * Aedes drops a delivery numbered below the last one a client got; these
 * are the two ways messages reach a client out of that order.
 */

const broker = await startTestBroker()
t.teardown(() => broker.close())
const monitorLogin = await broker.addService('monitor')

async function cabinet (id: string): Promise<MqttClient> {
  const client = await mqtt.connectAsync(broker.url, { clientId: id, username: id, password: await broker.addCabinet(id), clean: false, reconnectPeriod: 0 })
  t.teardown(() => client.endAsync(true))
  return client
}

/** Collects the `seq` of every message a monitor session receives. */
function collectSeqs (client: MqttClient): Set<string> {
  const seen = new Set<string>()
  client.on('message', (topic, payload) => { seen.add(`${topic.split('/')[3]}:${JSON.parse(payload.toString()).seq}`) })
  return seen
}

t.test('a retained status followed at once by a heartbeat: the monitor gets both', async t => {
  const monitor = await mqtt.connectAsync(broker.url, { clientId: 'copy-monitor-1', ...monitorLogin, reconnectPeriod: 0 })
  t.teardown(() => monitor.endAsync(true))
  const seen = collectSeqs(monitor)
  await monitor.subscribeAsync(FLEET_SUBSCRIPTIONS, { qos: 1 })
  const cab = await cabinet('copy-aed-01')
  // Written in one go, as firmware does on connect: the status waits for the retained store, the heartbeat does not.
  await Promise.all([
    cab.publishAsync('aed/v1/copy-aed-01/status', '{"online":true,"seq":0}', { qos: 1, retain: true }),
    cab.publishAsync('aed/v1/copy-aed-01/heartbeat', '{"seq":1}', { qos: 1 })
  ])
  await waitFor(() => seen.has('status:0') && seen.has('heartbeat:1'), 'both messages at the monitor', 30_000).catch(() => undefined)
  t.same([...seen].sort(), ['heartbeat:1', 'status:0'])
})

t.test('a monitor coming back to its queue while a cabinet goes on publishing gets every queued and every live message', async t => {
  const login = { clientId: 'copy-monitor-2', ...monitorLogin, clean: false, reconnectPeriod: 0 }
  const away = await mqtt.connectAsync(broker.url, login)
  await away.subscribeAsync(FLEET_SUBSCRIPTIONS, { qos: 1 })
  await away.endAsync()
  const cab = await cabinet('copy-aed-02')
  const sent: string[] = []
  const publish = async (seq: number): Promise<void> => {
    await cab.publishAsync('aed/v1/copy-aed-02/heartbeat', JSON.stringify({ seq }), { qos: 1 })
    sent.push(`heartbeat:${seq}`)
  }
  for (let seq = 0; seq < 300; seq++) await publish(seq)
  // Back while the cabinet keeps publishing: live messages (numbered later) race the queue.
  const live = (async () => { for (let seq = 300; seq < 600; seq++) await publish(seq) })()
  // Reconnecting as the monitor does: a copy delivered both live and from the queue can make
  // Aedes close the connection ("no such packet"), and the queue is delivered again.
  const monitor = mqtt.connect(broker.url, { ...login, reconnectPeriod: 200 })
  t.teardown(() => monitor.endAsync(true))
  const seen = collectSeqs(monitor)
  await live
  await waitFor(() => sent.every(m => seen.has(m)), 'every message at the monitor', 60_000).catch(() => undefined)
  t.same(sent.filter(m => !seen.has(m)), [], `all ${sent.length} acknowledged messages delivered`)
})

t.test('no client keeps a record of the deliveries it got, and all share the one empty record', t => {
  type Held = { duplicates: Record<string, number> }
  const [a, b] = [{ duplicates: {} }, { duplicates: {} }] as Held[]
  deliverEveryCopy(a as never)
  deliverEveryCopy(b as never)
  t.equal(a!.duplicates, b!.duplicates)
  // What Aedes does with it (lib/client.js, dedupe; aedes.js on a broker's restart).
  a!.duplicates['broker-1'] = 42
  t.equal(b!.duplicates['broker-1'], undefined)
  delete a!.duplicates['broker-1']
  t.same(Object.keys(a!.duplicates), [])
  t.end()
})
