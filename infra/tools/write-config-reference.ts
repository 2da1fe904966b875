import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { withConfigurationTables } from './config-reference.ts'

/** `npm run docs:config`: regenerates the configuration tables in the README and docs/configuration.md. */
for (const file of ['../../README.md', '../../docs/configuration.md']) {
  const path = fileURLToPath(new URL(file, import.meta.url))
  await writeFile(path, withConfigurationTables(await readFile(path, 'utf8')))
  console.log(`updated ${path}`)
}
