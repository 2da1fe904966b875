import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { apiAppFor, type ApiApp } from '../../../../../test/support/api-app.ts'
import { startTestInflux } from '../../../../../test/support/influx.ts'
import { SCENARIO_CABINETS, SCENARIO_FLEET, SCENARIO_NOW, scenarioLines } from '../../../../../test/support/readiness-scenario.ts'

/*
 * The report over the API, from the November scenario written into a real
 * InfluxDB the way the recorder writes it (readiness every 10 minutes, alert
 * events, battery and pads readings); the monitor's clock stands on
 * 2 December. The figures are the ones worked out by hand in
 * readiness-report.test.ts.
 */
const SNAPSHOT_MS = 600_000
const influx = await startTestInflux()
t.teardown(() => influx.stop())
const lines = scenarioLines(SNAPSHOT_MS)
for (let i = 0; i < lines.length; i += 5000) await influx.client.write(lines.slice(i, i + 5000))

async function scenarioApp (t: Parameters<typeof apiAppFor>[0]): Promise<ApiApp> {
  return await apiAppFor(t, {
    fleet: SCENARIO_FLEET,
    start: new Date(SCENARIO_NOW).toISOString(),
    snapshotIntervalMs: SNAPSHOT_MS,
    influxUrl: influx.url,
    influxDatabase: influx.database,
    influxTimeoutMs: 30_000
  })
}

const execFileAsync = promisify(execFile)

/** The PDF's text as poppler's pdftotext reads it, page by page, in reading order. */
async function pdfText (pdf: Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'aed-report-'))
  try {
    const file = join(dir, 'report.pdf')
    await writeFile(file, pdf)
    const { stdout } = await execFileAsync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { maxBuffer: 16 * 1024 * 1024 })
    // Spaces and line breaks as laid out, and however the locale spaces a percent sign, are not what is checked.
    return stdout.replace(/[\s\u00a0\u202f]+%/g, '%').replace(/[ \t\u00a0\u202f]+/g, ' ')
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks. */
function parseCsv (text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++ } else if (ch === '"') quoted = false
      else field += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') { row.push(field); field = '' } else if (ch === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++ } else field += ch
  }
  return rows
}

t.test('a viewer gets November as JSON with the figures of the scenario', async t => {
  const api = await scenarioApp(t)
  const res = await api.as('viewer').get('/api/v1/reports/readiness?month=2026-11&format=json')
  t.equal(res.status, 200)
  const report = res.body
  t.match(report, { month: '2026-11', from: '2026-10-31T22:00:00.000Z', to: '2026-11-30T22:00:00.000Z', complete: true, consumablesAsOf: '2026-12-01' })
  t.same(report.sites.map((s: { siteId: string }) => s.siteId), ['obshtina-pernik', 'hub-mladen-stoyanov'], 'the planned cabinet\'s site is not in the report')
  const [a, b] = report.sites[0].cabinets
  t.match(a, {
    cabinetId: SCENARIO_CABINETS.a,
    periodS: 2_592_000,
    readyS: 2_406_900,
    readyShare: 0.9286,
    downtimeS: { offline: 10_800, not_ready: 172_800, in_use: 1500, maintenance: 0, no_data: 0 },
    notReadyS: { pads_expired: 172_800 },
    alerts: { offline: 1, pads_expired: 1, door_open: 2, post_use_inspection: 2 },
    acknowledgement: { acknowledged: 4, unacknowledged: 2, medianS: 750, worstS: 1800 },
    inspections: { opened: 2, done: 1, outstanding: 1 }
  })
  t.match(b, {
    cabinetId: SCENARIO_CABINETS.b,
    readyS: 2_563_200,
    downtimeS: { maintenance: 3600, not_ready: 25_200 },
    notReadyS: { selftest_failed: 18_000, battery_critical: 18_000, temperature: 7200 }
  })
  t.match(report.sites[1].cabinets[0], { cabinetId: SCENARIO_CABINETS.c, readyS: 1_728_000, downtimeS: { no_data: 864_000 } })
  t.match(report.fleet, { periodS: 7_776_000, readyS: 6_698_100, readyShare: 0.8614, acknowledgement: { acknowledged: 6, unacknowledged: 3, medianS: 900, worstS: 7200 } })
  t.same(report.consumables.map((c: { cabinetId: string, part: string, daysLeft: number }) => [c.cabinetId, c.part, c.daysLeft]), [
    [SCENARIO_CABINETS.b, 'battery', -3],
    [SCENARIO_CABINETS.b, 'pads', 19],
    [SCENARIO_CABINETS.a, 'battery', 76],
    [SCENARIO_CABINETS.c, 'pads', 90]
  ])
})

t.test('as CSV: headings in Bulgarian by default, one row per scope, durations in minutes', async t => {
  const api = await scenarioApp(t)
  const res = await api.as('viewer').get('/api/v1/reports/readiness?month=2026-11&format=csv')
  t.equal(res.status, 200)
  t.match(res.headers['content-type'], /^text\/csv; charset=utf-8/)
  t.equal(res.headers['content-disposition'], 'attachment; filename="aed-readiness-2026-11-bg.csv"')
  t.ok(res.text.startsWith('\uFEFF'), 'a byte order mark, so spreadsheets read UTF-8')
  const rows = parseCsv(res.text.slice(1))
  const header = rows[0]!
  const column = (name: string): number => {
    const i = header.indexOf(name)
    if (i < 0) throw new Error(`no column ${name} in ${header.join(' | ')}`)
    return i
  }
  const rowOf = (cabinet: string) => rows.find(r => r[1] === cabinet)!
  const a = rowOf(SCENARIO_CABINETS.a)
  t.equal(a[2], 'Партер, входно фоайе', 'a location with a comma stays one field')
  t.equal(a[column('Продължителност на периода (мин)')], '43200')
  t.equal(a[column('В готовност (мин)')], '40115')
  t.equal(a[column('Дял на времето в готовност (%)')], '92.86')
  t.equal(a[column('Без връзка (мин)')], '180')
  t.equal(a[column('Неготов: изтекли електроди (мин)')], '2880')
  t.equal(a[column('В употреба (отворена врата) (мин)')], '25')
  t.equal(a[column('Сигнали по вид: Отворен шкаф с АЕД')], '2')
  t.equal(a[column('Време до потвърждение (медиана) (с)')], '750')
  t.equal(a[column('Проверки след употреба: неизвършени')], '1')
  t.equal(rows[1]![0], 'Общо')
  t.equal(rows[1]![column('Дял на времето в готовност (%)')], '86.14')
  t.ok(rows.some(r => r[1] === SCENARIO_CABINETS.b && r[2] === 'батерия' && r[3] === '2026-11-28' && r[4] === '-3'), 'the expired battery is listed with the consumables')

  const english = await api.as('viewer').get('/api/v1/reports/readiness?month=2026-11&format=csv&lang=en')
  t.equal(english.status, 200)
  t.match(english.text, /Share of time ready \(%\)/)
  t.match(english.text, /Offline \(min\)/)
})

t.test('as PDF: the Bulgarian text and the figures are on the page', async t => {
  const api = await scenarioApp(t)
  const res = await api.as('viewer').get('/api/v1/reports/readiness?month=2026-11&format=pdf')
  t.equal(res.status, 200)
  t.equal(res.headers['content-type'], 'application/pdf')
  const pdf = res.raw
  t.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-')
  const text = await pdfText(pdf)
  t.match(text, 'Месечен отчет за готовността на АЕД')
  t.match(text, 'Община Перник — ноември 2026 г.')
  t.match(text, `Шкаф ${SCENARIO_CABINETS.a} — Партер, входно фоайе`)
  t.match(text, 'Дял на времето в готовност 92,86% (27 д 20 ч 35 мин / 30 д 0 ч 0 мин)')
  t.match(text, 'Без връзка 3 ч 0 мин')
  t.match(text, 'изтекли електроди: 2 д 0 ч 0 мин')
  t.match(text, 'Време до потвърждение (медиана) 12 мин 30 с')
  t.match(text, 'Без наблюдение 10 д 0 ч 0 мин')
  t.match(text, 'Шкаф Консуматив Изтича на Оставащи дни')
  t.match(text, `${SCENARIO_CABINETS.b} батерия 2026-11-28 изтекъл (-3)`)
  t.match(text, `${SCENARIO_CABINETS.c} електроди 2027-03-01 90`)

  const english = await api.as('viewer').get('/api/v1/reports/readiness?month=2026-11&format=pdf&lang=en')
  const englishText = await pdfText(english.raw)
  t.match(englishText, 'Monthly AED readiness report')
  t.match(englishText, 'Share of time ready 92.86% (27 d 20 h 35 min / 30 d 0 h 0 min)')
})

t.test('no token gets 401; a bad month, format or language gets 400 saying what is wrong; a month to come is refused', async t => {
  const api = await scenarioApp(t)
  const anonymous = await api.anonymous.get('/api/v1/reports/readiness?month=2026-11')
  t.equal(anonymous.status, 401)
  for (const query of ['month=2026-13', 'month=November', 'month=2026-1', 'format=docx', 'lang=de']) {
    const res = await api.as('viewer').get(`/api/v1/reports/readiness?${query}`)
    t.equal(res.status, 400, query)
    t.equal(res.body.error, 'bad_request', query)
  }
  const bad = await api.as('viewer').get('/api/v1/reports/readiness?month=2026-13')
  t.match(bad.body, { message: 'invalid querystring', details: [/month must be YYYY-MM/] })
  const future = await api.as('viewer').get('/api/v1/reports/readiness?month=2027-01')
  t.same(future.body, { error: 'bad_request', message: 'month 2027-01 has not begun yet' })
  t.equal(future.status, 400)
})

t.test('without a month, the report is the month before this one; the current month is reported so far', async t => {
  const api = await scenarioApp(t)
  const last = await api.as('viewer').get('/api/v1/reports/readiness')
  t.equal(last.status, 200)
  t.equal(last.body.month, '2026-11')
  const current = await api.as('viewer').get('/api/v1/reports/readiness?month=2026-12')
  t.equal(current.status, 200)
  t.match(current.body, { month: '2026-12', complete: false, from: '2026-11-30T22:00:00.000Z', to: '2026-12-02T08:00:00.000Z', consumablesAsOf: '2026-12-02' })
  t.equal(current.body.fleet.periodS, 3 * 122_400, 'a day and 10 hours for each of three cabinets')
})

t.test('an alert InfluxDB has not received yet is in the report: the monitor\'s own alerts are merged in', async t => {
  const api = await scenarioApp(t)
  api.receive(SCENARIO_CABINETS.a, 'door', { state: 'open' })
  await api.time.advance(90_000)
  const [door] = api.alerts.list({ kind: 'door_open', status: 'live' })
  t.ok(door, 'the door opening raised an alert')
  await api.as('responder').post(`/api/v1/alerts/${door!.id}/ack`)
  const res = await api.as('viewer').get('/api/v1/reports/readiness?month=2026-12')
  t.equal(res.status, 200)
  const a = res.body.sites[0].cabinets[0]
  t.equal(a.alerts.door_open, 2, 'the scenario\'s door opening five minutes into December (from InfluxDB) and this one (from memory)')
  t.same(a.acknowledgement, { acknowledged: 2, unacknowledged: 0, medianS: 75, worstS: 90 }, 'acknowledged after 60 s and 90 s')
})

t.test('while InfluxDB cannot be read the report answers 503, logs why, and the API goes on', async t => {
  const api = await apiAppFor(t)
  const res = await api.as('viewer').get('/api/v1/reports/readiness?month=2026-10')
  t.equal(res.status, 503)
  t.same(res.body, { error: 'unavailable', message: 'the readiness history cannot be read now; try again later (month 2026-10)' })
  t.ok(api.logs.some(entry => entry.msg === 'readiness report failed' && entry.month === '2026-10'), 'the cause is logged')
  t.equal((await api.as('viewer').get('/api/v1/cabinets')).status, 200)
})
