import t from 'tap'
import { readdir, readFile } from 'node:fs/promises'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

// The service images install production dependencies only (npm ci --omit=dev)
// and copy services/ but not test/, so a production module that reaches for a
// test stand-in works on a developer's machine and fails in a deployment.

const root = fileURLToPath(new URL('../../..', import.meta.url))
const servicesDir = join(root, 'services')
const testkitDir = join(root, 'test', 'kit')

/** What a module imports, re-exports, import()s or require()s; comments and strings are not read as imports. */
function moduleSpecifiers (source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map(file => file.fileName)
}

/** Why `specifier`, imported by `file`, has no place in production code; undefined if it may stay. */
function forbiddenImport (file: string, specifier: string): string | undefined {
  if (specifier === '@aed/testkit' || specifier.startsWith('@aed/testkit/')) return 'the dev-only test kit'
  if (specifier === 'smtp-server' || specifier.startsWith('smtp-server/')) return 'a development dependency'
  if (specifier.startsWith('.') && isWithin(testkitDir, resolve(dirname(file), specifier))) return 'the test kit, by path'
  return undefined
}

function isWithin (dir: string, path: string): boolean {
  return path === dir || path.startsWith(dir + sep)
}

/** services/<name>/src/**.ts, without the tests beside them. */
async function productionModules (): Promise<string[]> {
  const modules: string[] = []
  for (const service of await readdir(servicesDir, { withFileTypes: true })) {
    if (!service.isDirectory()) continue
    const src = join(servicesDir, service.name, 'src')
    const entries = await readdir(src, { recursive: true }).catch(() => [])
    for (const entry of entries) {
      if (entry.endsWith('.ts') && !entry.endsWith('.test.ts')) modules.push(join(src, entry))
    }
  }
  return modules.sort()
}

t.test('the check sees every form of import, and nothing in comments or strings', async t => {
  const source = [
    "// import { stale } from '@aed/testkit/commented-out'",
    "import type { ReceivedMail } from '@aed/testkit/smtp-test-server'",
    'import {',
    '  startSmsProviderStandIn',
    "} from '@aed/testkit/sms-provider-stand-in'",
    "export { SMTPServer } from 'smtp-server'",
    "import '../../../../test/kit/src/test-broker.ts'",
    "const influxd = await import('@aed/testkit/private-influxd')",
    "const message = \"import x from '@aed/testkit/in-a-string'\"",
    "import { startBroker } from '@aed/broker'"
  ].join('\n')
  const file = join(servicesDir, 'monitor', 'src', 'alerts', 'example.ts')
  const specifiers = moduleSpecifiers(source)
  t.same(specifiers, [
    '@aed/testkit/smtp-test-server',
    '@aed/testkit/sms-provider-stand-in',
    'smtp-server',
    '../../../../test/kit/src/test-broker.ts',
    '@aed/testkit/private-influxd',
    '@aed/broker'
  ])
  t.same(specifiers.map(specifier => forbiddenImport(file, specifier) !== undefined), [true, true, true, true, true, false])
})

t.test('no production module in services/*/src imports @aed/testkit or smtp-server', async t => {
  const modules = await productionModules()
  t.ok(modules.some(file => file.endsWith(join('monitor', 'src', 'server.ts'))), 'the scan reaches the services\' sources')
  const offences: string[] = []
  for (const file of modules) {
    for (const specifier of moduleSpecifiers(await readFile(file, 'utf8'))) {
      const reason = forbiddenImport(file, specifier)
      if (reason !== undefined) offences.push(`${relative(root, file)} imports '${specifier}' (${reason})`)
    }
  }
  t.same(offences, [], `${modules.length} production modules checked`)
})
