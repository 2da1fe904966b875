import t from 'tap'
import { randomBytes } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import { GENERATED_DIR } from './build.ts'
import { INFLUXDB, UID } from './common.ts'
import { allPanels, dashboardQueries } from './dashboard-queries.ts'
import { buildDashboards, toJson } from './index.ts'
import { MonitorConfigSchema } from '../../services/monitor/src/config.ts'
import { BATTERY_PERCENT, EXPIRY_WARNING_DAYS, READINESS_STATES, TEMPERATURE_BAND_C } from './common.ts'
import { READINESS_STATES as MONITOR_STATES, readinessCode } from '../../services/monitor/src/readiness/readiness.ts'

const boards = buildDashboards()

t.test('the committed JSON in dashboards/generated is what the code builds (run `npm run dashboards`)', async t => {
  const committed = (await readdir(GENERATED_DIR)).filter(f => f.endsWith('.json')).sort()
  t.same(committed, Object.keys(boards).sort(), 'one file per dashboard, no leftovers')
  for (const [file, board] of Object.entries(boards)) {
    const onDisk = await readFile(join(GENERATED_DIR, file), 'utf8').catch(() => '')
    t.ok(onDisk === toJson(board), `${file} is up to date`)
  }
})

t.test('dashboards have the fixed uids the links and bookmarks use', async t => {
  t.same(Object.values(boards).map(b => b.uid).sort(), Object.values(UID).sort())
})

t.test('every query is raw InfluxQL on the provisioned InfluxDB datasource', async t => {
  for (const board of Object.values(boards)) {
    for (const q of dashboardQueries(board)) {
      if (q.target !== undefined) t.same(q.target.datasource, INFLUXDB, `${board.title}: ${q.name}`)
    }
    for (const variable of board.templating?.list ?? []) t.same(variable.datasource, INFLUXDB, `${board.title}: $${variable.name}`)
  }
})

t.test('panels fit the 24-column grid without overlapping', async t => {
  for (const board of Object.values(boards)) {
    const cells = new Map<string, string>()
    for (const panel of (board.panels ?? []) as Array<dashboard.Panel | dashboard.RowPanel>) {
      const { x = 0, y = 0, w = 0, h = 0 } = panel.gridPos ?? {}
      t.ok(x + w <= 24, `${board.title}: "${panel.title ?? ''}" fits the width`)
      for (let i = x; i < x + w; i++) {
        for (let j = y; j < y + h; j++) {
          const key = `${i},${j}`
          if (cells.has(key)) t.fail(`${board.title}: "${panel.title ?? ''}" overlaps "${cells.get(key) ?? ''}"`)
          cells.set(key, panel.title ?? '')
        }
      }
    }
    t.ok(allPanels(board).every(p => (p.title ?? '') !== ''), `${board.title}: every panel has a title`)
  }
})

t.test('colours and bands use the monitor\'s default limits and readiness codes', async t => {
  const secret = (): string => randomBytes(32).toString('base64')
  const defaults = MonitorConfigSchema.parse({ AED_ADMIN_TOKEN: secret(), MQTT_PASSWORD: secret(), CREDENTIALS_HASH_KEY: secret(), ALERT_LINK_SECRET: secret() })
  t.same(TEMPERATURE_BAND_C, { min: defaults.TEMPERATURE_MIN_C, max: defaults.TEMPERATURE_MAX_C })
  t.same(BATTERY_PERCENT, { critical: defaults.BATTERY_CRITICAL_PERCENT, low: defaults.BATTERY_LOW_PERCENT })
  t.equal(EXPIRY_WARNING_DAYS, defaults.EXPIRY_WARNING_DAYS)
  t.same(READINESS_STATES.map(s => s.state).sort(), [...MONITOR_STATES].sort())
  for (const s of READINESS_STATES) t.equal(s.code, readinessCode(s.state as typeof MONITOR_STATES[number]), s.state)
})
