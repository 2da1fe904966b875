import t from 'tap'
import { FleetFileError, loadFleet, parseFleet, PERNIK_FLEET_FILE } from './load-fleet.ts'

t.test('the shipped Pernik fleet has one active cabinet at the municipality and two planned ones', async t => {
  const fleet = await loadFleet(PERNIK_FLEET_FILE)
  t.equal(fleet.timezone, 'Europe/Sofia')
  const cabinets = [...fleet.cabinets.values()]
  t.same(cabinets.map(c => [c.id, c.status]), [['pernik-aed-01', 'active'], ['pernik-aed-02', 'planned'], ['pernik-aed-03', 'planned']])
  t.match(cabinets[0]!.site.name, /Община Перник/)
  t.match(cabinets[0]!.location, /Партер/)
  t.match(cabinets[1]!.site.address, /Младен Стоянов/)
  t.match(cabinets[2]!.site.name, /Мошино/)
  t.same(cabinets.map(c => c.site.shortName), ['Община Перник', 'Социално-здравен хъб', 'Център „Мошино“'], 'every site has a short name for SMS')
  t.same(cabinets[0]!.coordinates, cabinets[0]!.site.coordinates, 'a cabinet without coordinates takes its site\'s')
})

t.test('a fleet file with several problems lists all of them', async t => {
  const source = `
fleet: Test
sites:
  - id: a-site
    name: A
    address: Somewhere 1
    city: Перник
    coordinates: { lat: 42.6, lon: 23.0 }
    cabinets:
      - { id: dup-01, location: Hall }
      - { id: dup-01, location: Hall }
      - { id: BAD_ID, location: Hall }
`
  const error = t.throws(() => parseFleet(source, 'test.yaml')) as unknown
  t.ok(error instanceof FleetFileError)
  const problems = (error as FleetFileError).problems.join('\n')
  t.match(problems, /cabinet id must match/)
  t.match(problems, /duplicate cabinet id dup-01/)
  t.match((error as Error).message, /test\.yaml/)
})
