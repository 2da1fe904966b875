import t from 'tap'
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import type { InfluxSeries } from '@aed/core/influx'
import { startTestInflux } from '../../test/support/influx.ts'
import { dashboardQueries, panelQuery, type DashboardQuery } from './dashboard-queries.ts'
import { expandInfluxQL, parseInterval, type VariableState } from './grafana-influxql.ts'
import { buildDashboards } from './index.ts'
import { LANGUAGES } from './languages.ts'
import { BATTERY_DAYS_LEFT, knownScenario, PADS_DAYS_LEFT, PEOPLE, SCENARIO_CABINETS as CAB } from './scenario/known-scenario.ts'
import { scenarioLines } from './scenario/scenario-lines.ts'

/*
 * Grafana cannot run here, so this is what it would do: take every query of
 * every generated dashboard, expand Grafana's macros and variables for the
 * dashboard's default time range, and run it on a real InfluxDB holding the
 * known scenario as the monitor writes it. Every query must return data, and
 * the panels a facility manager reads must say what the scenario says. Both
 * language sets are run: their queries are meant to be the same, and this
 * proves each set's panels, found by their titles in that language, read
 * the right data.
 */

const influx = await startTestInflux()
t.teardown(() => influx.stop())

const scenario = knownScenario()
await influx.client.write(scenarioLines(scenario))

/** The dashboard's default range (now-24h … now), ending at the scenario's now. */
function defaultRange (board: dashboard.Dashboard): { from: number, to: number } {
  const from = board.time?.from ?? 'now-6h'
  return { from: scenario.now - parseInterval(from.replace(/^now-/, '')), to: scenario.now }
}

/** What Grafana would send for this query, with these variable values. */
function expand (board: dashboard.Dashboard, q: DashboardQuery, variables: Record<string, VariableState>): string {
  return expandInfluxQL(q.query, {
    range: defaultRange(board),
    maxDataPoints: q.maxDataPoints,
    ...(q.minInterval !== undefined ? { minInterval: q.minInterval } : {}),
    variables
  })
}

async function series (board: dashboard.Dashboard, q: DashboardQuery, variables: Record<string, VariableState>): Promise<InfluxSeries[]> {
  const [first] = await influx.client.query(expand(board, q, variables))
  return first?.series ?? []
}

/** Rows of every series, keyed by column, with the series' tags. */
async function rows (board: dashboard.Dashboard, q: DashboardQuery, variables: Record<string, VariableState>): Promise<Array<Record<string, unknown>>> {
  return (await series(board, q, variables)).flatMap(s => s.values.map(values => {
    const row: Record<string, unknown> = { ...s.tags }
    s.columns.forEach((column, i) => { row[column] = values[i] })
    return row
  }))
}

/** True when some row has a value other than its time: an empty-looking panel fails. */
function hasData (result: InfluxSeries[]): boolean {
  return result.some(s => s.values.some(values => values.some((v, i) => s.columns[i] !== 'time' && v !== null && v !== '')))
}

/** The cabinets Grafana offers in the `cabinet` variable, from the variable's own query. */
async function cabinetOptions (board: dashboard.Dashboard): Promise<string[]> {
  const variable = dashboardQueries(board).find(q => q.source === 'variable' && q.name === 'cabinet')!
  return (await rows(board, variable, {})).map(r => String(r.value))
}

/** The variable values a dashboard opens with: its saved current value, else the first option. */
async function defaultVariables (board: dashboard.Dashboard): Promise<Record<string, VariableState>> {
  const variables: Record<string, VariableState> = {}
  for (const variable of board.templating?.list ?? []) {
    if (variable.type !== 'query') continue
    const options = await cabinetOptions(board)
    const current = variable.current?.value
    variables[variable.name] = {
      value: current ?? options[0] ?? '',
      multi: variable.multi === true,
      includeAll: variable.includeAll === true,
      ...(variable.allValue !== undefined ? { allValue: variable.allValue } : {}),
      options
    }
  }
  return variables
}

const byCabinet = (list: Array<Record<string, unknown>>): Map<string, Record<string, unknown>> => new Map(list.map(r => [String(r.cabinet), r]))

for (const language of LANGUAGES) {
  const { text } = language
  const boards = buildDashboards(language)
  const { fleetOverview, cabinetDetail, alertsResponse } = boards

  t.test(`the ${language.text.languageName} dashboards (${language.code})`, async t => {
    t.test('every panel, annotation and variable query of every dashboard runs and returns data', async t => {
      for (const [file, board] of Object.entries(boards)) {
        const variables = await defaultVariables(board)
        const queries = dashboardQueries(board)
        t.ok(queries.length > 0, `${file} has queries`)
        for (const q of queries) {
          const label = `${file}: ${q.source} "${q.name}" ${q.refId}`
          let result: InfluxSeries[] = []
          try {
            result = await series(board, q, variables)
          } catch (err) {
            t.fail(`${label} failed: ${(err as Error).message}`)
            continue
          }
          t.ok(hasData(result), `${label} returns data`, { query: expand(board, q, variables) })
        }
      }
    })

    t.test('no query is left with a macro or variable Grafana would not replace', async t => {
      for (const [file, board] of Object.entries(boards)) {
        const variables = await defaultVariables(board)
        for (const q of dashboardQueries(board)) {
          t.notMatch(expand(board, q, variables), /\$[\w{]|\[\[/, `${file}: ${q.name} ${q.refId}`)
        }
      }
    })

    t.test('the cabinet variable offers every cabinet with readiness snapshots, planned ones included', async t => {
      t.same(await cabinetOptions(cabinetDetail), [CAB.doorOpen, CAB.offline, CAB.planned, CAB.ready, CAB.selftestFailed])
    })

    t.test('fleet overview', async t => {
      const variables = await defaultVariables(fleetOverview)

      t.test('counts one active cabinet in each state, and the planned one apart', async t => {
        const f = text.fleetOverview
        for (const [title, expected] of [[f.ready.title, 1], [f.notReady.title, 1], [f.inUse.title, 1], [f.offline.title, 1], [f.planned.title, 1]] as const) {
          const [row] = await rows(fleetOverview, panelQuery(fleetOverview, title), variables)
          t.equal(row?.cabinets, expected, title)
        }
      })

      t.test('the cabinets table has one row per cabinet with its readiness and why', async t => {
        const table = byCabinet(await rows(fleetOverview, panelQuery(fleetOverview, text.fleetOverview.cabinets.title), variables))
        t.same([...table.keys()].sort(), Object.values(CAB).sort())
        t.match(table.get(CAB.ready), { state: 'ready', reasons: '', selftest_result: 'pass', door: 'closed', status: 'active' })
        t.match(table.get(CAB.selftestFailed), { state: 'not_ready', reasons: 'self-test failed (E12)', selftest_result: 'fail' })
        t.match(table.get(CAB.doorOpen), { state: 'in_use', door: 'open' })
        t.match(table.get(CAB.offline), { state: 'offline', reasons: 'connection lost (last will)' })
        t.match(table.get(CAB.planned), { state: 'unknown', reasons: 'never seen', status: 'planned', last_seen_ms: 0 })
      })

      t.test('the cabinets table shows last seen, battery, expiry days, self-test age and temperature', async t => {
        const table = byCabinet(await rows(fleetOverview, panelQuery(fleetOverview, text.fleetOverview.cabinets.title), variables))
        const ready = table.get(CAB.ready)!
        t.ok(scenario.now - Number(ready.last_seen_ms) <= 10 * 60_000, 'last seen within the heartbeat interval')
        t.ok(Math.abs(Number(ready.pads_days_left) - PADS_DAYS_LEFT.ready) <= 1, `pads expire in ~${PADS_DAYS_LEFT.ready} days`)
        t.ok(Math.abs(Number(ready.battery_days_left) - BATTERY_DAYS_LEFT) <= 1, `battery expires in ~${BATTERY_DAYS_LEFT} days`)
        t.ok(Number(ready.battery_percent) > 90 && Number(ready.battery_percent) < 97, 'battery percent')
        t.ok(Number(ready.selftest_age_h) > 5.9 && Number(ready.selftest_age_h) < 6.1, 'self-test six hours old')
        t.ok(Math.abs(Number(ready.temperature_c) - 18.5) <= 1.1, 'temperature')
        t.ok(Math.abs(Number(table.get(CAB.doorOpen)!.pads_days_left) - PADS_DAYS_LEFT.doorOpen) <= 1, 'pads of the door-open cabinet expire soon')
        const offline = table.get(CAB.offline)!
        // Its last heartbeat came 190 minutes ago; the last will (179 minutes ago) is the broker speaking, not the cabinet.
        t.ok(Math.abs(scenario.now - 190 * 60_000 - Number(offline.last_seen_ms)) < 60_000, 'the offline cabinet was last seen at its last message, not when its last will arrived')
        t.equal(table.get(CAB.planned)!.battery_percent, null, 'nothing reported by a cabinet never seen')
      })

      t.test('the map places each cabinet at its fleet-file coordinates with its state code', async t => {
        const positions = byCabinet(await rows(fleetOverview, panelQuery(fleetOverview, text.fleetOverview.map.title), variables))
        for (const [id, cabinet] of scenario.fleet.cabinets) {
          t.match(positions.get(id), { lat: cabinet.coordinates.lat, lon: cabinet.coordinates.lon }, id)
        }
        t.equal(positions.get(CAB.selftestFailed)?.state_code, 5, 'not_ready is code 5 (red)')
        t.equal(positions.get(CAB.ready)?.state_code, 0, 'ready is code 0 (green)')
      })

      t.test('open alerts lists unresolved alerts only, with who acknowledged', async t => {
        const open = await rows(fleetOverview, panelQuery(fleetOverview, text.fleetOverview.openAlerts.title), variables)
        t.same(open.map(r => `${String(r.cabinet)} ${String(r.kind)} ${String(r.status)}`).sort(), [
          `${CAB.doorOpen} door_open open`,
          `${CAB.offline} offline open`,
          `${CAB.selftestFailed} selftest_failed acknowledged`
        ])
        t.equal(open.find(r => r.kind === 'selftest_failed')?.by, PEOPLE.maria)
      })
    })

    t.test('cabinet detail', async t => {
      const forCabinet = (id: string): Record<string, VariableState> => ({ cabinet: { value: id } })

      t.test('the failed cabinet reads not ready because of its self-test, with the fault code', async t => {
        const [readiness] = await rows(cabinetDetail, panelQuery(cabinetDetail, text.cabinetDetail.readiness.title), forCabinet(CAB.selftestFailed))
        t.match(readiness, { readiness: 'not_ready', reasons: 'self-test failed (E12)' })
        const selftests = await rows(cabinetDetail, panelQuery(cabinetDetail, text.cabinetDetail.selftests.title), forCabinet(CAB.selftestFailed))
        t.match(selftests, [{ result: 'fail', faults: 'E12', fault_count: 1 }, { result: 'pass', fault_count: 0 }], 'newest first')
      })

      t.test('the door timeline has every door event of the cabinet, ending open', async t => {
        const door = await rows(cabinetDetail, panelQuery(cabinetDetail, text.cabinetDetail.door.title), forCabinet(CAB.doorOpen))
        t.same(door.map(r => r.door), ['closed', 'open', 'closed', 'open'])
      })

      t.test('readiness over time changes from ready to in use when the door opens', async t => {
        const states = (await rows(cabinetDetail, panelQuery(cabinetDetail, text.cabinetDetail.readinessOverTime.title), forCabinet(CAB.doorOpen)))
          .map(r => r.readiness).filter(v => v !== null)
        t.equal(states.at(-1), 'in_use')
        t.ok(states.includes('ready'))
      })

      t.test('battery and temperature are series over the range', async t => {
        const battery = await rows(cabinetDetail, panelQuery(cabinetDetail, text.cabinetDetail.battery.title), forCabinet(CAB.ready))
        t.ok(battery.length >= 5, 'hourly battery reports')
        t.ok(battery.every(r => Number(r.battery) > 90 && Number(r.battery) <= 96))
        const temperature = await rows(cabinetDetail, panelQuery(cabinetDetail, text.cabinetDetail.temperature.title), forCabinet(CAB.doorOpen))
        t.ok(temperature.length >= 30, 'a point per heartbeat interval')
        t.ok(temperature.every(r => Number(r.temperature) > 10 && Number(r.temperature) < 14))
      })

      t.test('the alert history and its annotations show the cabinet\'s alert events only', async t => {
        const history = await rows(cabinetDetail, panelQuery(cabinetDetail, text.cabinetDetail.alertHistory.title), forCabinet(CAB.selftestFailed))
        t.same(history.map(r => r.status), ['acknowledged', 'open'], 'newest first')
        t.equal(history[0]?.by, PEOPLE.maria)
        const annotation = dashboardQueries(cabinetDetail).find(q => q.source === 'annotation')!
        const events = await rows(cabinetDetail, annotation, forCabinet(CAB.ready))
        t.same(events.map(r => r.status), ['open', 'acknowledged', 'resolved'])
        t.ok(events.every(r => r.kind === 'battery_low' && typeof r.message === 'string'), 'text and tag columns are present')
      })
    })

    t.test('alerts and response', async t => {
      const all = await defaultVariables(alertsResponse)
      t.equal(all.cabinet?.value, '$__all', 'opens on all cabinets')
      const only = (id: string): Record<string, VariableState> => ({ cabinet: { ...all.cabinet!, value: [id] } })

      t.test('counts alerts opened and acknowledged, and the median time to acknowledge', async t => {
        t.equal((await rows(alertsResponse, panelQuery(alertsResponse, text.alertsResponse.alertsOpened.title), all))[0]?.opened, 4)
        t.equal((await rows(alertsResponse, panelQuery(alertsResponse, text.alertsResponse.acknowledged.title), all))[0]?.acknowledged, 2)
        t.equal((await rows(alertsResponse, panelQuery(alertsResponse, text.alertsResponse.medianTimeToAcknowledge.title), all))[0]?.median, 450)
        t.equal((await rows(alertsResponse, panelQuery(alertsResponse, text.alertsResponse.alertsOpened.title), only(CAB.selftestFailed)))[0]?.opened, 1, 'the cabinet filter applies')
      })

      t.test('alerts over time are split by kind', async t => {
        const kinds = (await rows(alertsResponse, panelQuery(alertsResponse, text.alertsResponse.alertsByKind.title), all)).map(r => String(r.kind))
        t.same(kinds.sort(), ['battery_low', 'door_open', 'offline', 'selftest_failed'])
      })

      t.test('time to acknowledge by kind, and who acknowledged', async t => {
        const means = new Map((await rows(alertsResponse, panelQuery(alertsResponse, text.alertsResponse.timeToAcknowledgeByKind.title), all)).map(r => [r.kind, r.mean]))
        t.same(Object.fromEntries(means), { battery_low: 300, selftest_failed: 600 })
        const acks = await rows(alertsResponse, panelQuery(alertsResponse, text.alertsResponse.acknowledgements.title), all)
        t.same(acks.map(r => `${String(r.by)} ${String(r.kind)} ${String(r.ack_after_s)}`).sort(), [
          `${PEOPLE.georgi} battery_low 300`,
          `${PEOPLE.maria} selftest_failed 600`
        ])
      })

      t.test('notifications sent and failed, by channel', async t => {
        const totals = await rows(alertsResponse, panelQuery(alertsResponse, text.alertsResponse.notificationTotals.title), all)
        t.same(Object.fromEntries(totals.map(r => [`${String(r.channel)} ${String(r.outcome)}`, r.notifications])), { 'email sent': 3, 'sms sent': 2, 'sms failed': 1 })
        t.equal((await rows(alertsResponse, panelQuery(alertsResponse, text.alertsResponse.failedNotifications.title), all))[0]?.failed, 1)
        const failed = await rows(alertsResponse, panelQuery(alertsResponse, text.alertsResponse.failedAttempts.title), all)
        t.match(failed, [{ cabinet: CAB.doorOpen, channel: 'sms', error: 'provider timeout', attempt: 1 }])
      })
    })
  })
}
