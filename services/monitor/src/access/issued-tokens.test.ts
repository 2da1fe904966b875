import t, { type Test } from 'tap'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ManualTime } from '@aed/testkit/manual-time'
import { API_TOKENS_FILE, IssuedTokens, TokenFileError, TokenLimitError } from './issued-tokens.ts'

async function tempDir (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'aed-issued-tokens-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

const time = new ManualTime('2026-11-24T10:00:00Z')

t.test('a token file that is not JSON, or not as the monitor writes it, stops the start and names the file', async t => {
  const dir = await tempDir(t)
  const path = join(dir, API_TOKENS_FILE)
  for (const [content, reason] of [
    ['{"version": 1, "tokens": [', /not JSON/],
    ['{"version": 2, "tokens": []}', /version/],
    ['{"version": 1, "tokens": [{"id": "x", "name": "desk", "role": "operator"}]}', /tokens\.0\.role/]
  ] as Array<[string, RegExp]>) {
    await writeFile(path, content)
    const tokens = new IssuedTokens(path, time)
    await t.rejects(tokens.start(), TokenFileError, content)
    await t.rejects(new IssuedTokens(path, time).start(), { message: new RegExp(`^API token file ${path}: .*${reason.source}`) })
  }
})

t.test('without a file there are no tokens, and nothing is written until one is issued', async t => {
  const dir = await tempDir(t)
  const tokens = new IssuedTokens(join(dir, API_TOKENS_FILE), time)
  await tokens.start()
  t.same(tokens.list(), [])
  await tokens.stop()
  t.same(await readdir(dir), [])
})

t.test('no more tokens than the limit are issued; revoking one makes room', async t => {
  const dir = await tempDir(t)
  const tokens = new IssuedTokens(join(dir, API_TOKENS_FILE), time, 2)
  await tokens.start()
  const first = await tokens.issue({ name: 'a', role: 'viewer', by: 'admin' })
  await tokens.issue({ name: 'b', role: 'viewer', by: 'admin' })
  await t.rejects(tokens.issue({ name: 'c', role: 'viewer', by: 'admin' }), TokenLimitError)
  t.equal(tokens.list().length, 2)
  await tokens.revoke(first.listing.id)
  await tokens.issue({ name: 'c', role: 'viewer', by: 'admin' })
  t.same(tokens.list().map(l => l.name), ['b', 'c'])
  t.same(await readdir(dir), [API_TOKENS_FILE], 'no temporary file left behind')
})

t.test('tokens issued at the same moment are all kept', async t => {
  const dir = await tempDir(t)
  const path = join(dir, API_TOKENS_FILE)
  const tokens = new IssuedTokens(path, time)
  await tokens.start()
  const issued = await Promise.all(['a', 'b', 'c', 'd'].map(name => tokens.issue({ name, role: 'viewer', by: 'admin' })))
  const reloaded = new IssuedTokens(path, time)
  await reloaded.start()
  t.same(reloaded.list().map(l => l.name).sort(), ['a', 'b', 'c', 'd'])
  for (const { token, listing } of issued) t.equal(reloaded.find(token)?.tokenId, listing.id)
})
