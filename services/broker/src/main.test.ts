import t from 'tap'
import { execFile } from 'node:child_process'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateSecret } from '@aed/core/credentials'

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url))

function runBroker (env: Record<string, string>): Promise<{ code: number | null, stderr: string }> {
  return new Promise(resolve => {
    execFile(process.execPath, ['--import', 'tsx', MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 120_000 }, (err, _stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stderr })
    })
  })
}

t.test('the broker started on a port in use says which setting to change, in one line, and exits 1', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'aed-broker-main-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const holder = createServer()
  await new Promise<void>(resolve => holder.listen(0, '127.0.0.1', () => resolve()))
  t.teardown(() => { holder.close() })
  const port = (holder.address() as AddressInfo).port

  const { code, stderr } = await runBroker({ MQTT_HOST: '127.0.0.1', MQTT_PORT: String(port), CREDENTIALS_FILE: join(dir, 'credentials.json'), CREDENTIALS_HASH_KEY: generateSecret(), BROKER_DATA_DIR: join(dir, 'broker') })
  t.equal(code, 1)
  t.same(stderr.split('\n').filter(line => line !== ''), [
    `aed-broker cannot start: port ${port} on 127.0.0.1 is already in use (another instance still running?): stop what listens there, or set MQTT_PORT to a free port`
  ])
})

t.test('invalid settings are listed one per line without a stack trace', async t => {
  const { code, stderr } = await runBroker({ MQTT_PORT: 'eighty', MQTT_MAX_CONNECTIONS: '-1', CREDENTIALS_HASH_KEY: generateSecret() })
  t.equal(code, 1)
  const lines = stderr.split('\n').filter(line => line !== '')
  t.equal(lines[0], 'aed-broker cannot start: invalid configuration:')
  t.match(lines.slice(1), [/^ {2}- MQTT_PORT: /, /^ {2}- MQTT_MAX_CONNECTIONS: /])
  t.notMatch(stderr, /^\s+at /m)
})
