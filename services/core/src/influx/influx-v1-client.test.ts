import t from 'tap'
import { Point } from '@influxdata/influxdb-client'
import { startTestInflux } from '../../../../test/support/influx.ts'
import { InfluxQueryError, microsecondTimestamp, toLine } from './influx-v1-client.ts'

const influx = await startTestInflux()
t.teardown(() => influx.stop())

t.test('points written through /write come back from InfluxQL with their escaping intact', async t => {
  const at = Date.parse('2026-11-24T10:00:00.000Z')
  const line = toLine(new Point('pads').tag('cabinet', 'pernik-aed-01').stringField('lot', 'Лот "7", A=1').timestamp(at))
  t.ok(line)
  await influx.client.write([line!])
  const rows = await influx.client.rows('SELECT "lot" FROM "pads" WHERE "cabinet" = \'pernik-aed-01\'')
  t.same(rows, [{ time: at, lot: 'Лот "7", A=1' }])
})

t.test('a point written twice with the same time is stored once', async t => {
  const at = Date.parse('2026-11-24T11:00:00.000Z')
  const line = toLine(new Point('door').tag('cabinet', 'pernik-aed-02').stringField('state', 'open').timestamp(at))!
  await influx.client.write([line])
  await influx.client.write([line])
  const rows = await influx.client.rows('SELECT count("state") FROM "door" WHERE "cabinet" = \'pernik-aed-02\'')
  t.equal(rows[0]?.count, 1)
})

t.test('two points in the same millisecond stay distinct by their discriminator; the same one again is stored once', async t => {
  const at = Date.parse('2026-11-24T12:00:00.000Z')
  const point = (seq: number) => toLine(new Point('heartbeat').tag('cabinet', 'pernik-aed-03').intField('seq', seq).timestamp(microsecondTimestamp(at, seq)))!
  await influx.client.write([point(41), point(42), point(42)])
  const rows = await influx.client.rows('SELECT "seq" FROM "heartbeat" WHERE "cabinet" = \'pernik-aed-03\'')
  t.same(rows.map(r => r.seq), [41, 42])
  t.same(rows.map(r => r.time), [at, at], 'both at the millisecond the cabinet gave')
})

t.test('an invalid query is an InfluxQueryError that names the query', async t => {
  await t.rejects(influx.client.query('SELEC nonsense'), InfluxQueryError)
  await t.rejects(influx.client.query('SELEC nonsense'), /SELEC nonsense/)
})

t.test('ping answers true for a live server and false for a closed port', async t => {
  t.equal(await influx.client.ping(), true)
  const { InfluxV1Client } = await import('./influx-v1-client.ts')
  t.equal(await new InfluxV1Client({ url: 'http://127.0.0.1:9', database: 'x', timeoutMs: 500 }).ping(), false)
})
