import t from 'tap'
import { emptyCabinetState, type CabinetState } from '../state/cabinet-state.ts'
import { deriveReadiness, type ReadinessContext } from './readiness.ts'

const now = Date.parse('2026-11-24T10:00:00Z')
const context: ReadinessContext = {
  heartbeatIntervalS: 60,
  offlineAfterHeartbeats: 3,
  timeZone: 'Europe/Sofia',
  thresholds: { temperatureMinC: 0, temperatureMaxC: 50, temperatureCriticalAfterMin: 30, batteryLowPercent: 25, batteryCriticalPercent: 10, expiryWarningDays: 30, selftestMaxAgeH: 26 }
}

function healthy (overrides: Partial<CabinetState> = {}): CabinetState {
  return {
    ...emptyCabinetState(),
    lastSeenMs: now - 10_000,
    lastHeartbeatMs: now - 10_000,
    online: true,
    door: 'closed',
    temperatureC: 18,
    batteryPercent: 90,
    batteryExpires: '2029-01-01',
    padsExpires: '2027-06-30',
    selftestResult: 'pass',
    selftestAt: { atMs: now - 3_600_000, seq: 1, receivedMs: now - 3_600_000 },
    ...overrides
  }
}

t.test('a cabinet never heard from is unknown', async t => {
  t.same(deriveReadiness(emptyCabinetState(), now, context), { state: 'unknown', reasons: ['never seen'] })
})

t.test('a cabinet with good readings is ready', async t => {
  t.same(deriveReadiness(healthy(), now, context), { state: 'ready', reasons: [] })
})

t.test('a cabinet silent for more than three heartbeat intervals is offline', async t => {
  t.equal(deriveReadiness(healthy({ lastSeenMs: now - 179_000 }), now, context).state, 'ready')
  t.equal(deriveReadiness(healthy({ lastSeenMs: now - 181_000 }), now, context).state, 'offline')
})

t.test("a cabinet whose last will arrived is offline at once", async t => {
  t.match(deriveReadiness(healthy({ online: false }), now, context), { state: 'offline', reasons: ['connection lost (last will)'] })
})

t.test('an open door means the AED may be in use', async t => {
  t.equal(deriveReadiness(healthy({ door: 'open' }), now, context).state, 'in_use')
})

t.test('each fault makes the AED not ready, and all of them are listed', async t => {
  const cases: Array<[Partial<CabinetState>, RegExp]> = [
    [{ selftestResult: 'fail', selftestFaults: ['E-PADS'] }, /self-test failed \(E-PADS\)/],
    [{ padsExpires: '2026-11-23' }, /pads expired on 2026-11-23/],
    [{ batteryExpires: '2026-01-01' }, /battery expired/],
    [{ batteryPercent: 9 }, /battery at 9%/],
    [{ temperatureC: -4 }, /too cold/],
    [{ temperatureC: 51 }, /too hot/]
  ]
  for (const [overrides, reason] of cases) {
    const view = deriveReadiness(healthy(overrides), now, context)
    t.equal(view.state, 'not_ready', JSON.stringify(overrides))
    t.match(view.reasons.join('; '), reason)
  }
  t.equal(deriveReadiness(healthy({ selftestResult: 'fail', temperatureC: -5 }), now, context).reasons.length, 2)
})

t.test('pads are usable through their expiry date, in Sofia time', async t => {
  t.equal(deriveReadiness(healthy({ padsExpires: '2026-11-24' }), now, context).state, 'ready')
  // 23:30 UTC on the 24th is already the 25th in Sofia.
  const lateEvening = Date.parse('2026-11-24T23:30:00Z')
  t.equal(deriveReadiness(healthy({ padsExpires: '2026-11-24', lastSeenMs: lateEvening }), lateEvening, context).state, 'not_ready')
})

t.test('per-cabinet thresholds decide: a heated outdoor cabinet allowed to −10 °C is ready at −5 °C', async t => {
  const outdoor = { ...context, thresholds: { ...context.thresholds, temperatureMinC: -10 } }
  t.equal(deriveReadiness(healthy({ temperatureC: -5 }), now, outdoor).state, 'ready')
})

t.test('maintenance shows as maintenance while its window is open', async t => {
  t.equal(deriveReadiness(healthy({ door: 'open' }), now, { ...context, maintenanceUntilMs: now + 60_000 }).state, 'maintenance')
  t.equal(deriveReadiness(healthy({ door: 'open' }), now, { ...context, maintenanceUntilMs: now - 1 }).state, 'in_use')
})
