import t from 'tap'
import { pino } from 'pino'
import { InfluxV1Client } from '@aed/core/influx'
import { startTestInflux } from '../../../../test/support/influx.ts'
import { startTcpProxy } from '../../../../test/support/tcp-proxy.ts'
import { waitFor } from '@aed/testkit/wait-for'
import { systemTime } from '@aed/core/time'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InfluxWriter, type InfluxWriterOptions } from './influx-writer.ts'
import { Spool } from './spool.ts'

const influx = await startTestInflux()
const proxy = await startTcpProxy(Number(new URL(influx.url).port))
t.teardown(async () => { await proxy.close(); await influx.stop() })

const throughProxy = new InfluxV1Client({ url: `http://127.0.0.1:${proxy.port}`, database: influx.database, timeoutMs: 1000 })
const count = async (cabinet: string): Promise<number> => {
  const rows = await influx.client.rows(`SELECT count("temperature_c") FROM "heartbeat" WHERE "cabinet" = '${cabinet}'`)
  return Number(rows[0]?.count ?? 0)
}
const spoolRoot = await mkdtemp(join(tmpdir(), 'aed-spool-'))
t.teardown(() => rm(spoolRoot, { recursive: true, force: true }))
let spools = 0

/** A writer with its own spool directory (or the one given, to restart on it). */
function writerWith (client: InfluxV1Client, options: InfluxWriterOptions, dir = join(spoolRoot, String(spools++))) {
  const spool = new Spool({ dir, segmentBytes: 4096 })
  return { writer: new InfluxWriter(client, spool, options, systemTime, pino({ level: 'silent' })), dir }
}

const line = (cabinet: string, i: number): string => `heartbeat,cabinet=${cabinet} temperature_c=${20 + i / 10},seq=${i}i ${Date.parse('2026-11-24T00:00:00Z') + i * 1000}000`

t.test('lines are written in batches', async t => {
  const { writer } = writerWith(throughProxy, { batchSize: 100, flushMs: 20, maxBufferLines: 10_000 })
  await writer.start()
  for (let i = 0; i < 250; i++) writer.enqueue(line('batch-01', i))
  await waitFor(async () => await count('batch-01') === 250, '250 points stored')
  // InfluxDB may answer the count before the writer has seen its own 204.
  await waitFor(() => writer.written === 250, 'the writer to count them')
  t.equal(writer.written, 250)
  await writer.stop()
})

t.test('while InfluxDB is unreachable lines are kept and written when it comes back', async t => {
  const { writer } = writerWith(throughProxy, { batchSize: 50, flushMs: 20, maxBufferLines: 10_000, maxRetryDelayMs: 200 })
  await writer.start()
  proxy.cut()
  for (let i = 0; i < 120; i++) writer.enqueue(line('outage-01', i))
  await waitFor(() => !writer.healthy, 'the writer to notice the outage')
  t.equal(writer.buffered, 120, 'nothing is dropped during the outage')
  proxy.restore()
  await waitFor(async () => await count('outage-01') === 120, 'every point stored after recovery')
  await waitFor(() => writer.healthy, 'the writer to see the recovery')
  await writer.stop()
})

t.test('a batch InfluxDB refuses as malformed is dropped and counted, and later lines still go through', async t => {
  const { writer } = writerWith(throughProxy, { batchSize: 1, flushMs: 10, maxBufferLines: 100 })
  await writer.start()
  writer.enqueue('this is not line protocol')
  writer.enqueue(line('after-bad-01', 1))
  await waitFor(async () => await count('after-bad-01') === 1, 'the good line stored')
  t.equal(writer.rejectedByServer, 1)
  await writer.stop()
})

t.test('when InfluxDB is far behind the writer is full and drops nothing; what is left at a stop is written at the next start', async t => {
  const { writer, dir } = writerWith(throughProxy, { batchSize: 1000, flushMs: 60_000, maxBufferLines: 1000, stopTimeoutMs: 200 })
  await writer.start()
  proxy.cut()
  for (let i = 0; i < 1100; i++) writer.enqueue(line('full-01', i))
  t.equal(writer.buffered, 1100, 'nothing dropped')
  t.equal(writer.full, true)
  let room = false
  void writer.roomAgain().then(() => { room = true })
  await writer.durable()
  t.ok(writer.spooledBytes > 0, 'every line is on disk')
  await writer.stop()
  t.equal(room, false, 'still full: InfluxDB never answered')
  proxy.restore()
  const { writer: next } = writerWith(throughProxy, { batchSize: 500, flushMs: 10, maxBufferLines: 1000 }, dir)
  await next.start()
  t.equal(next.replayed, 1100, 'the spool held every line')
  await waitFor(async () => await count('full-01') === 1100, 'all 1100 written after the restart')
  await waitFor(async () => (await readdir(dir)).length <= 1, 'written segments removed from the spool')
  await next.stop()
})

t.test('a line is durable once the spool has synced it, and a crash loses none of the durable lines', async t => {
  const { writer, dir } = writerWith(throughProxy, { batchSize: 10_000, flushMs: 60_000, maxBufferLines: 100_000 })
  await writer.start()
  proxy.cut()
  for (let i = 0; i < 300; i++) writer.enqueue(line('crash-01', i))
  await writer.durable()
  // No stop(): as after kill -9, only what is on disk remains.
  proxy.restore()
  const { writer: next } = writerWith(throughProxy, { batchSize: 500, flushMs: 10, maxBufferLines: 100_000 }, dir)
  await next.start()
  t.equal(next.replayed, 300)
  await waitFor(async () => await count('crash-01') === 300, 'every durable line written after the restart')
  await next.stop()
})

t.test('a database missing when writing (InfluxDB was down at start-up) is created and the lines written', async t => {
  const database = `${influx.database}_late`
  const late = new InfluxV1Client({ url: influx.url, database })
  const { writer } = writerWith(late, { batchSize: 10, flushMs: 10, maxBufferLines: 100, maxRetryDelayMs: 100, createDatabase: true })
  await writer.start()
  writer.enqueue(line('late-01', 1))
  await waitFor(async () => (await late.rows(`SELECT count("temperature_c") FROM "heartbeat"`).catch(() => []))[0]?.count === 1, 'the line stored in the new database')
  await waitFor(() => writer.written === 1, 'the writer to count it')
  t.equal(writer.written, 1)
  await writer.stop()
  await late.query(`DROP DATABASE "${database}"`, 'POST')
})
