import t from 'tap'
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import { GENERATED_DIR, jsonFilesUnder } from './build.ts'
import { BATTERY_PERCENT, dashboardUid, EXPIRY_WARNING_DAYS, INFLUXDB, READINESS_STATES, TEMPERATURE_BAND_C, UID, type DashboardName } from './common.ts'
import { allPanels, dashboardQueries } from './dashboard-queries.ts'
import { buildAllDashboards, buildDashboards, toJson } from './index.ts'
import { DEFAULT_LANGUAGE, LANGUAGES, type Language } from './languages.ts'
import type { DashboardText } from './text/dashboard-text.ts'
import { MonitorConfigSchema } from '../../services/monitor/src/config.ts'
import { READINESS_STATES as MONITOR_STATES, readinessCode } from '../../services/monitor/src/readiness/readiness.ts'

const all = buildAllDashboards()
const sets = LANGUAGES.map(language => ({ language, boards: buildDashboards(language) }))
const NAMES = Object.keys(UID) as DashboardName[]

t.test('the committed JSON in dashboards/generated is what the code builds (run `npm run dashboards`)', async t => {
  t.same(await jsonFilesUnder(GENERATED_DIR), Object.keys(all).sort(), 'one file per dashboard and language, no leftovers')
  for (const [file, board] of Object.entries(all)) {
    const onDisk = await readFile(join(GENERATED_DIR, file), 'utf8').catch(() => '')
    t.ok(onDisk === toJson(board), `${file} is up to date`)
  }
})

t.test('the default language is Bulgarian and keeps the fixed uids that links, bookmarks and DASHBOARD_URL use', async t => {
  t.equal(DEFAULT_LANGUAGE.code, 'bg')
  t.same(Object.values(buildDashboards(DEFAULT_LANGUAGE)).map(b => b.uid).sort(), Object.values(UID).sort())
  t.same(Object.keys(all).filter(f => f.startsWith('bg/')).sort(), ['bg/alerts-response.json', 'bg/cabinet-detail.json', 'bg/fleet-overview.json'])
})

t.test('every language has the same dashboards under its own uids, titles and folder', async t => {
  const en = LANGUAGES.find(l => l.code === 'en')!
  t.same(Object.values(buildDashboards(en)).map(b => b.uid).sort(), Object.values(UID).map(uid => `${uid}-en`).sort(), 'English uids end in -en')
  const uids = Object.values(all).map(b => b.uid)
  t.equal(new Set(uids).size, uids.length, 'no uid is used twice')
  for (const name of NAMES) {
    const titles = sets.map(({ boards }) => boards[name].title)
    t.equal(new Set(titles).size, LANGUAGES.length, `${name}: a title per language (${titles.join(' / ')})`)
  }
  t.equal(new Set(LANGUAGES.map(l => l.text.folder)).size, LANGUAGES.length, 'a folder per language')
})

/** A dashboard with every word taken out: what must be the same in every language. */
function skeleton (board: dashboard.Dashboard): unknown {
  return {
    panels: (board.panels ?? []).map(p => ({ type: p.type, gridPos: p.gridPos, targets: (p as dashboard.Panel).targets })),
    queries: dashboardQueries(board).map(({ name: _name, ...query }) => query),
    time: board.time,
    refresh: board.refresh,
    variables: (board.templating?.list ?? []).map(v => ({ name: v.name, query: v.query, multi: v.multi, includeAll: v.includeAll }))
  }
}

t.test('the languages run the very same queries, aliases included, on the same grid', async t => {
  const [first, ...others] = sets
  for (const name of NAMES) {
    for (const other of others) {
      t.same(skeleton(other.boards[name]), skeleton(first!.boards[name]), `${name}: ${other.language.code} = ${first!.language.code}`)
    }
  }
})

t.test('each dashboard links to its own language\'s list and to itself in the other languages', async t => {
  for (const { language, boards } of sets) {
    for (const name of NAMES) {
      const links = boards[name].links ?? []
      t.match(links[0], { type: 'dashboards', title: language.text.dashboardsLink, tags: ['aed', language.code] }, `${language.code} ${name}`)
      t.same(links.slice(1).map(l => [l.title, l.url]), LANGUAGES.filter(l => l !== language).map(other => [other.text.languageName, `/d/${dashboardUid(other, name)}`]))
      t.ok(boards[name].tags?.includes(language.code), 'tagged with its language, which the list link filters on')
    }
  }
})

t.test('a cabinet link opens the cabinet detail in the same language', async t => {
  for (const { language, boards } of sets) {
    const text = JSON.stringify(boards.fleetOverview)
    t.match(text, `/d/${dashboardUid(language, 'cabinetDetail')}?var-cabinet=`, language.code)
    for (const other of LANGUAGES.filter(l => l !== language)) t.notMatch(text, `/d/${dashboardUid(other, 'cabinetDetail')}?`)
  }
})

/**
 * Every word of a catalogue, the temperature description with the band
 * filled in. Not the language's own name, which the other languages link
 * with, nor the units, which are Grafana's unit ids ("h" is also a layout
 * value).
 */
function catalogueWords (text: DashboardText): string[] {
  const { languageName: _name, units: _units, ...words } = text
  const strings: string[] = []
  const walk = (value: unknown): void => {
    if (typeof value === 'string') strings.push(value)
    else if (typeof value === 'function') strings.push((value as (min: number, max: number) => string)(TEMPERATURE_BAND_C.min, TEMPERATURE_BAND_C.max))
    else if (typeof value === 'object' && value !== null) Object.values(value).forEach(walk)
  }
  walk(words)
  return strings
}

/** Every string value in a dashboard's JSON (keys aside). */
function jsonStrings (value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value)) return value.flatMap(jsonStrings)
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(jsonStrings)
  return []
}

function textOf (language: Language, name: DashboardName): string[] {
  return jsonStrings(JSON.parse(toJson(buildDashboards(language)[name])))
}

t.test('no dashboard shows a word of another language', async t => {
  for (const language of LANGUAGES) {
    const own = new Set(catalogueWords(language.text))
    for (const other of LANGUAGES.filter(l => l !== language)) {
      const foreign = catalogueWords(other.text).filter(s => !own.has(s))
      for (const name of NAMES) {
        const strings = new Set(textOf(language, name))
        t.same(foreign.filter(s => strings.has(s)), [], `${language.code} ${name} has no ${other.code} text`)
      }
    }
  }
  for (const name of NAMES) {
    const en = LANGUAGES.find(l => l.code === 'en')!
    const cyrillic = textOf(en, name).filter(s => /\p{Script=Cyrillic}/u.test(s))
    t.same(cyrillic, LANGUAGES.filter(l => l.code === 'bg').map(l => l.text.languageName), `en ${name} has no Cyrillic but the link to the Bulgarian dashboard`)
  }
})

t.test('the Bulgarian dashboards are in Bulgarian: every title, row and description is Cyrillic', async t => {
  for (const name of NAMES) {
    const board = buildDashboards(DEFAULT_LANGUAGE)[name]
    const texts = [board.title, board.description ?? '', ...(board.panels ?? []).flatMap(p => [p.title ?? '', (p as dashboard.Panel).description ?? ''])]
      .filter(s => s !== '')
    for (const text of texts) t.match(text, /\p{Script=Cyrillic}/u, `${name}: "${text}"`)
  }
})

t.test('every query is raw InfluxQL on the provisioned InfluxDB datasource', async t => {
  for (const board of Object.values(all)) {
    for (const q of dashboardQueries(board)) {
      if (q.target !== undefined) t.same(q.target.datasource, INFLUXDB, `${board.title}: ${q.name}`)
    }
    for (const variable of board.templating?.list ?? []) t.same(variable.datasource, INFLUXDB, `${board.title}: $${variable.name}`)
  }
})

t.test('panels fit the 24-column grid without overlapping, each with a title of its own', async t => {
  for (const board of Object.values(all)) {
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
    const titles = allPanels(board).map(p => p.title ?? '')
    t.ok(titles.every(title => title !== ''), `${board.title}: every panel has a title`)
    // The query tests find a panel by its title.
    t.equal(new Set(titles).size, titles.length, `${board.title}: no two panels share a title`)
  }
})

t.test('colours and bands use the monitor\'s default limits and readiness codes', async t => {
  const secret = (): string => randomBytes(32).toString('base64')
  const defaults = MonitorConfigSchema.parse({ AED_ADMIN_TOKEN: secret(), MQTT_PASSWORD: secret(), CREDENTIALS_HASH_KEY: secret(), ALERT_LINK_SECRET: secret() })
  t.same(TEMPERATURE_BAND_C, { min: defaults.TEMPERATURE_MIN_C, max: defaults.TEMPERATURE_MAX_C })
  t.same(BATTERY_PERCENT, { critical: defaults.BATTERY_CRITICAL_PERCENT, low: defaults.BATTERY_LOW_PERCENT })
  t.equal(EXPIRY_WARNING_DAYS, defaults.EXPIRY_WARNING_DAYS)
  t.same(READINESS_STATES.map(s => s.state).sort(), [...MONITOR_STATES].sort())
  for (const s of READINESS_STATES) t.equal(s.code, readinessCode(s.state), s.state)
})
