import t from 'tap'
import {
  calculateInterval, escapeRegex, expandInfluxQL, expandMacros, formatInterval, interpolateVariables, roundInterval
} from './grafana-influxql.ts'

const range = { from: Date.parse('2026-11-24T00:00:00.000Z'), to: Date.parse('2026-11-25T00:00:00.000Z') }

t.test('$timeFilter becomes the absolute range in epoch milliseconds, as the backend renders it', async t => {
  t.equal(
    expandMacros('SELECT * FROM "door" WHERE $timeFilter', range, { ms: 60_000, text: '1m' }),
    `SELECT * FROM "door" WHERE time >= ${range.from}ms and time <= ${range.to}ms`
  )
})

t.test('$__interval, $interval and $__interval_ms take the computed interval', async t => {
  t.equal(expandMacros('GROUP BY time($__interval) -- $interval $__interval_ms', range, { ms: 300_000, text: '5m' }), 'GROUP BY time(5m) -- 5m 300000')
})

t.test('the interval is the range over the points wanted, rounded to a nice step, never below the minimum', async t => {
  t.equal(roundInterval(86_400_000 / 1000), 60_000, '86.4 s rounds to 1m')
  t.equal(roundInterval(20_000), 20_000)
  t.equal(roundInterval(5_000_000), 3_600_000)
  t.same(calculateInterval(range, 1000), { ms: 60_000, text: '1m' })
  t.same(calculateInterval(range, 1000, '1h'), { ms: 3_600_000, text: '1h' }, 'a panel minimum of 1h wins')
  t.same(calculateInterval({ from: 0, to: 30 * 86_400_000 }, 1920, '1h'), { ms: 3_600_000, text: '1h' })
  t.equal(formatInterval(90_000), '1m', 'formatted in the largest whole unit')
  t.equal(formatInterval(500), '500ms')
  t.equal(formatInterval(2 * 86_400_000), '2d')
})

t.test('a single value is regex-escaped inside a regex literal and inserted as it is elsewhere', async t => {
  const variables = { cabinet: { value: 'aed.01/(b)' } }
  t.equal(interpolateVariables('"cabinet" =~ /^$cabinet$/', { range, variables }), '"cabinet" =~ /^aed\\.01\\/\\(b\\)$/')
  t.equal(interpolateVariables('"cabinet" = \'$cabinet\'', { range, variables }), '"cabinet" = \'aed.01/(b)\'')
})

t.test('all variable syntaxes are replaced: $var, ${var}, [[var]] and ${var:format}', async t => {
  const variables = { cabinet: { value: 'aed-01' } }
  t.equal(interpolateVariables('/^$cabinet$/ /^${cabinet}$/ /^[[cabinet]]$/ /^${cabinet:regex}$/', { range, variables }), '/^aed-01$/ /^aed-01$/ /^aed-01$/ /^aed-01$/')
})

t.test('a multi-value selection becomes (a|b) in a regex, with each value escaped', async t => {
  const variables = { cabinet: { value: ['aed-01', 'aed.02'], multi: true } }
  t.equal(interpolateVariables('"cabinet" =~ /^$cabinet$/', { range, variables }), '"cabinet" =~ /^(aed-01|aed\\.02)$/')
  t.equal(interpolateVariables('"cabinet" =~ /^${cabinet:regex}$/', { range, variables }), '"cabinet" =~ /^(aed-01|aed\\.02)$/')
})

t.test('"All" means every option, or the custom all value when the variable has one', async t => {
  const options = ['a-1', 'b-2', 'c-3']
  t.equal(interpolateVariables('/^${cabinet:regex}$/', { range, variables: { cabinet: { value: '$__all', multi: true, includeAll: true, options } } }), '/^(a-1|b-2|c-3)$/')
  t.equal(interpolateVariables('/^$cabinet$/', { range, variables: { cabinet: { value: ['$__all'], includeAll: true, allValue: '.*', options } } }), '/^.*$/')
})

t.test('numbers are never escaped; unknown names are left for the backend', async t => {
  t.equal(interpolateVariables('/^$threshold$/ $timeFilter $__interval $interval', { range, variables: { threshold: { value: '1.5' } } }), '/^1.5$/ $timeFilter $__interval $interval')
})

t.test('$__from and $__to are the range in epoch milliseconds', async t => {
  t.equal(interpolateVariables('time > ${__from}ms AND time < ${__to}ms', { range }), `time > ${range.from}ms AND time < ${range.to}ms`)
  t.equal(interpolateVariables('$__toms', { range }), '$__toms', 'a word character after the name makes it another name, as in Grafana')
})

t.test('a whole query: variables first, then the backend macros', async t => {
  const query = 'SELECT mean("percent") FROM "battery" WHERE "cabinet" =~ /^$cabinet$/ AND $timeFilter GROUP BY time($__interval) fill(none)'
  t.equal(
    expandInfluxQL(query, { range, maxDataPoints: 1440, variables: { cabinet: { value: 'aed-01' } } }),
    `SELECT mean("percent") FROM "battery" WHERE "cabinet" =~ /^aed-01$/ AND time >= ${range.from}ms and time <= ${range.to}ms GROUP BY time(1m) fill(none)`
  )
})

t.test('escapeRegex escapes what @grafana/data escapes, and not the hyphen of cabinet ids', async t => {
  t.equal(escapeRegex('a-b.c*d+e?f^g$h(i)j|k[l]m{n}o/p\\q'), 'a-b\\.c\\*d\\+e\\?f\\^g\\$h\\(i\\)j\\|k\\[l\\]m\\{n\\}o\\/p\\\\q')
})
