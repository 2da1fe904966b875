import t from 'tap'
import { pino } from 'pino'
import { parseFleet } from '@aed/core/fleet'
import type { UplinkMessage } from '@aed/core/protocol'
import { MonitorBus } from '../events.ts'
import { FleetState } from '../state/fleet-state.ts'
import { CabinetCommands, REPORT_REQUEST_EVERY_MS } from './cabinet-commands.ts'

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
      - { id: hall-aed-01, location: Lobby }
      - { id: hall-aed-02, location: Stairs }
      - { id: planned-aed-03, location: Future, status: planned }
`

/** The commands unit over a fleet state on one bus; what it publishes is kept, in order. */
function harness (owned: (cabinetId: string) => boolean = () => true, brokerConnected = true) {
  let now = Date.parse('2026-11-24T09:00:00.000Z')
  const clock = { now: () => now }
  const bus = new MonitorBus()
  const logger = pino({ level: 'silent' })
  const state = new FleetState(parseFleet(FLEET), bus, clock, {
    defaults: { temperatureMinC: 0, temperatureMaxC: 50, temperatureCriticalAfterMin: 30, batteryLowPercent: 25, batteryCriticalPercent: 10, expiryWarningDays: 30, selftestMaxAgeH: 26 },
    offlineAfterHeartbeats: 3,
    clockSkewToleranceMs: 120_000,
    logger
  })
  const published: Array<{ topic: string, cmd: string }> = []
  const mqtt = { connected: brokerConnected, async publish (topic: string, payload: string) { published.push({ topic, cmd: JSON.parse(payload).cmd }) } }
  const commands = new CabinetCommands({ mqtt, fleet: state, bus, clock, logger, ownership: { owns: owned } })
  state.start()
  commands.start()
  let seq = 0
  const send = (cabinetId: string, channel: string, payload: object): void => {
    bus.emit('message', { cabinetId, channel, payload: { ts: new Date(now).toISOString(), seq: seq++, ...payload } } as unknown as UplinkMessage, now)
  }
  return {
    published,
    send,
    online: (cabinetId: string) => send(cabinetId, 'status', { online: true }),
    advance (ms: number) { now += ms },
    reportsTo: (cabinetId: string) => published.filter(p => p.topic === `aed/v1/${cabinetId}/cmd` && p.cmd === 'report').length
  }
}

t.test('a cabinet that comes online with its readings unknown is asked for a report, once a minute at most', async t => {
  const h = harness()
  h.online('hall-aed-01')
  t.equal(h.reportsTo('hall-aed-01'), 1, 'asked when it came online')
  h.online('hall-aed-01')
  h.advance(REPORT_REQUEST_EVERY_MS - 1)
  h.online('hall-aed-01')
  t.equal(h.reportsTo('hall-aed-01'), 1, 'not again within the minute, however often it says it is online')
  h.advance(1)
  h.online('hall-aed-01')
  t.equal(h.reportsTo('hall-aed-01'), 2, 'asked again once the minute is over and its readings are still not all known')
  t.equal(h.reportsTo('hall-aed-02'), 0, 'a cabinet that said nothing is not asked')
})

t.test('a cabinet whose readings are all known is not asked', async t => {
  const h = harness()
  h.send('hall-aed-01', 'door', { state: 'closed' })
  h.send('hall-aed-01', 'selftest', { result: 'pass', kind: 'daily' })
  h.send('hall-aed-01', 'battery', { percent: 90, expires: '2029-01-01' })
  h.send('hall-aed-01', 'pads', { expires: '2028-01-01' })
  h.online('hall-aed-01')
  t.same(h.published, [])
})

t.test('a cabinet going offline, a planned cabinet, and a cabinet another replica speaks for are not asked', async t => {
  const h = harness(cabinetId => cabinetId !== 'hall-aed-02')
  h.send('hall-aed-01', 'status', { online: false })
  h.online('planned-aed-03')
  h.online('hall-aed-02')
  t.same(h.published, [])
})

t.test('nothing is asked while the broker is away: the request would wait for the next connection, when the cabinet says it is online again', async t => {
  const h = harness(() => true, false)
  h.online('hall-aed-01')
  t.same(h.published, [])
})
