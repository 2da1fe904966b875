import t from 'tap'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse, stringify } from 'yaml'
import { AlertKindSchema } from '../alerts/alert.ts'
import { loadMessageTemplates, parseMessageTemplates, TEMPLATES_DIR, TemplateError } from './message-templates.ts'

const bgSource = await readFile(join(TEMPLATES_DIR, 'bg', 'messages.yaml'), 'utf8')
const enSource = await readFile(join(TEMPLATES_DIR, 'en', 'messages.yaml'), 'utf8')

function problemsOf (run: () => unknown): string[] {
  try {
    run()
  } catch (err) {
    if (err instanceof TemplateError) return err.problems
    throw err
  }
  return []
}

/** The Bulgarian file with values replaced (or, for undefined, removed) at dotted paths. */
function bgWith (changes: Record<string, string | undefined>): string {
  const doc: unknown = parse(bgSource)
  for (const [path, value] of Object.entries(changes)) {
    const keys = path.split('.')
    const last = keys.pop() ?? ''
    let node = doc as Record<string, unknown>
    for (const key of keys) node = node[key] as Record<string, unknown>
    if (value === undefined) delete node[last]
    else node[last] = value
  }
  return stringify(doc)
}

t.test('the shipped templates load, with text for every alert kind in both languages', async t => {
  const templates = await loadMessageTemplates()
  for (const kind of AlertKindSchema.options) {
    t.ok(templates.bg.kinds[kind].title, `bg ${kind}`)
    t.ok(templates.en.kinds[kind].title, `en ${kind}`)
  }
})

t.test('every problem in every file is reported at once, each with its file and path', async t => {
  const bg = bgWith({
    'kinds.pads_expired': undefined,
    'kinds.door_open.sms': 'АЕД отворен: {{place}} {{phone}}',
    'kinds.offline.sms': 'Шкаф без връзка',
    'steps.opened.sms': '{{message}}',
    'page.greeting': 'Здравейте, {{name}',
    'kinds.battery_low.colour': 'red',
    'kinds.door_open.happened': 'отворен',
    'kinds.door_open.action': undefined,
    'steps.escalated.sms': '{{message}} {{ackUrl}}',
    'timing.late': 'със закъснение {{minutes}}'
  })
  const problems = problemsOf(() => parseMessageTemplates({
    bg: { file: 'bg/messages.yaml', source: bg },
    en: { file: 'en/messages.yaml', source: enSource.replace('language: en', 'language: bg') }
  }))
  t.same(problems.sort(), [
    'bg/messages.yaml: kinds.battery_low: Unrecognized key: "colour"',
    'bg/messages.yaml: kinds.door_open.action: Invalid input: expected string, received undefined',
    'bg/messages.yaml: kinds.door_open.happened: must contain {{time}}',
    'bg/messages.yaml: kinds.door_open.sms: unknown placeholder {{phone}} (allowed here: {{place}})',
    'bg/messages.yaml: kinds.offline.sms: must contain {{place}}',
    'bg/messages.yaml: kinds.pads_expired: Invalid input: expected object, received undefined',
    'bg/messages.yaml: page.greeting: has a malformed placeholder: write {{name}}',
    'bg/messages.yaml: steps.escalated.sms: must contain {{minutes}}',
    'bg/messages.yaml: steps.opened.sms: must contain {{ackUrl}}',
    'bg/messages.yaml: timing.late: must contain {{delay}}',
    'bg/messages.yaml: timing.late: unknown placeholder {{minutes}} (allowed here: {{delay}})',
    'en/messages.yaml: language is bg, expected en'
  ])
})

t.test('a text that takes no placeholders says so', async t => {
  const problems = problemsOf(() => parseMessageTemplates({
    bg: { file: 'bg', source: bgWith({ 'kinds.door_open.title': 'Отворен {{site}}' }) },
    en: { file: 'en', source: enSource }
  }))
  t.same(problems, ['bg: kinds.door_open.title: unknown placeholder {{site}} (this text takes no placeholders)'])
})

t.test('a missing or unreadable language file is a start-up error naming the file', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'aed-templates-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await mkdir(join(dir, 'bg'))
  await writeFile(join(dir, 'bg', 'messages.yaml'), 'language: bg\nlocale: [unclosed')
  const err = await loadMessageTemplates(dir).catch((e: unknown) => e)
  t.type(err, TemplateError)
  if (!(err instanceof TemplateError)) return
  t.equal(err.problems.length, 2)
  t.match(err.problems[0], /en\/messages\.yaml: cannot read: ENOENT/)
  t.match(err.problems[1], /bg\/messages\.yaml: not YAML/)
  t.match(err.message, /message templates are invalid:\n {2}- /)
})
