import t from 'tap'
import { Writable } from 'node:stream'
import mqtt from 'mqtt'
import { pino, type Logger } from 'pino'
import { ManualTime } from '@aed/testkit/manual-time'
import { connectPacket, RawMqttConnection } from '@aed/testkit/raw-mqtt'
import { startTestBroker } from '@aed/testkit/test-broker'
import { LoginThrottle } from './login-throttle.ts'

const SETTINGS = { loginDelayBaseMs: 100, loginDelayMaxMs: 1000, loginFailureMemoryMs: 60_000 }
const ADDRESS = 'address:203.0.113.7'

t.test('each failure doubles the penalty from the base, up to the maximum', async t => {
  const throttle = new LoginThrottle(SETTINGS, new ManualTime())
  const holds = Array.from({ length: 7 }, (_, i) => throttle.failed([`client:c${i}`, ADDRESS]))
  t.same(holds, [100, 200, 400, 800, 1000, 1000, 1000], 'the address earns the penalty even as the client ids change')
})

t.test('an attempt under a penalised key waits for the end of the penalty, and only that long', async t => {
  const time = new ManualTime()
  const throttle = new LoginThrottle(SETTINGS, time)
  throttle.failed(['client:pernik-aed-01', ADDRESS])
  throttle.failed(['client:pernik-aed-01', ADDRESS])
  t.equal(throttle.waitMs(['client:pernik-aed-01', 'address:198.51.100.1']), 200, 'the client id is penalised from any address')
  t.equal(throttle.waitMs(['client:pernik-aed-02', ADDRESS]), 200, 'any client id is penalised from the address')
  t.equal(throttle.waitMs(['client:pernik-aed-02', 'address:198.51.100.1']), 0, 'others are not')
  await time.advance(150)
  t.equal(throttle.waitMs(['client:pernik-aed-01', ADDRESS]), 50)
  await time.advance(50)
  t.equal(throttle.waitMs(['client:pernik-aed-01', ADDRESS]), 0)
})

t.test('failures are forgotten after the memory period without a new one', async t => {
  const time = new ManualTime()
  const throttle = new LoginThrottle(SETTINGS, time)
  for (let i = 0; i < 5; i++) throttle.failed(['client:x', ADDRESS])
  await time.advance(60_001)
  t.equal(throttle.failed(['client:x', ADDRESS]), 100, 'back to the base delay')
})

t.test("a success clears the client id's failures, not the address's", async t => {
  const throttle = new LoginThrottle(SETTINGS, new ManualTime())
  throttle.failed(['client:pernik-aed-01', ADDRESS])
  throttle.failed(['client:pernik-aed-01', ADDRESS])
  throttle.succeeded('client:pernik-aed-01')
  t.equal(throttle.failed(['client:pernik-aed-01', 'address:198.51.100.1']), 100, 'the client id starts again from the base')
  t.equal(throttle.failed(['client:pernik-aed-09', ADDRESS]), 400, 'the address (a NAT, perhaps) keeps its count')
})

function logSink (): { lines: Array<Record<string, unknown>>, text: () => string, logger: Logger } {
  const lines: Array<Record<string, unknown>> = []
  const chunks: string[] = []
  const sink = new Writable({ write (chunk, _encoding, done) { chunks.push(chunk.toString()); lines.push(JSON.parse(chunk.toString())); done() } })
  return { lines, text: () => chunks.join(''), logger: pino({ level: 'debug' }, sink) }
}

/** Resolves with the CONNACK code; mqtt.js rejects a refusal with the code. */
function connackOf (url: string, clientId: string, username: string, password: string): Promise<number> {
  return mqtt.connectAsync(url, { clientId, username, password, reconnectPeriod: 0, connectTimeout: 60_000 })
    .then(async client => { await client.endAsync(); return 0 }, (err: { code?: number }) => err.code ?? -1)
}

const TCP_LIMITS = { loginDelayBaseMs: 50, loginDelayMaxMs: 400, refusalLogWindowMs: 60_000 }
/** What a burst of six failures from one address is held, at least: 50 + 100 + 200 + 400 + 400 + 400 ms. */
const BURST_MINIMUM_MS = 1550

t.test('over TCP: a burst of wrong secrets and unknown usernames is answered 4 each time, no sooner than the penalties, and logged once', async t => {
  const { lines, text, logger } = logSink()
  const broker = await startTestBroker({ logger, limits: TCP_LIMITS })
  const secret = await broker.addCabinet('pernik-aed-01')
  const attempts: Array<[string, string]> = [
    ['pernik-aed-01', 'wrong-secret-1'], ['nobody-01', 'whatever'], ['pernik-aed-01', 'wrong-secret-2'],
    ['nobody-02', 'whatever'], ['pernik-aed-01', secret.slice(1)], ['nobody-03', secret]
  ]
  const started = performance.now()
  const codes = []
  for (const [username, password] of attempts) codes.push(await connackOf(broker.url, username, username, password))
  const elapsed = performance.now() - started
  t.same(codes, [4, 4, 4, 4, 4, 4], 'unknown usernames are refused exactly like wrong secrets')
  t.ok(elapsed >= BURST_MINIMUM_MS, `six refusals took ${Math.round(elapsed)} ms, at least ${BURST_MINIMUM_MS}`)

  t.equal(await connackOf(broker.url, 'pernik-aed-01', 'pernik-aed-01', secret), 0, 'the right secret still gets in from the penalised address')
  await broker.close()

  const summaries = lines.filter(line => line.msg === 'failed logins')
  t.equal(summaries.length, 1, 'one line for the burst')
  t.match(summaries[0], { level: 40, address: '127.0.0.1', count: 6, reasons: { 'wrong secret': 3, 'unknown username': 3 }, clientIds: ['pernik-aed-01', 'nobody-01', 'nobody-02', 'nobody-03'] })
  t.equal(lines.filter(line => JSON.stringify(line).includes('nobody-02')).length, 1, 'no line per attempt')
  t.notMatch(text(), /"stack"|AuthenticationError|at [\w.]+ \(/, 'no stack trace')
  t.notMatch(text(), /wrong-secret|whatever/, 'no secret tried reaches the log')
})

t.test('over TCP: a client that closes before its refusal gains nothing: the next attempt waits out the penalty first', async t => {
  const broker = await startTestBroker({ limits: { ...TCP_LIMITS, loginDelayBaseMs: 1000, loginDelayMaxMs: 1000 } })
  t.teardown(() => broker.close())
  const secret = await broker.addCabinet('pernik-aed-02')
  const started = performance.now()
  const impatient = await RawMqttConnection.open(broker.port)
  await impatient.send(connectPacket({ clientId: 'pernik-aed-02', username: 'pernik-aed-02', password: 'wrong' }))
  // Gone before any answer; the broker still checks the secret and penalises the failure.
  setTimeout(() => impatient.destroy(), 150)
  await new Promise(resolve => setTimeout(resolve, 250))
  t.equal(await connackOf(broker.url, 'pernik-aed-02', 'pernik-aed-02', secret), 0)
  const elapsed = performance.now() - started
  t.ok(elapsed >= 1000, `the next attempt was answered after ${Math.round(elapsed)} ms, not before the 1 s penalty`)
})
