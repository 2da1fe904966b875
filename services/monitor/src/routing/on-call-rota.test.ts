import t from 'tap'
import { loadAlertingFile, parseAlertingFile, AlertingFileError } from './alerting-config.ts'
import { AlertRouting } from './alert-routing.ts'
import { localTime } from '../time-zone.ts'
import { shiftAt } from './on-call-rota.ts'
import { EXAMPLE_ALERTING_FILE } from '../config.ts'

const rota = [
  { days: ['mon', 'tue', 'wed', 'thu', 'fri'] as const, from: '08:00', to: '18:00', primary: 'day', backup: 'backup' },
  { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const, from: '18:00', to: '08:00', primary: 'night', backup: 'backup' },
  { days: ['sat', 'sun'] as const, from: '08:00', to: '18:00', primary: 'weekend' }
].map(s => ({ ...s, days: [...s.days] }))

const at = (iso: string) => shiftAt(rota, Date.parse(iso), 'Europe/Sofia')?.primary

t.test('local time follows Sofia, daylight saving included', async t => {
  t.same(localTime(Date.parse('2026-11-24T10:00:00Z'), 'Europe/Sofia'), { weekday: 'tue', minutes: 12 * 60 }, 'winter: UTC+2')
  t.same(localTime(Date.parse('2026-07-14T10:00:00Z'), 'Europe/Sofia'), { weekday: 'tue', minutes: 13 * 60 }, 'summer: UTC+3')
})

t.test('the weekly rota picks the shift on duty, overnight shifts included', async t => {
  t.equal(at('2026-11-24T06:00:00Z'), 'day', 'Tuesday 08:00 Sofia')
  t.equal(at('2026-11-24T15:59:00Z'), 'day', 'Tuesday 17:59')
  t.equal(at('2026-11-24T16:00:00Z'), 'night', 'Tuesday 18:00')
  t.equal(at('2026-11-24T23:30:00Z'), 'night', 'Wednesday 01:30, the night shift that began on Tuesday')
  t.equal(at('2026-11-28T10:00:00Z'), 'weekend', 'Saturday noon')
  t.equal(at('2026-11-30T05:00:00Z'), 'night', 'Monday 07:00, after Sunday night')
})

t.test('critical alerts escalate primary → backup → facility managers, nobody twice', async t => {
  const file = await loadAlertingFile(EXAMPLE_ALERTING_FILE)
  const routing = new AlertRouting(file)
  const levels = routing.criticalLevels('obshtina-pernik', Date.parse('2026-11-24T10:00:00Z'))
  t.same(levels.map(l => l.map(p => p.id)), [['duty-day'], ['backup-officer'], ['facility-obshtina', 'technician']])
  t.same(routing.facilityManagers('unknown-site').map(p => p.id), ['facility-obshtina'], '"*" covers other sites')
})

t.test('an alerting file that names unknown people or a bad phone number is refused with every problem listed', async t => {
  const error = t.throws(() => parseAlertingFile(`
people:
  - { id: ivan, name: Иван, phone: "0888123456" }
rota:
  - { days: [mon], from: "08:00", to: "25:00", primary: nobody }
facilityManagers:
  site-a: [ghost]
`, 'bad.yaml')) as AlertingFileError
  t.ok(error instanceof AlertingFileError)
  const problems = error.problems.join('\n')
  t.match(problems, /E\.164/)
  t.match(problems, /HH:MM/)
  t.match(problems, /unknown person "nobody"/)
  t.match(problems, /unknown person "ghost"/)
})
