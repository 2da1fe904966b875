import { createRequire } from 'node:module'
import PDFDocument from 'pdfkit'
import { AlertKindSchema } from '../alerts/alert.ts'
import type { MessageTemplates } from '../messages/message-templates.ts'
import type { Language } from '../routing/people.ts'
import { formatTime } from '../time-zone.ts'
import { DOWNTIME_KINDS, NOT_READY_CAUSES, type ReadinessReport, type ReportFigures } from './readiness-report.ts'
import { formatDuration, formatMonth, formatShare, REPORT_TEXTS } from './report-texts.ts'

/*
 * PDFKit's built-in fonts (Helvetica…) cover Latin only, and the report is
 * in Bulgarian: DejaVu Sans is embedded instead. It comes from the npm
 * package dejavu-fonts-ttf (Bitstream Vera licence: free to embed and
 * redistribute), so no system font package is needed.
 */
const require = createRequire(import.meta.url)
const FONT = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')
const FONT_BOLD = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')

const MARGIN = 50
const LABEL_WIDTH = 250

/** The report as an A4 PDF for the record: the fleet, each site and cabinet, then the expiring consumables. */
export async function renderReadinessPdf (report: ReadinessReport, fleetName: string, language: Language, templates: MessageTemplates): Promise<Buffer> {
  const t = REPORT_TEXTS[language]
  const { locale, kinds } = templates[language]
  const monthName = formatMonth(report.from, locale, report.timeZone)
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    // A fixed creation date (the report's own) keeps the same report the same file.
    info: { Title: `${t.title} — ${fleetName}, ${monthName}`, Author: fleetName, CreationDate: new Date(report.generatedAt) }
  })
  doc.registerFont('text', FONT)
  doc.registerFont('bold', FONT_BOLD)
  const chunks: Buffer[] = []
  doc.on('data', (chunk: Buffer) => chunks.push(chunk))
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })

  const heading = (text: string, size: number): void => {
    if (doc.y > doc.page.height - MARGIN - 80) doc.addPage()
    doc.moveDown(0.6).font('bold').fontSize(size).text(text, MARGIN).moveDown(0.2).font('text').fontSize(10)
  }
  const line = (label: string, value: string): void => {
    if (doc.y > doc.page.height - MARGIN - 20) doc.addPage()
    const y = doc.y
    doc.text(label, MARGIN, y, { width: LABEL_WIDTH })
    const labelBottom = doc.y
    doc.text(value, MARGIN + LABEL_WIDTH + 10, y, { width: doc.page.width - 2 * MARGIN - LABEL_WIDTH - 10 })
    doc.y = Math.max(labelBottom, doc.y)
    doc.x = MARGIN
  }
  const time = (iso: string): string => formatTime(iso, locale, report.timeZone)

  doc.font('bold').fontSize(16).text(t.title)
  doc.font('text').fontSize(12).text(`${fleetName} — ${monthName}`).moveDown(0.5).fontSize(10)
  line(t.period, `${time(report.from)} – ${time(report.to)} (${report.timeZone})`)
  line(t.generatedAt, time(report.generatedAt))
  if (!report.complete) doc.moveDown(0.3).text(t.incomplete)

  heading(t.fleet, 13)
  figures(report.fleet)
  for (const site of report.sites) {
    heading(`${t.site}: ${site.siteName}`, 13)
    doc.text(site.address).moveDown(0.3)
    figures(site)
    for (const cabinet of site.cabinets) {
      heading(`${t.cabinet} ${cabinet.cabinetId} — ${cabinet.location}`, 11)
      figures(cabinet)
    }
  }

  heading(t.consumables, 13)
  if (report.consumables.length === 0) doc.text(t.noConsumables)
  else {
    const columns = [MARGIN, MARGIN + 130, MARGIN + 230, MARGIN + 330]
    const cells = (values: string[]): void => {
      if (doc.y > doc.page.height - MARGIN - 20) doc.addPage()
      const y = doc.y
      values.forEach((value, i) => doc.text(value, columns[i], y, { width: 120, lineBreak: false }))
      doc.x = MARGIN
      doc.y = y + doc.currentLineHeight(true)
    }
    doc.font('bold')
    cells([t.cabinet, t.partHeading, t.expires, t.daysLeft])
    doc.font('text')
    for (const c of report.consumables) {
      cells([c.cabinetId, t.part[c.part], c.expires, c.daysLeft < 0 ? `${t.expired} (${c.daysLeft})` : String(c.daysLeft)])
    }
  }
  doc.moveDown(1).fontSize(8).text(t.footnote, MARGIN)
  doc.end()
  return await done

  function figures (f: ReportFigures): void {
    const duration = (s: number): string => formatDuration(s, t.units)
    line(t.readyShare, `${formatShare(f.readyShare, locale)} (${duration(f.readyS)} / ${duration(f.periodS)})`)
    for (const kind of DOWNTIME_KINDS) {
      if (f.downtimeS[kind] > 0) line(t.downtime[kind], duration(f.downtimeS[kind]))
    }
    const causes = NOT_READY_CAUSES.filter(c => f.notReadyS[c] > 0)
    if (causes.length > 0) line(t.notReadyBy, causes.map(c => `${t.notReadyCauses[c]}: ${duration(f.notReadyS[c])}`).join('; '))
    const alerts = AlertKindSchema.options.filter(k => f.alerts[k] > 0)
    line(t.alerts, alerts.length === 0 ? t.noAlerts : alerts.map(k => `${kinds[k].title}: ${f.alerts[k]}`).join('; '))
    const ack = f.acknowledgement
    line(`${t.acknowledged} / ${t.unacknowledged}`, `${ack.acknowledged} / ${ack.unacknowledged}`)
    if (ack.medianS !== null && ack.worstS !== null) {
      line(t.ackMedian, duration(ack.medianS))
      line(t.ackWorst, duration(ack.worstS))
    }
    const i = f.inspections
    if (i.opened > 0) {
      line(t.inspectionsOpened, String(i.opened))
      line(t.inspectionsDone, String(i.done))
      line(t.inspectionsOutstanding, String(i.outstanding))
    }
  }
}
