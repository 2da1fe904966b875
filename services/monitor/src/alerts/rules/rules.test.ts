import t from 'tap'
import { pino } from 'pino'
import { parseFleet } from '@aed/core/fleet'
import type { UplinkChannel, UplinkMessage } from '@aed/core/protocol'
import { MonitorBus } from '../../events.ts'
import { FleetState } from '../../state/fleet-state.ts'
import { AlertBook } from '../alert-book.ts'
import { raiseInspectionAfterUse } from '../post-use-inspection.ts'
import { RuleEvaluator } from '../rule-evaluator.ts'
import { allRules } from './index.ts'

const FLEET = `
fleet: Test
timezone: Europe/Sofia
sites:
  - id: town-hall
    name: Town hall
    address: Square 1
    city: Перник
    coordinates: { lat: 42.6, lon: 23.03 }
    cabinets:
      - { id: hall-aed-01, location: Lobby, heartbeatIntervalS: 60 }
      - { id: outdoor-aed-02, location: Street, thresholds: { temperatureMinC: -25 } }
      - { id: planned-aed-03, location: Future, status: planned }
`
const HOUR = 3_600_000
const DAY = 24 * HOUR

/** The rules over a fleet, with a clock the test moves by hand. */
function harness (startIso = '2026-11-24T09:00:00.000Z') {
  let now = Date.parse(startIso)
  const clock = { now: () => now }
  const fleet = parseFleet(FLEET)
  const state = new FleetState(fleet, new MonitorBus(), clock, {
    defaults: { temperatureMinC: 0, temperatureMaxC: 50, temperatureCriticalAfterMin: 30, batteryLowPercent: 25, batteryCriticalPercent: 10, expiryWarningDays: 30, selftestMaxAgeH: 26 },
    offlineAfterHeartbeats: 3,
    clockSkewToleranceMs: 120_000,
    logger: pino({ level: 'silent' })
  })
  const book = new AlertBook()
  book.on('transition', raiseInspectionAfterUse(book, state))
  const evaluator = new RuleEvaluator(allRules({ offlineAfterHeartbeats: 3 }), state, book, clock)
  let seq = 0
  const send = <C extends UplinkChannel>(cabinetId: string, channel: C, payload: object): void => {
    const message = { cabinetId, channel, payload: { ts: new Date(now).toISOString(), seq: seq++, ...payload } } as unknown as UplinkMessage
    state.apply(message, now)
    evaluator.evaluateCabinet(state.get(cabinetId)!)
  }
  const healthy = (cabinetId: string): void => {
    send(cabinetId, 'heartbeat', { temperatureC: 18, fw: '1.0' })
    send(cabinetId, 'door', { state: 'closed' })
    send(cabinetId, 'selftest', { result: 'pass', kind: 'daily' })
    send(cabinetId, 'battery', { percent: 90, expires: '2029-01-01' })
    send(cabinetId, 'pads', { expires: '2028-01-01' })
  }
  return {
    state,
    book,
    send,
    healthy,
    advance (ms: number) { now += ms; state.tick(); evaluator.evaluateAll() },
    /** Live alerts of one cabinet (hall-aed-01 unless told), optionally of one kind. */
    live: (kind?: string, cabinetId: string | null = 'hall-aed-01') => book.list({ status: 'live' })
      .filter(a => (kind === undefined || a.kind === kind) && (cabinetId === null || a.cabinetId === cabinetId))
      .map(a => `${a.cabinetId}:${a.kind}:${a.severity}`).sort()
  }
}

t.test('a healthy cabinet raises nothing', async t => {
  const h = harness()
  h.healthy('hall-aed-01')
  t.same(h.live(), [])
})

t.test('door_open is critical, resolves when the door closes and leaves a post-use inspection task', async t => {
  const h = harness()
  h.healthy('hall-aed-01')
  h.send('hall-aed-01', 'door', { state: 'open' })
  t.same(h.live(), ['hall-aed-01:door_open:critical'])
  h.send('hall-aed-01', 'door', { state: 'open' })
  t.equal(h.book.list().length, 1, 'a repeated open updates the same alert')
  h.send('hall-aed-01', 'door', { state: 'closed' })
  t.same(h.live(), ['hall-aed-01:post_use_inspection:warning'])
  h.advance(2 * DAY)
  t.same(h.live('post_use_inspection'), ['hall-aed-01:post_use_inspection:warning'], 'the task stays open until a person resolves it')
})

t.test('during maintenance the door raises nothing; after it ends by itself, an open door does', async t => {
  const h = harness()
  h.healthy('hall-aed-01')
  h.state.setMaintenance('hall-aed-01', Date.parse('2026-11-24T09:30:00.000Z'))
  h.send('hall-aed-01', 'door', { state: 'open' })
  h.send('hall-aed-01', 'pads', { expires: '2030-01-01' })
  t.same(h.live(), [])
  t.equal(h.state.get('hall-aed-01')!.state.padsExpires, '2030-01-01', 'readings during maintenance are recorded')
  t.equal(h.state.get('hall-aed-01')!.readiness.state, 'maintenance')
  h.advance(31 * 60_000)
  t.same(h.live('door_open'), ['hall-aed-01:door_open:critical'], 'the window ended and the door is still open')
})

t.test('selftest_failed is raised by a failed self-test and cleared by a passing one', async t => {
  const h = harness()
  h.healthy('hall-aed-01')
  h.send('hall-aed-01', 'selftest', { result: 'fail', faults: ['E-12'] })
  t.same(h.live(), ['hall-aed-01:selftest_failed:critical'])
  t.match(h.book.list()[0]!.facts, { faults: 'E-12' })
  h.send('hall-aed-01', 'selftest', { result: 'pass' })
  t.same(h.live(), [])
})

t.test('selftest_overdue when no self-test result arrives within the expected period', async t => {
  const h = harness()
  h.healthy('hall-aed-01')
  for (let i = 0; i < 26; i++) { h.advance(HOUR); h.send('hall-aed-01', 'heartbeat', { temperatureC: 18, fw: '1.0' }) }
  // Heartbeats every hour are far apart for a 60 s interval, but each one brings it back online.
  t.same(h.live(), [])
  h.advance(HOUR)
  h.send('hall-aed-01', 'heartbeat', { temperatureC: 18, fw: '1.0' })
  t.same(h.live(), ['hall-aed-01:selftest_overdue:warning'])
  h.send('hall-aed-01', 'selftest', { result: 'pass' })
  t.same(h.live(), [])
})

t.test('battery_low is a warning and battery_critical replaces it below the critical level', async t => {
  const h = harness()
  h.healthy('hall-aed-01')
  h.send('hall-aed-01', 'battery', { percent: 24 })
  t.same(h.live(), ['hall-aed-01:battery_low:warning'])
  h.send('hall-aed-01', 'battery', { percent: 9 })
  t.same(h.live(), ['hall-aed-01:battery_critical:critical'])
  h.send('hall-aed-01', 'battery', { percent: 80 })
  t.same(h.live(), [])
})

t.test('pads and battery expiry: a warning 30 days ahead, then expired, as days pass without a new report', async t => {
  const h = harness('2026-11-24T09:00:00.000Z')
  h.healthy('hall-aed-01')
  h.send('hall-aed-01', 'pads', { expires: '2026-12-25' })
  h.send('hall-aed-01', 'battery', { percent: 90, expires: '2026-12-20' })
  t.same(h.live(), ['hall-aed-01:battery_expiring:warning'], '26 days left for the battery, 31 for the pads')
  h.advance(DAY)
  t.same(h.live().filter(k => /pads|battery/.test(k)), ['hall-aed-01:battery_expiring:warning', 'hall-aed-01:pads_expiring:warning'])
  h.advance(30 * DAY)
  t.same(h.live('pads_expiring'), ['hall-aed-01:pads_expiring:warning'], 'on the expiry date itself the pads are still usable')
  h.advance(DAY)
  const expiry = h.live().filter(k => /pads|battery/.test(k))
  t.same(expiry, ['hall-aed-01:battery_expired:critical', 'hall-aed-01:pads_expired:critical'], 'expiring gives way to expired')
})

t.test('offline after three missed heartbeats or the last will, cleared when back; planned cabinets never', async t => {
  const h = harness()
  h.healthy('hall-aed-01')
  h.healthy('planned-aed-03')
  h.advance(179_000)
  t.same(h.live('offline'), [])
  h.advance(2_000)
  t.same(h.live('offline'), ['hall-aed-01:offline:critical'])
  h.send('hall-aed-01', 'heartbeat', { temperatureC: 18, fw: '1.0' })
  t.same(h.live('offline'), [])
  h.send('hall-aed-01', 'status', { online: false })
  t.same(h.live('offline'), ['hall-aed-01:offline:critical'], 'the last will makes it offline at once')
})

t.test('an active cabinet never heard from since start-up becomes offline after three intervals', async t => {
  const h = harness()
  h.advance(181_000)
  t.same(h.live(undefined, null), ['hall-aed-01:offline:critical', 'outdoor-aed-02:offline:critical'], 'the planned cabinet is not among them')
})

t.test('temperature_out_of_range uses the per-cabinet range', async t => {
  const h = harness()
  h.healthy('hall-aed-01')
  h.healthy('outdoor-aed-02')
  h.send('hall-aed-01', 'heartbeat', { temperatureC: -20, fw: '1.0' })
  h.send('outdoor-aed-02', 'heartbeat', { temperatureC: -20, fw: '1.0' })
  t.same(h.live(undefined, null), ['hall-aed-01:temperature_out_of_range:warning'], 'the heated outdoor cabinet is allowed to −25 °C')
  h.send('hall-aed-01', 'heartbeat', { temperatureC: 51, fw: '1.0' })
  t.match(h.book.list({ status: 'live' })[0]!.facts, { direction: 'hot', temperatureC: 51 })
})

t.test('after a restart, alerts whose readings have not arrived yet are left open', async t => {
  const h = harness()
  h.book.restore({
    id: 'restored1', cabinetId: 'hall-aed-01', kind: 'door_open', severity: 'critical', status: 'open', task: false,
    openedAt: '2026-11-24T08:59:00.000Z', updatedAt: '2026-11-24T08:59:00.000Z', escalationLevel: 0, facts: {}
  })
  h.advance(60_000)
  h.send('hall-aed-01', 'heartbeat', { temperatureC: 18, fw: '1.0' })
  t.same(h.live(), ['hall-aed-01:door_open:critical'], 'no door reading yet: not resolved')
  h.send('hall-aed-01', 'door', { state: 'closed' })
  t.same(h.live('door_open'), [])
})

t.test('a cabinet clock far ahead is flagged and cannot hide the real events after it', async t => {
  const h = harness()
  h.healthy('hall-aed-01')
  h.send('hall-aed-01', 'door', { state: 'closed', ts: '2099-01-01T00:00:00.000Z' })
  t.same(h.live(), ['hall-aed-01:clock_skew:warning'], 'the wrong clock is a warning for the cabinet')
  t.equal(h.state.get('hall-aed-01')!.state.doorAt.atMs, Date.parse('2026-11-24T09:00:00.000Z'), 'the reading is taken at its arrival')
  h.advance(60_000)
  h.send('hall-aed-01', 'door', { state: 'open' })
  t.same(h.live('door_open'), ['hall-aed-01:door_open:critical'], 'the real opening after it pages')
  t.same(h.live('clock_skew'), [], 'a plausible time clears the warning')
})

t.test('a genuine opening from a cabinet whose clock is behind is taken: seq orders readings, not ts', async t => {
  const h = harness()
  h.healthy('hall-aed-01')
  h.send('hall-aed-01', 'door', { state: 'open', ts: '2026-11-24T08:00:00.000Z' })
  t.same(h.live('door_open'), ['hall-aed-01:door_open:critical'])
  h.send('hall-aed-01', 'door', { state: 'closed', ts: '2026-11-24T08:00:05.000Z' })
  t.same(h.live('door_open'), [])
})

t.test('a message queued while offline: stored late, taken only if nothing newer is known, and its alert says it was late', async t => {
  const h = harness()
  h.healthy('hall-aed-01')
  h.advance(5 * 60_000)
  h.send('hall-aed-01', 'door', { state: 'open', ts: '2026-11-24T09:03:30.000Z' })
  const [alert] = h.book.list({ status: 'live', kind: 'door_open' })
  t.match(alert!.facts, { openedAt: '2026-11-24T09:03:30.000Z', reportedAt: '2026-11-24T09:05:00.000Z' }, 'when it happened and when it was reported')
  h.send('hall-aed-01', 'door', { state: 'closed', ts: '2026-11-24T09:04:00.000Z' })
  t.same(h.live('door_open'), [], 'already over')
  // An older message (lower seq, earlier time) arriving after a newer one changes nothing.
  h.send('hall-aed-01', 'door', { state: 'open', ts: '2026-11-24T09:03:00.000Z', seq: 1 })
  t.same(h.live('door_open'), [])
  t.equal(h.state.get('hall-aed-01')!.state.door, 'closed')
})

t.test('a reboot restarts seq: a lower seq with a later time is the newer reading', async t => {
  const h = harness()
  h.healthy('hall-aed-01')
  h.advance(60_000)
  h.send('hall-aed-01', 'door', { state: 'open', seq: 0 })
  t.same(h.live('door_open'), ['hall-aed-01:door_open:critical'])
})

t.test('planned cabinets raise nothing, whatever they report', async t => {
  const h = harness()
  h.healthy('planned-aed-03')
  h.send('planned-aed-03', 'door', { state: 'open' })
  h.advance(3 * DAY)
  t.same(h.live(undefined, 'planned-aed-03'), [])
})

t.test('the offline alert names the last message from the cabinet, not the arrival of its last will', async t => {
  const h = harness()
  h.healthy('hall-aed-01')
  h.advance(90_000)
  h.send('hall-aed-01', 'status', { online: false, ts: undefined, seq: undefined })
  const [alert] = h.book.list({ status: 'live', kind: 'offline' })
  t.equal(alert!.facts.lastSeenAt, '2026-11-24T09:00:00.000Z')
})

t.test('temperature out of range: a warning, critical once sustained, and a change of direction is a new incident', async t => {
  const h = harness()
  h.healthy('hall-aed-01')
  h.send('hall-aed-01', 'heartbeat', { temperatureC: -5, fw: '1.0' })
  t.same(h.live('temperature_out_of_range'), ['hall-aed-01:temperature_out_of_range:warning'])
  const warning = h.book.list({ status: 'live', kind: 'temperature_out_of_range' })[0]!
  h.advance(29 * 60_000)
  h.send('hall-aed-01', 'heartbeat', { temperatureC: -6, fw: '1.0' })
  t.same(h.live('temperature_out_of_range'), ['hall-aed-01:temperature_out_of_range:warning'], 'not yet 30 minutes')
  h.advance(60_000)
  h.send('hall-aed-01', 'heartbeat', { temperatureC: -6, fw: '1.0' })
  t.same(h.live('temperature_out_of_range'), ['hall-aed-01:temperature_out_of_range:critical'], '30 minutes out of range: critical')
  t.match(h.book.get(warning.id), { status: 'resolved', resolvedBy: 'superseded' }, 'the warning gave way to it')
  const critical = h.book.list({ status: 'live', kind: 'temperature_out_of_range' })[0]!
  h.send('hall-aed-01', 'heartbeat', { temperatureC: 60, fw: '1.0' })
  t.match(h.book.get(critical.id), { status: 'resolved', resolvedBy: 'superseded' })
  t.same(h.live('temperature_out_of_range'), ['hall-aed-01:temperature_out_of_range:warning'], 'too hot is a new incident, a warning until it lasts')
})

t.test('a warning on a part gives way to a critical alert on the same part', async t => {
  const h = harness('2026-11-24T09:00:00.000Z')
  h.healthy('hall-aed-01')
  h.send('hall-aed-01', 'battery', { percent: 20, expires: '2026-12-10' })
  t.same(h.live().filter(k => k.includes('battery')), ['hall-aed-01:battery_expiring:warning', 'hall-aed-01:battery_low:warning'])
  h.advance(17 * DAY)
  const resolved = h.book.list({ status: 'resolved' }).filter(a => a.kind.startsWith('battery'))
  t.same(h.live().filter(k => k.includes('battery')), ['hall-aed-01:battery_expired:critical'])
  t.same(resolved.map(a => [a.kind, a.resolvedBy]).sort(), [['battery_expiring', 'superseded'], ['battery_low', 'superseded']], 'closed as superseded, not resolved')
})
