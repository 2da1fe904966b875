import t from 'tap'
import { pino } from 'pino'
import { InfluxV1Client } from '@aed/core/influx'
import { startTestInflux } from '../../../../test/support/influx.ts'
import { startTcpProxy } from '../../../../test/support/tcp-proxy.ts'
import { waitFor } from '@aed/testkit/wait-for'
import { systemTime } from '@aed/core/time'
import { InfluxWriter } from './influx-writer.ts'

const influx = await startTestInflux()
const proxy = await startTcpProxy(Number(new URL(influx.url).port))
t.teardown(async () => { await proxy.close(); await influx.stop() })

const throughProxy = new InfluxV1Client({ url: `http://127.0.0.1:${proxy.port}`, database: influx.database, timeoutMs: 1000 })
const count = async (cabinet: string): Promise<number> => {
  const rows = await influx.client.rows(`SELECT count("temperature_c") FROM "heartbeat" WHERE "cabinet" = '${cabinet}'`)
  return Number(rows[0]?.count ?? 0)
}
const line = (cabinet: string, i: number): string => `heartbeat,cabinet=${cabinet} temperature_c=${20 + i / 10},seq=${i}i ${Date.parse('2026-11-24T00:00:00Z') + i * 1000}000`

t.test('lines are written in batches', async t => {
  const writer = new InfluxWriter(throughProxy, { batchSize: 100, flushMs: 20, maxBufferLines: 10_000 }, systemTime, pino({ level: 'silent' }))
  for (let i = 0; i < 250; i++) writer.enqueue(line('batch-01', i))
  await waitFor(async () => await count('batch-01') === 250, '250 points stored')
  // InfluxDB may answer the count before the writer has seen its own 204.
  await waitFor(() => writer.written === 250, 'the writer to count them')
  t.equal(writer.written, 250)
  await writer.stop()
})

t.test('while InfluxDB is unreachable lines are kept and written when it comes back', async t => {
  const writer = new InfluxWriter(throughProxy, { batchSize: 50, flushMs: 20, maxBufferLines: 10_000, maxRetryDelayMs: 200 }, systemTime, pino({ level: 'silent' }))
  proxy.cut()
  for (let i = 0; i < 120; i++) writer.enqueue(line('outage-01', i))
  await waitFor(() => !writer.healthy, 'the writer to notice the outage')
  t.equal(writer.buffered, 120, 'nothing is dropped during the outage')
  proxy.restore()
  await waitFor(async () => await count('outage-01') === 120, 'every point stored after recovery')
  await waitFor(() => writer.healthy, 'the writer to see the recovery')
  t.equal(writer.dropped, 0)
  await writer.stop()
})

t.test('a batch InfluxDB refuses as malformed is dropped and counted, and later lines still go through', async t => {
  const writer = new InfluxWriter(throughProxy, { batchSize: 1, flushMs: 10, maxBufferLines: 100 }, systemTime, pino({ level: 'silent' }))
  writer.enqueue('this is not line protocol')
  writer.enqueue(line('after-bad-01', 1))
  await waitFor(async () => await count('after-bad-01') === 1, 'the good line stored')
  t.equal(writer.rejectedByServer, 1)
  await writer.stop()
})

t.test('when the buffer is full the oldest lines are dropped and counted', async t => {
  const writer = new InfluxWriter(throughProxy, { batchSize: 1000, flushMs: 60_000, maxBufferLines: 1000 }, systemTime, pino({ level: 'silent' }))
  proxy.cut()
  for (let i = 0; i < 1100; i++) writer.enqueue(line('full-01', i))
  t.equal(writer.buffered, 1000)
  t.equal(writer.dropped, 100)
  proxy.restore()
  await writer.stop()
  t.equal(await count('full-01'), 1000, String(writer.lastError))
})

t.test('a database missing when writing (InfluxDB was down at start-up) is created and the lines written', async t => {
  const database = `${influx.database}_late`
  const late = new InfluxV1Client({ url: influx.url, database })
  const writer = new InfluxWriter(late, { batchSize: 10, flushMs: 10, maxBufferLines: 100, maxRetryDelayMs: 100, createDatabase: true }, systemTime, pino({ level: 'silent' }))
  writer.enqueue(line('late-01', 1))
  await waitFor(async () => (await late.rows(`SELECT count("temperature_c") FROM "heartbeat"`).catch(() => []))[0]?.count === 1, 'the line stored in the new database')
  await waitFor(() => writer.written === 1, 'the writer to count it')
  t.equal(writer.written, 1)
  await writer.stop()
  await late.query(`DROP DATABASE "${database}"`, 'POST')
})
