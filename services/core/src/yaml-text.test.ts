import t from 'tap'
import { parse as parseYaml } from 'yaml'
import { parseYamlText } from './yaml-text.ts'

t.test('JSON text gives the value the YAML parser gives', async t => {
  const samples = [
    '{"timezone":"Europe/Sofia","sites":[{"id":"s-1","cabinets":[{"id":"a-1","heartbeatIntervalS":60,"active":true,"note":null}]}]}',
    '  [1, -0.5, 1e3, "a\\"b\\\\c\\u00e9\\n", {"nested": {"x": []}}]\n',
    '{"k\\u0041": 1, "kB": 2}',
    '"just a string"',
    '42'
  ]
  for (const text of samples) t.same(parseYamlText(text), parseYaml(text), text)
})

t.test('YAML that is not JSON is read as YAML', async t => {
  t.same(parseYamlText('timezone: Europe/Sofia\nsites:\n  - id: s-1\n'), { timezone: 'Europe/Sofia', sites: [{ id: 's-1' }] })
  t.same(parseYamlText('{a: 1, b: [x, y]}'), { a: 1, b: ['x', 'y'] }, 'flow style without quotes')
})

t.test('a key repeated in one object is refused, as YAML refuses it', async t => {
  t.throws(() => parseYamlText('{"sites":[{"id":"s-1","id":"s-2"}]}'), /unique.*"id"/)
  t.throws(() => parseYamlText('{"a\\u0062":1,"ab":2}'), /unique.*"ab"/, 'the same key written with an escape')
  t.throws(() => parseYaml('{"a":1,"a":2}'), /unique/, 'the YAML parser does the same')
})

t.test('the same key in different objects, or as a value, is no repetition', async t => {
  t.same(parseYamlText('{"id":"x","sites":[{"id":"id"},{"id":"b"}],"list":["id","id"]}'), { id: 'x', sites: [{ id: 'id' }, { id: 'b' }], list: ['id', 'id'] })
  t.same(parseYamlText('{"a":{"b":1},"b":{"a":{"b":2}}}'), { a: { b: 1 }, b: { a: { b: 2 } } })
})
