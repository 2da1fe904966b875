import t from 'tap'
import mqtt from 'mqtt'
import { CredentialFile, generateSecret, SecretHasher } from '@aed/core/credentials'
import { announcedHeader, RawMqttConnection } from '@aed/testkit/raw-mqtt'
import { startBrokerChild } from './bench/support/broker-child.ts'

/**
 * The broker in a process of its own (test/bench/support/broker-process.ts),
 * so that its memory is measured apart from the clients'. Clients announce
 * packets far over the limits and then try to send 32 MiB each: a broker
 * that buffered announced packets would hold hundreds of MiB.
 */
const MiB = 1024 * 1024
const ATTEMPT_BYTES = 32 * MiB
const CLIENTS = 6
/** What twelve such clients may leave behind in the broker, after a full garbage collection. */
const BOUND = { externalMB: 8, heapUsedMB: 16, rssMB: 64 }

const broker = await startBrokerChild('auth')
t.teardown(() => broker.stop())
const port = Number(new URL(broker.url).port)
const credentials = new CredentialFile(broker.credentialsFile!)
const hasher = new SecretHasher(broker.credentialsHashKey!)
const secrets = new Map<string, string>()
for (let i = 1; i <= CLIENTS + 1; i++) {
  const id = `memory-aed-${String(i).padStart(2, '0')}`
  const secret = generateSecret()
  await credentials.put(id, 'cabinet', hasher.hash(secret))
  secrets.set(id, secret)
}
const cabinetIds = [...secrets.keys()]

interface Attempt { raw: RawMqttConnection, written: number }

/** Announces a CONNECT of 256 MB (the largest MQTT can express) and writes until the broker closes the socket or 32 MiB are written. */
async function oversizedConnect (): Promise<Attempt> {
  const raw = await RawMqttConnection.open(port)
  await raw.send(announcedHeader(0x10, 268_435_455))
  return { raw, written: await raw.stream(ATTEMPT_BYTES) }
}

/** Logs in as a cabinet, announces a PUBLISH of 100 MB and writes until the broker closes the socket or 32 MiB are written. */
async function oversizedPublish (cabinetId: string): Promise<Attempt> {
  const raw = await RawMqttConnection.open(port)
  const code = await raw.connect({ clientId: cabinetId, username: cabinetId, password: secrets.get(cabinetId)! })
  if (code !== 0) throw new Error(`${cabinetId}: CONNACK ${code}`)
  await raw.send(announcedHeader(0x32, 100 * MiB))
  return { raw, written: await raw.stream(ATTEMPT_BYTES) }
}

async function ended (attempts: Attempt[]): Promise<void> {
  for (const { raw } of attempts) raw.destroy()
  await Promise.all(attempts.map(({ raw }) => raw.closed))
}

t.test(`${CLIENTS} oversized CONNECTs and ${CLIENTS} oversized PUBLISHes leave the broker within ${BOUND.externalMB} MiB of buffers, ${BOUND.heapUsedMB} MiB of heap and ${BOUND.rssMB} MiB of RSS`, async t => {
  // Warm-up: the first connections load code and fill pools that stay, whatever the limits.
  await ended(await Promise.all([oversizedConnect(), oversizedPublish(cabinetIds[0]!)]))
  const cabinet = await mqtt.connectAsync(broker.url, { clientId: cabinetIds[CLIENTS]!, username: cabinetIds[CLIENTS]!, password: secrets.get(cabinetIds[CLIENTS]!)!, reconnectPeriod: 0 })
  await cabinet.publishAsync(`aed/v1/${cabinetIds[CLIENTS]!}/heartbeat`, '{}', { qos: 1 })

  const before = await broker.memory()
  const attempts = await Promise.all([
    ...Array.from({ length: CLIENTS }, () => oversizedConnect()),
    ...cabinetIds.slice(0, CLIENTS).map(id => oversizedPublish(id))
  ])
  // Measured before the clients let go: a broker that buffered them would still hold it all.
  const after = await broker.memory()
  await ended(attempts)
  const written = attempts.map(attempt => attempt.written)
  t.comment(`before: ${JSON.stringify(before)}`)
  t.comment(`after:  ${JSON.stringify(after)}`)
  t.ok(written.every(bytes => bytes < ATTEMPT_BYTES), `every oversized client was cut off before it had written 32 MiB (${written.map(b => (b / MiB).toFixed(1)).join(', ')} MiB)`)
  t.ok(after.externalMB - before.externalMB < BOUND.externalMB, `buffers grew by ${(after.externalMB - before.externalMB).toFixed(1)} MiB`)
  t.ok(after.heapUsedMB - before.heapUsedMB < BOUND.heapUsedMB, `heap grew by ${(after.heapUsedMB - before.heapUsedMB).toFixed(1)} MiB`)
  t.ok(after.rssMB - before.rssMB < BOUND.rssMB, `RSS grew by ${(after.rssMB - before.rssMB).toFixed(1)} MiB`)

  await cabinet.publishAsync(`aed/v1/${cabinetIds[CLIENTS]!}/heartbeat`, '{}', { qos: 1 })
  t.equal(after.connectedClients, 1, 'the well-behaved cabinet is still connected, and only it')
  await cabinet.endAsync()
})
