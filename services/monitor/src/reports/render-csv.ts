import { AlertKindSchema } from '../alerts/alert.ts'
import type { MessageTemplates } from '../messages/message-templates.ts'
import type { Language } from '../routing/people.ts'
import { DOWNTIME_KINDS, NOT_READY_CAUSES, type ReadinessReport, type ReportFigures } from './readiness-report.ts'
import { REPORT_TEXTS } from './report-texts.ts'

/**
 * The report as CSV for a spreadsheet: one row for the fleet, then each
 * site followed by its cabinets; then, after an empty line, the expiring
 * consumables. Headings are in the report's language; numbers are written
 * plainly (dot decimals, durations in minutes, the share in percent), so
 * a spreadsheet reads them as numbers in any locale. It starts with a byte
 * order mark, without which Excel takes UTF-8 for the local code page and
 * garbles Cyrillic.
 */
export function renderReadinessCsv (report: ReadinessReport, language: Language, templates: MessageTemplates): string {
  const t = REPORT_TEXTS[language]
  const kinds = templates[language].kinds
  const minutesOf = (label: string): string => `${label} (${t.units.min})`
  const header = [
    t.site, t.cabinet, t.location,
    minutesOf(t.periodLength), minutesOf(t.ready), `${t.readyShare} (%)`,
    ...DOWNTIME_KINDS.map(k => minutesOf(t.downtime[k])),
    ...NOT_READY_CAUSES.map(c => minutesOf(`${t.downtime.not_ready}: ${t.notReadyCauses[c]}`)),
    ...AlertKindSchema.options.map(k => `${t.alerts}: ${kinds[k].title}`),
    t.acknowledged, t.unacknowledged, `${t.ackMedian} (${t.units.s})`, `${t.ackWorst} (${t.units.s})`,
    t.inspectionsOpened, t.inspectionsDone, t.inspectionsOutstanding
  ]
  const row = (site: string, cabinet: string, location: string, f: ReportFigures): Array<string | number> => [
    site, cabinet, location,
    minutes(f.periodS), minutes(f.readyS), round(f.readyShare * 100, 2),
    ...DOWNTIME_KINDS.map(k => minutes(f.downtimeS[k])),
    ...NOT_READY_CAUSES.map(c => minutes(f.notReadyS[c])),
    ...AlertKindSchema.options.map(k => f.alerts[k]),
    f.acknowledgement.acknowledged, f.acknowledgement.unacknowledged, f.acknowledgement.medianS ?? '', f.acknowledgement.worstS ?? '',
    f.inspections.opened, f.inspections.done, f.inspections.outstanding
  ]
  const rows: Array<Array<string | number>> = [header, row(t.fleet, '', '', report.fleet)]
  for (const site of report.sites) {
    rows.push(row(site.siteName, '', '', site))
    for (const cabinet of site.cabinets) rows.push(row(site.siteName, cabinet.cabinetId, cabinet.location, cabinet))
  }
  rows.push([])
  rows.push([t.site, t.cabinet, t.partHeading, t.expires, t.daysLeft])
  const siteName = new Map(report.sites.map(s => [s.siteId, s.siteName]))
  for (const c of report.consumables) rows.push([siteName.get(c.siteId) ?? c.siteId, c.cabinetId, t.part[c.part], c.expires, c.daysLeft])
  return '\uFEFF' + rows.map(r => r.map(cell).join(',')).join('\r\n') + '\r\n'
}

const minutes = (seconds: number): number => round(seconds / 60, 2)

function round (value: number, digits: number): number {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
function cell (value: string | number): string {
  const text = String(value)
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}
