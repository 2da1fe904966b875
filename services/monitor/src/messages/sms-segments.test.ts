import t from 'tap'
import { countSmsSegments, smsEncoding } from './sms-segments.ts'

t.test('plain English is GSM-7: 160 septets in one part, 153 per part beyond', async t => {
  t.same(countSmsSegments('a'.repeat(160)), { encoding: 'GSM-7', units: 160, segments: 1 })
  t.same(countSmsSegments('a'.repeat(161)), { encoding: 'GSM-7', units: 161, segments: 2 })
  t.same(countSmsSegments('a'.repeat(306)), { encoding: 'GSM-7', units: 306, segments: 2 })
  t.same(countSmsSegments('a'.repeat(307)), { encoding: 'GSM-7', units: 307, segments: 3 })
})

t.test('GSM-7 extension characters cost two septets and are never split across parts', async t => {
  t.same(countSmsSegments('€'.repeat(80)), { encoding: 'GSM-7', units: 160, segments: 1 })
  // 152 septets then an escape pair: the pair moves whole into part two.
  t.equal(countSmsSegments('a'.repeat(152) + '€' + 'a'.repeat(10)).segments, 2)
  t.equal(countSmsSegments('a'.repeat(152) + '€' + 'a'.repeat(152)).segments, 3)
})

t.test('one Cyrillic letter or Bulgarian quote makes the whole text UCS-2: 70 in one part, 67 beyond', async t => {
  t.equal(smsEncoding('Pernik, пл. 1'), 'UCS-2')
  t.equal(smsEncoding('ul. „Mladen Stoyanov“'), 'UCS-2')
  t.same(countSmsSegments('П'.repeat(70)), { encoding: 'UCS-2', units: 70, segments: 1 })
  t.same(countSmsSegments('П'.repeat(71)), { encoding: 'UCS-2', units: 71, segments: 2 })
  t.same(countSmsSegments('П'.repeat(134)), { encoding: 'UCS-2', units: 134, segments: 2 })
  t.same(countSmsSegments('П'.repeat(135)), { encoding: 'UCS-2', units: 135, segments: 3 })
})

t.test('a character outside the BMP is a surrogate pair: two UCS-2 units, kept in one part', async t => {
  t.same(countSmsSegments('🚑'), { encoding: 'UCS-2', units: 2, segments: 1 })
  // 134 units, but the pair cannot follow 66 letters in part one.
  t.equal(countSmsSegments('П'.repeat(66) + '🚑' + 'П'.repeat(66)).segments, 3)
})

t.test('an empty text costs nothing', async t => {
  t.same(countSmsSegments(''), { encoding: 'GSM-7', units: 0, segments: 0 })
})
