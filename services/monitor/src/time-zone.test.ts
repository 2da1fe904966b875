import t from 'tap'
import { dateInZone, formatHhMm, formatTime, isTimeZone, localTime, parseHhMm, startOfDayInZone, zoneOffsetMs } from './time-zone.ts'

const WINTER = Date.parse('2026-11-24T10:07:00Z')
const SUMMER = Date.parse('2026-07-14T10:07:00Z')

t.test('times of day are read in Sofia: UTC+2 in winter, UTC+3 in summer', async t => {
  t.equal(formatHhMm(WINTER, 'Europe/Sofia'), '12:07')
  t.equal(formatHhMm(SUMMER, 'Europe/Sofia'), '13:07')
  t.equal(formatHhMm(Date.parse('2026-11-24T22:05:00Z')), '00:05', 'Sofia by default; midnight is 00, not 24')
  t.same(localTime(WINTER, 'Europe/Sofia'), { weekday: 'tue', minutes: 12 * 60 + 7 })
  t.same(localTime(SUMMER, 'Europe/Sofia'), { weekday: 'tue', minutes: 13 * 60 + 7 })
})

t.test('the calendar date is the local one, which differs from UTC around midnight', async t => {
  t.equal(dateInZone(Date.parse('2026-11-24T22:30:00Z'), 'Europe/Sofia'), '2026-11-25')
  t.equal(dateInZone(Date.parse('2026-11-24T22:30:00Z'), 'UTC'), '2026-11-24')
})

t.test('date and time for people, in their language; a value that is not a time is shown as it is', async t => {
  t.equal(formatTime('2026-11-24T10:07:00.000Z', 'bg-BG'), '24.11.2026 г., 12:07')
  t.equal(formatTime('2026-11-24T10:07:00.000Z', 'en-GB'), '24 Nov 2026, 12:07')
  t.equal(formatTime('soon', 'bg-BG'), 'soon')
})

t.test('HH:MM is parsed to minutes since midnight; anything else is refused', async t => {
  t.equal(parseHhMm('00:00'), 0)
  t.equal(parseHhMm('08:30'), 510)
  t.equal(parseHhMm('23:59'), 1439)
  for (const bad of ['8:30', '24:00', '12:60', '12:5', ' 08:30', '08:30:00', '']) {
    t.throws(() => parseHhMm(bad), /HH:MM/, JSON.stringify(bad))
  }
})

t.test('only time zones the runtime knows are accepted', async t => {
  t.ok(isTimeZone('Europe/Sofia'))
  t.notOk(isTimeZone('Europe/Pernik'))
})

t.test('a local day begins at local midnight: 22:00 UTC the evening before in winter, 21:00 in summer', async t => {
  t.equal(new Date(startOfDayInZone('2026-11-01', 'Europe/Sofia')).toISOString(), '2026-10-31T22:00:00.000Z')
  t.equal(new Date(startOfDayInZone('2026-10-01', 'Europe/Sofia')).toISOString(), '2026-09-30T21:00:00.000Z')
  t.equal(new Date(startOfDayInZone('2026-10-25', 'Europe/Sofia')).toISOString(), '2026-10-24T21:00:00.000Z', 'the day the clocks go back still begins in summer time')
  t.equal(new Date(startOfDayInZone('2026-03-29', 'Europe/Sofia')).toISOString(), '2026-03-28T22:00:00.000Z', 'the day the clocks go forward still begins in winter time')
  t.equal(new Date(startOfDayInZone('2026-11-01', 'UTC')).toISOString(), '2026-11-01T00:00:00.000Z')
  t.equal(zoneOffsetMs(WINTER, 'Europe/Sofia'), 2 * 3_600_000)
  t.equal(zoneOffsetMs(SUMMER, 'Europe/Sofia'), 3 * 3_600_000)
  t.throws(() => startOfDayInZone('November', 'Europe/Sofia'), /YYYY-MM-DD/)
})
