import t from 'tap'
import { DROP_ORDER, fitSms, type SmsParts } from './sms-fit.ts'
import { countSmsSegments } from './sms-segments.ts'

const parts: SmsParts = {
  site: 'Община Перник',
  address: 'пл. „Св. Иван Рилски“ 1А',
  spot: 'Партер, входно фоайе.',
  action: 'Проверете дали е подаден сигнал на 112.',
  when: 'Отворен в 14:02.',
  over: 'Вече затворен в 14:03.'
}
/** Every part present, in a fixed order, then a tail standing for the link. */
const compose = (tail: string) => (p: SmsParts): string =>
  [`Взет АЕД от шкафа: ${[p.site, p.address].filter(Boolean).join(', ')}.`, p.spot, p.when, p.over, p.action, tail].filter(Boolean).join(' ')

t.test('what fits is sent whole', async t => {
  t.equal(fitSms(compose('L'), parts, 4), compose('L')(parts))
})

t.test('parts give way least important first: spot, site, what to do, when, already over', async t => {
  t.same(DROP_ORDER, ['spot', 'site', 'action', 'when', 'over'])
  const stages: string[] = []
  // A longer and longer link: the parts leave one by one, in order, and never come back.
  for (let tail = 1; tail <= 4 * 67; tail++) {
    const text = fitSms(compose('x'.repeat(tail)), parts, 4)
    const kept = DROP_ORDER.filter(part => text.includes(parts[part]!)).join()
    if (stages.at(-1) !== kept) stages.push(kept)
    if (kept === '') break
  }
  t.same(stages, ['spot,site,action,when,over', 'site,action,when,over', 'action,when,over', 'when,over', 'over', ''])
})

t.test('the address is shortened only when nothing else is left, and only by whole words', async t => {
  const text = fitSms(compose('x'.repeat(100)), parts, 2)
  t.equal(text, `Взет АЕД от шкафа: пл. „Св. Иван… ${'x'.repeat(100)}`)
  t.equal(countSmsSegments(text).segments, 2)
})

t.test('a cut never leaves an abbreviation without what it names when a cleaner cut fits', async t => {
  const hub = (tail: number) => (p: SmsParts): string => `Взет АЕД от шкафа: ${p.address}. ${'x'.repeat(tail)}`
  const address = 'ул. „Младен Стоянов“ бл. 7'
  t.equal(fitSms(hub(90), { address }, 2), `Взет АЕД от шкафа: ул. „Младен Стоянов“… ${'x'.repeat(90)}`, 'not "бл.…"')
  t.equal(fitSms(hub(90), { address: 'пл. „Св. Иван Рилски“ 1А' }, 2), `Взет АЕД от шкафа: пл. „Св. Иван Рилски“… ${'x'.repeat(90)}`)
  t.equal(fitSms(hub(98), { address: 'пл. „Св. Иван Рилски“ 1А' }, 2), `Взет АЕД от шкафа: пл. „Св. Иван… ${'x'.repeat(98)}`, 'not "„Св.…"')
})

t.test('a GSM-7 text is cut with three dots, which keep it GSM-7', async t => {
  const english = (p: SmsParts): string => `AED taken: ${p.address}. ${'x'.repeat(280)}`
  t.equal(fitSms(english, { address: 'Sports Hall Metalurg North Entrance' }, 2), `AED taken: Sports Hall... ${'x'.repeat(280)}`)
})

t.test('a link longer than the budget still leaves an SMS, with the first word of the address', async t => {
  const text = fitSms(compose('x'.repeat(200)), parts, 2)
  t.equal(text, `Взет АЕД от шкафа: пл.… ${'x'.repeat(200)}`)
})
