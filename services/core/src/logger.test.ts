import t from 'tap'
import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import { createLogger, urlForLog } from './logger.ts'

function capture (): { stream: Writable, text: () => string } {
  const chunks: string[] = []
  const stream = new Writable({ write (chunk, _encoding, done) { chunks.push(String(chunk)); done() } })
  return { stream, text: () => chunks.join('') }
}

t.test('passwords, tokens and authorisation headers are redacted by key', async t => {
  const out = capture()
  const logger = createLogger('test', 'info', { destination: out.stream })
  logger.info({ password: 'p1-value', smtp: { pass: 'p2-value' }, headers: { authorization: 'Bearer p3-value' }, req: { headers: { authorization: 'Basic p4-value' } } }, 'hello')
  logger.child({ module: 'x' }).warn({ token: 'p5-value', options: { passphrase: 'p6-value', authToken: 'p7-value' } }, 'again')
  for (const value of ['p1-value', 'p2-value', 'p3-value', 'p4-value', 'p5-value', 'p6-value', 'p7-value']) t.notMatch(out.text(), value, value)
  t.match(out.text(), '[redacted]')
})

t.test('a secret setting is scrubbed wherever it appears: an error message, a URL, an unexpected key', async t => {
  const secret = randomBytes(32).toString('base64')
  const out = capture()
  const logger = createLogger('test', 'info', { secrets: [secret, undefined], destination: out.stream })
  logger.error({ err: new Error(`connect to mqtts://svc:${encodeURIComponent(secret)}@broker failed`) }, 'MQTT error')
  logger.info({ detail: { nested: { deeper: `x${secret}y` } } }, `message with ${secret}`)
  logger.info({ quoted: `"${secret}"` }, 'quoted')
  t.notMatch(out.text(), secret)
  t.notMatch(out.text(), encodeURIComponent(secret))
  t.equal(out.text().split('\n').filter(l => l !== '').length, 3, 'every line is still written')
  for (const line of out.text().trim().split('\n')) t.doesNotThrow(() => JSON.parse(line), 'and is still JSON')
})

t.test('a URL is logged without its user and password', async t => {
  t.equal(urlForLog('mqtts://service%3Amonitor:s3cret-value@broker.example.org:8883'), 'mqtts://broker.example.org:8883')
  t.equal(urlForLog('mqtt://127.0.0.1:1883'), 'mqtt://127.0.0.1:1883')
  t.equal(urlForLog('not a url with s3cret'), '(not a URL)')
})
