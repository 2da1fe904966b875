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

t.test('the Pernik cabinets say how the public finds them, in OpenStreetMap terms', async t => {
  const fleet = await loadFleet(PERNIK_FLEET_FILE)
  t.same(fleet.cabinets.get('pernik-aed-01')!.public, { location: 'Партер, до входа', indoor: 'yes', access: 'yes', openingHours: 'Mo-Fr 08:00-17:00' })
  for (const id of ['pernik-aed-02', 'pernik-aed-03']) {
    t.same(fleet.cabinets.get(id)!.public, { location: 'До входа на центъра', indoor: 'no', access: 'yes', openingHours: '24/7' }, id)
  }
})

const oneCabinet = (cabinet: string): string => `
fleet: Test
sites:
  - id: a-site
    name: A
    address: Somewhere 1
    city: Перник
    coordinates: { lat: 42.6, lon: 23.0 }
    cabinets:
      - ${cabinet}
`

t.test('a cabinet without a public block is listed for anyone, with nothing claimed about its hours or whether it is indoors', async t => {
  const fleet = parseFleet(oneCabinet('{ id: quiet-01, location: Hall }'))
  t.same(fleet.cabinets.get('quiet-01')!.public, { access: 'yes' })
})

t.test('indoor is written as yes/no or true/false', async t => {
  t.equal(parseFleet(oneCabinet('{ id: in-01, location: Hall, public: { indoor: true } }')).cabinets.get('in-01')!.public.indoor, 'yes')
  t.equal(parseFleet(oneCabinet('{ id: out-01, location: Wall, public: { indoor: no } }')).cabinets.get('out-01')!.public.indoor, 'no')
})

t.test('opening hours take the common OSM forms', async t => {
  for (const hours of ['24/7', 'Mo-Fr 08:00-17:00', 'Mo-Fr 08:00-12:00,13:00-17:30; Sa 09:00-13:00; Su,PH off', 'Mo,We,Fr 07:30-24:00', '10:00-18:00']) {
    t.equal(parseFleet(oneCabinet(`{ id: hours-01, location: Hall, public: { openingHours: "${hours}" } }`)).cabinets.get('hours-01')!.public.openingHours, hours, hours)
  }
})

t.test('a public block with wrong values is refused, every problem listed with where it is', async t => {
  const error = t.throws(() => parseFleet(oneCabinet('{ id: bad-01, location: Hall, public: { access: everyone, indoor: maybe, openingHours: "Mon-Fri 8-17", phone: "+359000" } }'), 'bad.yaml')) as FleetFileError
  const problems = error.problems.join('\n')
  t.match(problems, /sites\.0\.cabinets\.0\.public\.access: .*"yes"/)
  t.match(problems, /sites\.0\.cabinets\.0\.public\.indoor/)
  t.match(problems, /sites\.0\.cabinets\.0\.public\.openingHours: opening hours "Mon-Fri 8-17"/)
  t.match(problems, /phone/, 'an unknown field is refused, not published')
})
