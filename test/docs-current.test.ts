import t from 'tap'
import { readFile } from 'node:fs/promises'
import { withConfigurationTables } from '../infra/tools/config-reference.ts'

for (const file of ['README.md', 'docs/configuration.md']) {
  t.test(`the configuration table in ${file} matches the config schemas (npm run docs:config)`, async t => {
    const text = await readFile(new URL(`../${file}`, import.meta.url), 'utf8')
    t.equal(text, withConfigurationTables(text))
  })
}
