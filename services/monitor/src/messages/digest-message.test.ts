import t from 'tap'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadDigestTemplates } from './digest-message.ts'
import { TEMPLATES_DIR, TemplateError } from './message-templates.ts'

t.test('the shipped digest templates load in both languages', async t => {
  const texts = await loadDigestTemplates()
  t.match(texts.bg.subject, '{{date}}')
  t.match(texts.en.subject, '{{date}}')
})

t.test('every problem in every digest file is listed at once, with its file and path, like the message templates', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'aed-digest-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const bg = await readFile(join(TEMPLATES_DIR, 'bg', 'digest.yaml'), 'utf8')
  await mkdir(join(dir, 'bg'))
  await mkdir(join(dir, 'en'))
  await writeFile(join(dir, 'bg', 'digest.yaml'), bg
    .replace(/^footer:.*$/m, '')
    .replaceAll('{{days}} дни)"', '{{weeks}} седмици)"')
    .replace(/^subject: .*$/m, 'subject: "АЕД {{date}"\ncolour: red'))
  await writeFile(join(dir, 'en', 'digest.yaml'), 'subject: [unclosed')
  const err = await loadDigestTemplates(dir).catch((e: unknown) => e)
  t.type(err, TemplateError)
  if (!(err instanceof TemplateError)) return
  const bgFile = join(dir, 'bg', 'digest.yaml')
  t.same(err.problems.filter(p => p.startsWith(bgFile)).sort(), [
    `${bgFile}: (root): Unrecognized key: "colour"`,
    `${bgFile}: batteryLine: unknown placeholder {{weeks}} (allowed here: {{cabinet}}, {{site}}, {{location}}, {{date}}, {{days}})`,
    `${bgFile}: footer: Invalid input: expected string, received undefined`,
    `${bgFile}: padsLine: unknown placeholder {{weeks}} (allowed here: {{cabinet}}, {{site}}, {{location}}, {{date}}, {{days}})`,
    `${bgFile}: subject: has a malformed placeholder: write {{name}}`
  ])
  t.match(err.problems.find(p => !p.startsWith(bgFile)), /en\/digest\.yaml: not YAML: /)
})
