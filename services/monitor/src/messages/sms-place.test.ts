import t from 'tap'
import type { FleetCabinet } from '@aed/core/fleet'
import { fitSmsPlace, placeCandidates } from './sms-place.ts'

const cabinet = (name: string, address: string): FleetCabinet => ({
  id: 'pernik-aed-09',
  status: 'active',
  location: 'Фоайе',
  heartbeatIntervalS: 60,
  thresholds: {},
  coordinates: { lat: 42.6, lon: 23.03 },
  site: { id: 'site', name, address, city: 'Перник', coordinates: { lat: 42.6, lon: 23.03 } }
})

t.test('candidates are the site name, its short form before a dash, then the address', async t => {
  t.same(placeCandidates(cabinet('Община Перник — сграда на общинската администрация', 'пл. „Св. Иван Рилски“ 1А')),
    ['Община Перник — сграда на общинската администрация', 'Община Перник', 'пл. „Св. Иван Рилски“ 1А'])
  t.same(placeCandidates(cabinet('Стадион „Металург“', 'ул. „Средец“')), ['Стадион „Металург“', 'ул. „Средец“'])
})

t.test('the first candidate that fits wins', async t => {
  const render = (place: string): string => `АЕД отворен: ${place}. ${'x'.repeat(100)}`
  t.equal(fitSmsPlace(render, ['Дълго име на обект, което не се побира', 'Кратко'], 2), render('Кратко'))
})

t.test('when nothing fits, the shortest place is cut at a word boundary with an ellipsis', async t => {
  const render = (place: string): string => `АЕД отворен: ${place}. ${'x'.repeat(100)}`
  t.equal(fitSmsPlace(render, ['ул. „Младен Стоянов“ бл. 7, вход Б'], 2), `АЕД отворен: ул. „Младен… ${'x'.repeat(100)}`)
})

t.test('a GSM-7 text is cut with three dots, which keep it GSM-7', async t => {
  const render = (place: string): string => `AED opened: ${place} ${'x'.repeat(279)}`
  t.equal(fitSmsPlace(render, ['Sports Hall Metalurg North Entrance'], 2), `AED opened: Sports Hall... ${'x'.repeat(279)}`)
})
