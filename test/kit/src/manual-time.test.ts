import t from 'tap'
import { sleep } from '@aed/core/time'
import { ManualTime } from './manual-time.ts'

t.test('timers fire in time order, each at its own instant, only when time is moved', async t => {
  const time = new ManualTime(1000)
  const fired: Array<[string, number]> = []
  time.setTimeout(() => fired.push(['b', time.now()]), 200)
  time.setTimeout(() => fired.push(['a', time.now()]), 100)
  t.same(fired, [], 'nothing fires before time moves')
  await time.advance(150)
  t.same(fired, [['a', 1100]])
  await time.advance(50)
  t.same(fired, [['a', 1100], ['b', 1200]])
  t.equal(time.now(), 1200)
})

t.test('an interval fires once per period until cleared', async t => {
  const time = new ManualTime(0)
  let count = 0
  const timer = time.setInterval(() => count++, 10)
  await time.advance(35)
  t.equal(count, 3)
  time.clear(timer)
  await time.advance(100)
  t.equal(count, 3)
  t.equal(time.pending, 0)
})

t.test('work started by a timer runs before the next timer fires', async t => {
  const time = new ManualTime(0)
  const log: string[] = []
  void (async () => {
    await sleep(time, 10)
    log.push('first wait over')
    await sleep(time, 10)
    log.push('second wait over')
  })()
  await time.advance(25)
  t.same(log, ['first wait over', 'second wait over'])
})

t.test('an aborted sleep rejects and its timer is gone', async t => {
  const time = new ManualTime(0)
  const controller = new AbortController()
  const waiting = sleep(time, 1000, controller.signal)
  controller.abort(new Error('stopping'))
  await t.rejects(waiting, /stopping/)
  t.equal(time.pending, 0)
})
