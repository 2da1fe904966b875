import t from 'tap'
import { DuplicateFilter } from './duplicate-filter.ts'

t.test('a QoS 1 redelivery (same channel, seq and ts) is a duplicate', async t => {
  const filter = new DuplicateFilter()
  t.equal(filter.firstTime('pernik-aed-01', 1, 42, 1000), true)
  t.equal(filter.firstTime('pernik-aed-01', 1, 42, 1000), false)
})

t.test('the same seq from another cabinet, channel or time is not a duplicate', async t => {
  const filter = new DuplicateFilter()
  filter.firstTime('pernik-aed-01', 1, 42, 1000)
  t.equal(filter.firstTime('pernik-aed-02', 1, 42, 1000), true, 'other cabinet')
  t.equal(filter.firstTime('pernik-aed-01', 2, 42, 1000), true, 'other channel')
  t.equal(filter.firstTime('pernik-aed-01', 1, 42, 2000), true, 'counter restarted after a reboot')
})

t.test('only recent messages are remembered, in fixed memory', async t => {
  const filter = new DuplicateFilter()
  for (let seq = 0; seq < 100; seq++) filter.firstTime('pernik-aed-01', 0, seq, seq)
  t.equal(filter.firstTime('pernik-aed-01', 0, 99, 99), false, 'a recent one is still known')
  t.equal(filter.firstTime('pernik-aed-01', 0, 0, 0), true, 'a long-gone one is forgotten')
})

t.test('a message seen on two connections: the second copy names the first connection, a repeat on the same one is a redelivery', async t => {
  const filter = new DuplicateFilter()
  t.equal(filter.firstSeenOn('pernik-aed-01', 1, 42, 1000, 1), undefined, 'first seen on connection 1')
  t.equal(filter.firstSeenOn('pernik-aed-01', 1, 42, 1000, 0), 1, 'the copy on connection 0 names connection 1')
  t.equal(filter.firstSeenOn('pernik-aed-01', 1, 42, 1000, 1), 1, 'again on connection 1: a redelivery')
  t.equal(filter.firstSeenOn('pernik-aed-01', 2, 42, 1000, 0), undefined, 'another channel is another message')
})

t.test('each cabinet keeps its own last 32 messages, however many cabinets there are', async t => {
  const filter = new DuplicateFilter()
  const cabinets = Array.from({ length: 2500 }, (_, i) => `load-aed-${String(i).padStart(6, '0')}`)
  for (let seq = 0; seq < 40; seq++) {
    for (const id of cabinets) filter.firstTime(id, seq % 3, seq, 1000 + seq)
  }
  for (const id of [cabinets[0]!, cabinets[1023]!, cabinets[1024]!, cabinets[2499]!]) {
    t.equal(filter.firstTime(id, 39 % 3, 39, 1039), false, `${id}: its last message is known`)
    t.equal(filter.firstTime(id, 8 % 3, 8, 1008), false, `${id}: the 32nd message back is known`)
    t.equal(filter.firstTime(id, 7 % 3, 7, 1007), true, `${id}: the 33rd message back is forgotten`)
  }
})

t.test('a channel index is part of what makes a message the same', async t => {
  const filter = new DuplicateFilter()
  t.equal(filter.firstTime('pernik-aed-01', 0, 0, 0), true, 'seq 0 at time 0 on the first channel is not taken for an empty slot')
  t.equal(filter.firstTime('pernik-aed-01', 0, 0, 0), false)
  t.equal(filter.firstTime('pernik-aed-01', 6, 0, 0), true)
})
