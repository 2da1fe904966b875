import t from 'tap'
import { SlicedSweep } from './sliced-sweep.ts'

const items = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

function sweepLogging (log: Array<number | string>, sliceSize: number, each: (item: number) => void = item => { log.push(item) }) {
  const errors: Array<[string, number]> = []
  const sweep = new SlicedSweep<number>({ each, onError: (err, item) => errors.push([(err as Error).message, item]), sliceSize })
  return { sweep, errors }
}

t.test('a fleet no bigger than one slice is swept before run() returns', async t => {
  const log: Array<number | string> = []
  const { sweep } = sweepLogging(log, 5)
  const done = sweep.run(items(5))
  t.same(log, [0, 1, 2, 3, 4], 'every item handled synchronously')
  t.equal(sweep.running, false)
  await done
})

t.test('a larger fleet gives the event loop a turn between slices, and every item is reached', async t => {
  const log: Array<number | string> = []
  const { sweep } = sweepLogging(log, 2)
  // A message that arrived while the sweep began: it is taken in after the first slice, not after the last.
  setImmediate(() => log.push('door message'))
  const done = sweep.run(items(6))
  t.same(log, [0, 1], 'the first slice runs at once')
  t.equal(sweep.running, true)
  await done
  t.same(log, [0, 1, 'door message', 2, 3, 4, 5])
  t.equal(sweep.running, false)
})

t.test('an item that throws is reported and the sweep goes on', async t => {
  const log: Array<number | string> = []
  const { sweep, errors } = sweepLogging(log, 2, item => {
    if (item === 3) throw new Error('broken cabinet')
    log.push(item)
  })
  await sweep.run(items(5))
  t.same(log, [0, 1, 2, 4])
  t.same(errors, [['broken cabinet', 3]])
})

t.test('a run while a sweep is under way is dropped; the next one starts from the top', async t => {
  const log: Array<number | string> = []
  const { sweep } = sweepLogging(log, 2)
  const first = sweep.run(items(4))
  await sweep.run(['a', 'b'] as unknown as number[])
  t.notOk(log.includes('a'), 'the second run handled nothing')
  await first
  t.same(log, [0, 1, 2, 3])
  await sweep.run(items(3))
  t.same(log, [0, 1, 2, 3, 0, 1, 2], 'a run after the sweep ended sweeps again')
})

t.test('after stop() no further slice runs', async t => {
  const log: Array<number | string> = []
  const { sweep } = sweepLogging(log, 2)
  const done = sweep.run(items(6))
  sweep.stop()
  await done
  t.same(log, [0, 1], 'the sweep under way ended at its next turn')
  await sweep.run(items(2))
  t.same(log, [0, 1], 'a stopped sweep does not start again')
})
