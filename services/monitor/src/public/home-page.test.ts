import t from 'tap'
import { openingHoursInBulgarian } from './home-page.ts'

t.test('opening hours are shown to people in Bulgarian words', async t => {
  t.equal(openingHoursInBulgarian('24/7'), 'денонощно')
  t.equal(openingHoursInBulgarian('Mo-Fr 08:00-17:00'), 'пн–пт 08:00–17:00')
  t.equal(openingHoursInBulgarian('Mo-Fr 08:00-12:00,13:00-17:30; Sa 09:00-13:00; Su,PH off'), 'пн–пт 08:00–12:00, 13:00–17:30; сб 09:00–13:00; нд, празници: затворено')
  t.equal(openingHoursInBulgarian('10:00-18:00'), '10:00–18:00')
})
