import t from 'tap'
import fc from 'fast-check'
import { decodeUplink } from './decode-uplink.ts'
import { UPLINK_CHANNELS } from './topics.ts'

/**
 * The decoder is the monitor's first line against whatever a cabinet (or
 * someone holding its secret) sends: for any topic and any bytes it answers
 * with a verdict and never throws, and what it accepts is exactly what the
 * protocol allows. Runs are seeded (FUZZ_SEED picks another) and bounded.
 */
const seed = process.env.FUZZ_SEED === undefined ? 20261124 : Number(process.env.FUZZ_SEED)
const runs = { seed, numRuns: 2000 }
const channel = fc.constantFrom(...UPLINK_CHANNELS, 'diagnostics', 'cmd', 'status/x', '#', '+', '')
const cabinet = fc.oneof(fc.constantFrom('pernik-aed-01', 'sofia-aed-9'), fc.string({ maxLength: 70 }))
const topic = fc.oneof(
  fc.tuple(cabinet, channel).map(([id, ch]) => `aed/v1/${id}/${ch}`),
  fc.string({ maxLength: 200 })
)
/** Plausible payloads: the right shape with wrong values, as well as anything JSON. */
const plausible = fc.record({
  ts: fc.oneof(fc.date({ noInvalidDate: true }).map(d => d.toISOString()), fc.string()),
  seq: fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.string()),
  state: fc.constantFrom('open', 'closed', 'ajar'),
  percent: fc.oneof(fc.double({ min: -50, max: 200 }), fc.string()),
  temperatureC: fc.double(),
  fw: fc.string({ maxLength: 40 }),
  result: fc.constantFrom('pass', 'fail', 'maybe'),
  expires: fc.oneof(fc.constantFrom('2027-06-30', '2027-13-40', ''), fc.string()),
  online: fc.boolean()
}, { requiredKeys: [] })
const payload = fc.oneof(
  plausible.map(p => Buffer.from(JSON.stringify(p))),
  fc.jsonValue().map(v => Buffer.from(JSON.stringify(v))),
  fc.uint8Array({ maxLength: 512 }).map(bytes => Buffer.from(bytes)),
  fc.string({ maxLength: 256 }).map(text => Buffer.from(text))
)

t.test('for any topic and bytes the decoder answers with a verdict and never throws', async t => {
  fc.assert(fc.property(topic, payload, (tp, body) => {
    const result = decodeUplink(tp, body)
    return ['uplink', 'rejected', 'downlink'].includes(result.kind) &&
      (result.kind !== 'rejected' || (typeof result.reason === 'string' && result.reason.length > 0))
  }), runs)
  t.pass('2000 random topics and payloads decoded without throwing')
})

t.test('whatever it accepts is a message of the topic\'s own cabinet and channel, with a sane seq and ts', async t => {
  fc.assert(fc.property(fc.constantFrom(...UPLINK_CHANNELS), plausible, (ch, body) => {
    const result = decodeUplink(`aed/v1/pernik-aed-01/${ch}`, Buffer.from(JSON.stringify(body)))
    if (result.kind !== 'uplink') return true
    const { message } = result
    const { seq, ts } = message.payload
    return message.cabinetId === 'pernik-aed-01' && message.channel === ch &&
      (seq === undefined || (Number.isInteger(seq) && seq >= 0)) &&
      (ts === undefined || (ts.endsWith('Z') && !Number.isNaN(Date.parse(ts))))
  }), runs)
  t.pass('every accepted message checked')
})

t.test('payloads over the size limit are refused before they are parsed', async t => {
  const result = decodeUplink('aed/v1/pernik-aed-01/door', Buffer.alloc(64 * 1024, 0x20))
  t.match(result, { kind: 'rejected', code: 'too_large' })
})
