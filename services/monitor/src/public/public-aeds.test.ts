import t from 'tap'
import { parseFleet } from '@aed/core/fleet'
import { emptyCabinetState } from '../state/cabinet-state.ts'
import type { TrackedCabinet } from '../state/fleet-state.ts'
import type { ReadinessView } from '../readiness/readiness.ts'
import { publicAeds } from './public-aeds.ts'

const fleet = parseFleet(`
fleet: Test
sites:
  - id: town-hall
    name: Town hall — main building
    address: Main square 1
    city: Перник
    coordinates: { lat: 42.6057, lon: 23.0327 }
    cabinets:
      - id: hall-01
        location: Ground floor, by the porter
        public: { location: "Ground floor, by the entrance", indoor: yes, openingHours: "Mo-Fr 08:00-17:00" }
      - id: hall-02
        status: planned
        location: Car park
      - id: hall-03
        status: retired
        location: Old wing
  - id: station
    name: Bus station
    address: Station road 3
    city: Перник
    coordinates: { lat: 42.6, lon: 23.04 }
    cabinets:
      - id: station-01
        location: Platform 1
        coordinates: { lat: 42.6001, lon: 23.0405 }
        public: { name: "Bus station, platform 1", indoor: false, access: customers, openingHours: "24/7" }
`)

const ready: ReadinessView = { state: 'ready', reasons: [] }

function tracked (id: string, readiness: ReadinessView = ready, lastSeenMs = 0): TrackedCabinet {
  const definition = fleet.cabinets.get(id)
  if (definition === undefined) throw new Error(`no cabinet ${id}`)
  return {
    definition,
    state: { ...emptyCabinetState(), lastSeenMs },
    readiness,
    thresholds: { temperatureMinC: 0, temperatureMaxC: 50, temperatureCriticalAfterMin: 30, batteryLowPercent: 25, batteryCriticalPercent: 10, expiryWarningDays: 30, selftestMaxAgeH: 26 },
    maintenanceUntilMs: undefined
  }
}

t.test('only active cabinets are published, in fleet-file order: planned ones are not on the wall yet, retired ones no longer', async t => {
  const aeds = publicAeds(['hall-01', 'hall-02', 'hall-03', 'station-01'].map(id => tracked(id)))
  t.same(aeds.map(aed => aed.name), ['Town hall — main building', 'Bus station, platform 1'])
})

t.test('a published AED says where it is and how to reach it, from its public block and otherwise from its cabinet and site', async t => {
  const [hall, station] = publicAeds([tracked('hall-01', ready, Date.parse('2026-11-24T10:00:09.322Z')), tracked('station-01')])
  t.same(hall, {
    name: 'Town hall — main building',
    location: 'Ground floor, by the entrance',
    address: 'Main square 1',
    city: 'Перник',
    coordinates: { lat: 42.6057, lon: 23.0327 },
    indoor: 'yes',
    access: 'yes',
    openingHours: 'Mo-Fr 08:00-17:00',
    availability: 'available',
    updated: '2026-11-24T10:00:09.322Z'
  })
  t.same(station, {
    name: 'Bus station, platform 1',
    location: 'Platform 1',
    address: 'Station road 3',
    city: 'Перник',
    coordinates: { lat: 42.6001, lon: 23.0405 },
    indoor: 'no',
    access: 'customers',
    openingHours: '24/7',
    availability: 'available',
    updated: null
  }, 'never heard from: no update time')
})

t.test('the availability comes from the readiness, and no reason for it is carried', async t => {
  const [aed] = publicAeds([tracked('hall-01', { state: 'not_ready', reasons: ['self-test failed (E12)'] }, 1)])
  t.equal(aed?.availability, 'unavailable')
  t.notMatch(JSON.stringify(aed), 'E12')
  t.notMatch(JSON.stringify(aed), 'hall-01', 'nor the cabinet id')
})
