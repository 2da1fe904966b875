import t from 'tap'
import { Counter, Histogram, Registry } from 'prom-client'
import { ExpositionError, parsePrometheusText, sampleValue } from './prometheus-text.ts'

t.test('reads families, types, help, labels with escapes, and histogram samples', async t => {
  const families = parsePrometheusText([
    '# HELP requests_total Requests, by path.\\nSecond line',
    '# TYPE requests_total counter',
    'requests_total{path="/a",note="say \\"hi\\"\\\\"} 3',
    'requests_total{path="/b"} 1e3 1700000000000',
    '# a plain comment',
    '# TYPE latency_seconds histogram',
    'latency_seconds_bucket{le="0.5"} 1',
    'latency_seconds_bucket{le="+Inf"} 2',
    'latency_seconds_sum 1.25',
    'latency_seconds_count 2',
    'up NaN',
    'lag_seconds Nan',
    ''
  ].join('\n'))
  t.same([...families.keys()], ['requests_total', 'latency_seconds', 'up', 'lag_seconds'])
  t.equal(families.get('requests_total')?.help, 'Requests, by path.\nSecond line')
  t.equal(families.get('up')?.type, 'untyped')
  t.ok(Number.isNaN(sampleValue(families, 'lag_seconds')), 'NaN in any case, as Prometheus reads it (prom-client writes Nan)')
  t.equal(sampleValue(families, 'requests_total', { path: '/a', note: 'say "hi"\\' }), 3)
  t.equal(sampleValue(families, 'requests_total', { path: '/b' }), 1000)
  t.equal(sampleValue(families, 'requests_total', { path: '/c' }), undefined)
  t.equal(sampleValue(families, 'latency_seconds_bucket', { le: '+Inf' }), 2)
  t.equal(families.get('latency_seconds')?.samples.length, 4)
})

t.test("reads what prom-client writes", async t => {
  const registry = new Registry()
  new Counter({ name: 'c_total', help: 'c', labelNames: ['k'], registers: [registry] }).inc({ k: 'v"\n' }, 2)
  new Histogram({ name: 'h_seconds', help: 'h', buckets: [0.1, 1], registers: [registry] }).observe(0.5)
  const families = parsePrometheusText(await registry.metrics())
  t.equal(sampleValue(families, 'c_total', { k: 'v"\n' }), 2)
  t.equal(sampleValue(families, 'h_seconds_bucket', { le: '1' }), 1)
  t.equal(sampleValue(families, 'h_seconds_count'), 1)
})

t.test('refuses what a scraper would refuse or misread', async t => {
  const bad: Array<[string, RegExp]> = [
    ['1bad 1\n', /not a sample|invalid metric name/],
    ['m{1x="a"} 1\n', /invalid label name/],
    ['m{a=b} 1\n', /not quoted/],
    ['m{a="b} 1\n', /unterminated/],
    ['m{a="\\t"} 1\n', /invalid escape/],
    ['m{a="b",a="c"} 1\n', /given twice/],
    ['m one\n', /invalid value/],
    ['m 1\nm 2\n', /given twice/],
    ['# TYPE m counter\n# TYPE m gauge\n', /TYPE given twice/],
    ['m 1\n# TYPE m counter\n', /TYPE after its samples/],
    ['# TYPE m fancy\n', /unknown type/],
    ['# TYPE a counter\na 1\n# TYPE b counter\nb 1\na{x="y"} 2\n', /contiguous/],
    ['m 1', /newline/],
    ['# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\n', /not cumulative/],
    ['# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_count 3\n', /not the count/],
    ['# TYPE h histogram\nh_bucket{le="1"} 1\nh_count 1\n', /no \+Inf bucket/]
  ]
  for (const [text, message] of bad) {
    t.throws(() => parsePrometheusText(text), message, JSON.stringify(text))
  }
  t.throws(() => parsePrometheusText('m{a=b} 1\n'), ExpositionError)
})
