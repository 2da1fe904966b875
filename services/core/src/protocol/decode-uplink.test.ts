import t from 'tap'
import { randomBytes } from 'node:crypto'
import { decodeUplink, type RejectionCode } from './decode-uplink.ts'
import { FLEET_SUBSCRIPTIONS, parseCabinetTopic } from './topics.ts'

const ts = '2026-11-24T10:00:00.000Z'
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value))

t.test('a valid message of every uplink channel is accepted and typed by its channel', async t => {
  const cases: Array<[string, object]> = [
    ['heartbeat', { ts, seq: 1, temperatureC: -12.5, fw: '2.1.0', mains: true, rssiDbm: -71, uptimeS: 3600 }],
    ['door', { ts, seq: 2, state: 'open' }],
    ['selftest', { ts, seq: 3, result: 'fail', kind: 'weekly', faults: ['E-PADS'] }],
    ['battery', { ts, seq: 4, percent: 87.5, expires: '2029-03-01' }],
    ['pads', { ts, seq: 5, expires: '2027-06-30', type: 'pediatric', lot: 'L-2291' }],
    ['status', { online: false }],
    ['cmd/result', { ts, seq: 6, id: 'r1', cmd: 'selftest', ok: true }]
  ]
  for (const [channel, payload] of cases) {
    const result = decodeUplink(`aed/v1/pernik-aed-01/${channel}`, json(payload))
    t.equal(result.kind, 'uplink', `${channel} accepted`)
    if (result.kind === 'uplink') t.same(result.message, { cabinetId: 'pernik-aed-01', channel, payload }, `${channel} decoded as sent`)
  }
})

t.test('fields the protocol does not know are dropped, not rejected', async t => {
  const result = decodeUplink('aed/v1/pernik-aed-01/door', json({ ts, seq: 1, state: 'closed', vendorDebug: { x: 1 } }))
  t.equal(result.kind, 'uplink')
  if (result.kind === 'uplink') t.same(result.message.payload, { ts, seq: 1, state: 'closed' })
})

t.test('an invalid message is rejected with a reason naming the field', async t => {
  const cases: Array<[string, Buffer, RegExp, RejectionCode]> = [
    ['aed/v1/pernik-aed-01/battery', json({ ts, seq: 1, percent: 140 }), /percent/, 'schema'],
    ['aed/v1/pernik-aed-01/door', json({ ts: '2026-11-24 10:00', seq: 1, state: 'open' }), /ts/, 'schema'],
    ['aed/v1/pernik-aed-01/door', json({ ts: '2026-11-24T12:00:00+02:00', seq: 1, state: 'open' }), /ts/, 'schema'],
    ['aed/v1/pernik-aed-01/door', json({ ts, seq: -1, state: 'open' }), /seq/, 'schema'],
    ['aed/v1/pernik-aed-01/door', json({ ts, seq: 1, state: 'ajar' }), /state/, 'schema'],
    ['aed/v1/pernik-aed-01/pads', json({ ts, seq: 1, expires: '30.06.2027' }), /expires/, 'schema'],
    ['aed/v1/pernik-aed-01/heartbeat', Buffer.from('{"ts":'), /not JSON/, 'invalid_json'],
    ['aed/v1/pernik-aed-01/heartbeat', json([1, 2]), /payload/, 'schema']
  ]
  for (const [topic, payload, reason, code] of cases) {
    const result = decodeUplink(topic, payload)
    t.equal(result.kind, 'rejected', `${payload.toString()} rejected`)
    if (result.kind === 'rejected') {
      t.match(result.reason, reason)
      t.equal(result.code, code, 'the reason class')
      t.equal(result.cabinetId, 'pernik-aed-01', 'the rejection names the cabinet')
      t.equal(result.channel, topic.split('/')[3], 'and the channel')
    }
  }
})

t.test('a channel this version does not know is rejected as unknown, naming cabinet and channel', async t => {
  // Newer firmware may publish channels a later protocol version adds: they are counted, not lost.
  for (const channel of ['diagnostics', 'firmware-upload', 'Diagnostics', 'result']) {
    const result = decodeUplink(`aed/v1/pernik-aed-01/${channel}`, json({ ts, seq: 1 }))
    t.same(result, { kind: 'rejected', code: 'unknown_channel', cabinetId: 'pernik-aed-01', channel, reason: `unknown channel ${channel}` }, channel)
  }
})

t.test('a command on the downlink topic is reported as a downlink, not as a rejected uplink', async t => {
  // The fleet subscription aed/v1/+/+ matches aed/v1/{id}/cmd, so the monitor receives its own commands.
  const command = json({ cmd: 'report', id: 'r-1', ts })
  t.same(decodeUplink('aed/v1/pernik-aed-01/cmd', command), { kind: 'downlink', cabinetId: 'pernik-aed-01' })
  t.same(decodeUplink('aed/v1/pernik-aed-01/cmd', Buffer.from('not even JSON')), { kind: 'downlink', cabinetId: 'pernik-aed-01' },
    'whatever its payload: the monitor does not judge commands')
})

t.test('topics outside the contract are rejected without a cabinet', async t => {
  for (const topic of ['aed/v2/pernik-aed-01/door', 'aed/v1/PERNIK/door', 'aed/v1/ab/door', 'aed/v1/pernik-aed-01/door/extra',
    'aed/v1/pernik-aed-01/cmd/other', 'aed/v1/pernik-aed-01/', 'aed/v1/pernik-aed-01', 'aed/v1/pernik-aed-01/a/b', 'x']) {
    t.equal(parseCabinetTopic(topic), undefined, topic)
    const result = decodeUplink(topic, json({ ts, seq: 1 }))
    t.match(result, { kind: 'rejected', code: 'topic', reason: /not an uplink topic of protocol v1/ }, topic)
  }
})

t.test('topics are classified as uplink, unknown uplink or downlink', async t => {
  t.same(parseCabinetTopic('aed/v1/pernik-aed-01/door'), { kind: 'uplink', cabinetId: 'pernik-aed-01', channel: 'door' })
  t.same(parseCabinetTopic('aed/v1/pernik-aed-01/cmd/result'), { kind: 'uplink', cabinetId: 'pernik-aed-01', channel: 'cmd/result' })
  t.same(parseCabinetTopic('aed/v1/pernik-aed-01/diagnostics'), { kind: 'unknown-uplink', cabinetId: 'pernik-aed-01', channel: 'diagnostics' })
  t.same(parseCabinetTopic('aed/v1/pernik-aed-01/cmd'), { kind: 'downlink', cabinetId: 'pernik-aed-01', channel: 'cmd' })
  t.same(parseCabinetTopic('aed/v1/pernik-aed-01/toString'), { kind: 'unknown-uplink', cabinetId: 'pernik-aed-01', channel: 'toString' },
    'a name of an Object property is not a channel of the contract')
  for (const wildcard of ['aed/v1/pernik-aed-01/+', 'aed/v1/pernik-aed-01/#', 'aed/v1/+/door', 'aed/v1/pernik-aed-01/a+b']) {
    t.equal(parseCabinetTopic(wildcard), undefined, `${wildcard}: a wildcard is no topic name`)
  }
})

t.test('the fleet subscription covers every uplink channel, known or not, and the downlink', async t => {
  t.same(FLEET_SUBSCRIPTIONS, ['aed/v1/+/+', 'aed/v1/+/cmd/result'])
})

t.test('an oversized payload is rejected before parsing', async t => {
  const result = decodeUplink('aed/v1/pernik-aed-01/selftest', Buffer.alloc(20_000, 0x20))
  t.match(result, { kind: 'rejected', code: 'too_large', reason: /exceeds/ })
})

t.test('random bytes never make the decoder throw', async t => {
  const channels = ['heartbeat', 'door', 'selftest', 'battery', 'pads', 'status', 'cmd/result']
  let rejected = 0
  for (let i = 0; i < 2000; i++) {
    const bytes = randomBytes(i % 64)
    const result = decodeUplink(`aed/v1/pernik-aed-01/${channels[i % channels.length]}`, bytes)
    if (result.kind === 'rejected') rejected++
  }
  t.equal(rejected, 2000, 'every random payload is rejected, none throws')
})
