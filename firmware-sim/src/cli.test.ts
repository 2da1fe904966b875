import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '@aed/testkit/private-influxd'

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url))
// Resolved here: `--import tsx` would be looked up from the process's working directory.
const TSX = import.meta.resolve('tsx')

interface Outcome { code: number | null, stdout: string, stderr: string }

/** aed-sim as a user runs it: its own process, in a directory of its own. */
function aedSim (args: string[], cwd: string, env: Record<string, string> = {}): Promise<Outcome> {
  return new Promise(resolve => {
    execFile(process.execPath, ['--import', TSX, CLI, ...args], { cwd, env: { ...process.env, LOG_LEVEL: 'info', ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr })
    })
  })
}

t.test('aed-sim', async t => {
  const cwd = await mkdtemp(join(tmpdir(), 'aed-sim-cli-'))
  t.teardown(() => rm(cwd, { recursive: true, force: true }))

  t.test('--help lists every option of provision, --cabinet included, and where secrets go', async t => {
    const { code, stdout } = await aedSim(['--help'], cwd)
    t.equal(code, 0)
    const provisionOptions = stdout.slice(stdout.indexOf('provision options:'), stdout.indexOf('Each simulated cabinet'))
    for (const option of ['--api', '--token', '--fleet', '--cabinet', '--include-planned', '--out']) t.match(provisionOptions, option)
    t.match(provisionOptions, 'default .demo/sim-secrets.json')
  })

  t.test('provision against an API nobody answers at says so in one line naming the URL, and writes nothing', async t => {
    const api = `http://127.0.0.1:${await freePort()}`
    const { code, stderr } = await aedSim(['provision', '--token', 'x'.repeat(24), '--api', api], cwd)
    t.equal(code, 1)
    const lines = stderr.split('\n').filter(line => line !== '')
    t.same(lines, [`aed-sim: cannot reach the monitor's API at ${api} (ECONNREFUSED): is the monitor (or npm run demo) running? give its address with --api`])
    t.notOk(existsSync(join(cwd, '.demo', 'sim-secrets.json')))
    t.notOk(existsSync(join(cwd, 'sim-secrets.json')))
  })

  t.test('with LOG_LEVEL=debug the same failure shows where it happened', async t => {
    const api = `http://127.0.0.1:${await freePort()}`
    const { code, stderr } = await aedSim(['provision', '--token', 'x'.repeat(24), '--api', api], cwd, { LOG_LEVEL: 'debug' })
    t.equal(code, 1)
    t.match(stderr, /\n\s+at /)
  })

  t.test('an unknown option is a usage error naming it, exit 2', async t => {
    const { code, stderr } = await aedSim(['run', '--brokr', 'mqtt://x'], cwd)
    t.equal(code, 2)
    t.match(stderr, "aed-sim: Unknown option '--brokr'")
    t.notMatch(stderr, /\n\s+at /)
  })

  t.test('run with a secrets file that is not there says how to make one, in one line', async t => {
    const { code, stderr } = await aedSim(['run', '--secrets', 'missing.json'], cwd)
    t.equal(code, 1)
    t.same(stderr.split('\n').filter(line => line !== ''), [
      'aed-sim: cannot read the secrets file missing.json (ENOENT): issue secrets with "aed-sim provision" first, or give the file with --secrets'
    ])
  })

  t.test('provision without a token says how to give one', async t => {
    const { code, stderr } = await aedSim(['provision'], cwd, { AED_ADMIN_TOKEN: '' })
    t.equal(code, 2)
    t.match(stderr, 'aed-sim: provision needs --token or AED_ADMIN_TOKEN')
  })
})
