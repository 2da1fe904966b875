import t from 'tap'
import { computeReadinessReport, MonthNotBegunError, notReadyCauses, spansFromSamples, type ReadinessReportInput } from './readiness-report.ts'
import { monthOf, monthPeriod, previousMonth } from './report-month.ts'
import { NOVEMBER_SCENARIO, SCENARIO_CABINETS } from '../../../../test/support/readiness-scenario.ts'

const at = (iso: string): number => Date.parse(iso)

t.test('a month is its local calendar month: Sofia\'s November is 30 days from 22:00 UTC on 31 October; its October has an hour more', async t => {
  const november = monthPeriod('2026-11', 'Europe/Sofia')
  t.equal(new Date(november.fromMs).toISOString(), '2026-10-31T22:00:00.000Z')
  t.equal(new Date(november.toMs).toISOString(), '2026-11-30T22:00:00.000Z')
  t.equal(november.toMs - november.fromMs, 30 * 86_400_000)
  const october = monthPeriod('2026-10', 'Europe/Sofia')
  t.equal(october.toMs - october.fromMs, 745 * 3_600_000, 'the clocks went back on 25 October')
  t.equal(monthPeriod('2026-12', 'Europe/Sofia').toMs, at('2026-12-31T22:00:00Z'), 'December ends at the new year')
  t.equal(monthOf(at('2026-11-30T22:30:00Z'), 'Europe/Sofia'), '2026-12', 'half past midnight on 1 December in Sofia')
  t.equal(previousMonth('2027-01'), '2026-12')
  t.equal(previousMonth('2026-11'), '2026-10')
})

t.test('readiness points become spans: a state lasts until the next point, or for the hold time when none follows', async t => {
  const minute = 60_000
  const t0 = at('2026-11-03T10:00:00Z')
  const samples = [
    { atMs: t0, state: 'ready' as const, reasons: '' },
    { atMs: t0 + minute, state: 'ready' as const, reasons: '' },
    { atMs: t0 + 2 * minute, state: 'offline' as const, reasons: 'no heartbeat' },
    { atMs: t0 + 3 * minute, state: 'offline' as const, reasons: 'no heartbeat' },
    // the monitor was down for an hour
    { atMs: t0 + 63 * minute, state: 'ready' as const, reasons: '' }
  ]
  t.same(spansFromSamples(samples, 3 * minute), [
    { fromMs: t0, toMs: t0 + 2 * minute, state: 'ready', reasons: '' },
    { fromMs: t0 + 2 * minute, toMs: t0 + 6 * minute, state: 'offline', reasons: 'no heartbeat' },
    { fromMs: t0 + 63 * minute, toMs: t0 + 66 * minute, state: 'ready', reasons: '' }
  ])
})

t.test('the causes of not being ready are read from the reasons readiness gives', async t => {
  t.same(notReadyCauses('self-test failed (E12, E40); battery at 8% (below 10%)'), ['selftest_failed', 'battery_critical'])
  t.same(notReadyCauses('pads expired on 2026-11-10'), ['pads_expired'])
  t.same(notReadyCauses('battery expired on 2026-11-01; too hot: 55 °C (above 50 °C)'), ['battery_expired', 'temperature'])
  t.same(notReadyCauses('too cold: -3 °C (below 0 °C)'), ['temperature'])
  t.same(notReadyCauses('something a later version says'), ['other'])
  t.same(notReadyCauses(''), ['other'])
})

t.test('November: cabinet A offline 3 h, pads expired for 2 days, door open 25 min; B in maintenance 1 h and not ready 7 h; C recorded from the 11th', async t => {
  const report = computeReadinessReport(NOVEMBER_SCENARIO)
  t.equal(report.month, '2026-11')
  t.equal(report.from, '2026-10-31T22:00:00.000Z')
  t.equal(report.to, '2026-11-30T22:00:00.000Z')
  t.equal(report.complete, true)
  t.equal(report.consumablesAsOf, '2026-12-01')

  const [obshtina, hub] = report.sites
  t.same(report.sites.map(s => s.siteId), ['obshtina-pernik', 'hub-mladen-stoyanov'], 'sites in fleet-file order')
  const [a, b] = obshtina!.cabinets
  const c = hub!.cabinets[0]!

  t.same({ periodS: a!.periodS, readyS: a!.readyS, readyShare: a!.readyShare, downtimeS: a!.downtimeS }, {
    periodS: 2_592_000,
    readyS: 2_406_900, // 720 h − 3 h − 48 h − 25 min
    readyShare: 0.9286,
    downtimeS: { offline: 10_800, not_ready: 172_800, in_use: 1500, maintenance: 0, unknown: 0, no_data: 0 }
  })
  t.same(a!.notReadyS, { selftest_failed: 0, pads_expired: 172_800, battery_expired: 0, battery_critical: 0, temperature: 0, other: 0 })
  t.match(a!.alerts, { offline: 1, pads_expired: 1, door_open: 2, post_use_inspection: 2, selftest_failed: 0 }, 'the alert opened in October and the one opened in December are not counted')
  t.same(a!.acknowledgement, { acknowledged: 4, unacknowledged: 2, medianS: 750, worstS: 1800 })
  t.same(a!.inspections, { opened: 2, done: 1, outstanding: 1 }, 'the inspection finished on 1 December was not done in November')

  t.same({ readyS: b!.readyS, readyShare: b!.readyShare, downtimeS: b!.downtimeS, notReadyS: b!.notReadyS }, {
    readyS: 2_563_200, // 720 h − 1 h − 5 h − 2 h
    readyShare: 0.9889,
    downtimeS: { offline: 0, not_ready: 25_200, in_use: 0, maintenance: 3600, unknown: 0, no_data: 0 },
    notReadyS: { selftest_failed: 18_000, pads_expired: 0, battery_expired: 0, battery_critical: 18_000, temperature: 7200, other: 0 }
  }, 'five hours with a failed self-test and a flat battery count under both causes, once in the total')
  t.same(b!.acknowledgement, { acknowledged: 2, unacknowledged: 1, medianS: 3900, worstS: 7200 })

  t.same({ readyS: c.readyS, readyShare: c.readyShare, noData: c.downtimeS.no_data }, { readyS: 1_728_000, readyShare: 0.6667, noData: 864_000 },
    'ten days without a readiness point are not counted as ready')
  t.same(c.acknowledgement, { acknowledged: 0, unacknowledged: 0, medianS: null, worstS: null })

  t.same({ periodS: obshtina!.periodS, readyS: obshtina!.readyS, readyShare: obshtina!.readyShare, downtimeS: obshtina!.downtimeS }, {
    periodS: 5_184_000,
    readyS: 4_970_100,
    readyShare: 0.9587,
    downtimeS: { offline: 10_800, not_ready: 198_000, in_use: 1500, maintenance: 3600, unknown: 0, no_data: 0 }
  }, 'a site is the sum of its cabinets')
  t.same(report.fleet.acknowledgement, { acknowledged: 6, unacknowledged: 3, medianS: 900, worstS: 7200 }, 'delays 60, 300, 600, 1200, 1800, 7200 s')
  t.same({ periodS: report.fleet.periodS, readyS: report.fleet.readyS, readyShare: report.fleet.readyShare, noData: report.fleet.downtimeS.no_data }, {
    periodS: 7_776_000, readyS: 6_698_100, readyShare: 0.8614, noData: 864_000
  })
  t.same(report.fleet.inspections, { opened: 2, done: 1, outstanding: 1 })

  t.same(report.consumables, [
    { cabinetId: SCENARIO_CABINETS.b, siteId: 'obshtina-pernik', part: 'battery', expires: '2026-11-28', daysLeft: -3 },
    { cabinetId: SCENARIO_CABINETS.b, siteId: 'obshtina-pernik', part: 'pads', expires: '2026-12-20', daysLeft: 19 },
    { cabinetId: SCENARIO_CABINETS.a, siteId: 'obshtina-pernik', part: 'battery', expires: '2027-02-15', daysLeft: 76 },
    { cabinetId: SCENARIO_CABINETS.c, siteId: 'hub-mladen-stoyanov', part: 'pads', expires: '2027-03-01', daysLeft: 90 }
  ], 'within 90 days of 1 December, expired ones first; pads of 2028 and a battery 91 days away are left out')
})

t.test('the current month covers the month so far, and its consumables count from today', async t => {
  const now = at('2026-11-15T12:00:00Z')
  const report = computeReadinessReport({ ...NOVEMBER_SCENARIO, nowMs: now })
  t.equal(report.complete, false)
  t.equal(report.to, '2026-11-15T12:00:00.000Z')
  t.equal(report.consumablesAsOf, '2026-11-15')
  const a = report.sites[0]!.cabinets[0]!
  t.equal(a.periodS, 1_260_000, '14 days and 14 hours')
  t.equal(a.readyS, 1_260_000 - 10_800 - 172_800)
  t.match(a.alerts, { door_open: 0, offline: 1, pads_expired: 1 })
  t.equal(report.sites[0]!.cabinets[1]!.acknowledgement.acknowledged, 1, 'B\'s self-test alert, acknowledged at 02:00')
  t.equal(report.consumables.find(c => c.cabinetId === SCENARIO_CABINETS.b && c.part === 'battery')?.daysLeft, 13)
})

t.test('a month that has not begun has no report', async t => {
  const input: ReadinessReportInput = { ...NOVEMBER_SCENARIO, nowMs: at('2026-10-31T21:59:59Z') }
  t.throws(() => computeReadinessReport(input), MonthNotBegunError)
  t.throws(() => computeReadinessReport(input), /month 2026-11 has not begun yet/)
})
