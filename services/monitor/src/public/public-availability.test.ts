import t from 'tap'
import { emptyCabinetState, type CabinetState } from '../state/cabinet-state.ts'
import { deriveReadiness, READINESS_STATES, type ReadinessContext } from '../readiness/readiness.ts'
import { publicAvailability } from './public-availability.ts'

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

const publicWord = (state: CabinetState, extra: Partial<ReadinessContext> = {}) => publicAvailability(deriveReadiness(state, now, { ...context, ...extra }).state)

t.test('every readiness has one public word: only ready is available, an open door is in use, anything else unavailable', async t => {
  t.same(Object.fromEntries(READINESS_STATES.map(state => [state, publicAvailability(state)])), {
    ready: 'available',
    in_use: 'in_use',
    maintenance: 'unavailable',
    unknown: 'unavailable',
    offline: 'unavailable',
    not_ready: 'unavailable'
  })
})

t.test('a cabinet with good readings and its door closed is available', async t => {
  t.equal(publicWord(healthy()), 'available')
})

t.test('a cabinet whose door is open is in use, even with a fault: the AED may be on its way to a person', async t => {
  t.equal(publicWord(healthy({ door: 'open' })), 'in_use')
  t.equal(publicWord(healthy({ door: 'open', selftestResult: 'fail', selftestFaults: ['E12'] })), 'in_use')
})

t.test('a failed self-test, expired pads, a flat battery or a frozen cabinet make it unavailable', async t => {
  t.equal(publicWord(healthy({ selftestResult: 'fail', selftestFaults: ['E12'] })), 'unavailable')
  t.equal(publicWord(healthy({ padsExpires: '2026-11-01' })), 'unavailable')
  t.equal(publicWord(healthy({ batteryPercent: 5 })), 'unavailable')
  t.equal(publicWord(healthy({ temperatureC: -8 })), 'unavailable')
})

t.test('a cabinet that went silent, lost its connection or was never heard from is unavailable', async t => {
  t.equal(publicWord(healthy({ lastSeenMs: now - 181_000 })), 'unavailable')
  t.equal(publicWord(healthy({ online: false })), 'unavailable')
  t.equal(publicWord(emptyCabinetState()), 'unavailable')
})

t.test('a cabinet under maintenance is unavailable, its door open or not', async t => {
  t.equal(publicWord(healthy(), { maintenanceUntilMs: now + 3_600_000 }), 'unavailable')
  t.equal(publicWord(healthy({ door: 'open' }), { maintenanceUntilMs: now + 3_600_000 }), 'unavailable')
})
