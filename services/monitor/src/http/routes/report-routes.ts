import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Clock } from '@aed/core/time'
import type { MessageTemplates } from '../../messages/message-templates.ts'
import { MonthNotBegunError, ReadinessReportSchema } from '../../reports/readiness-report.ts'
import { ReportHistoryError, type ReadinessReportSource } from '../../reports/readiness-reports.ts'
import { renderReadinessCsv } from '../../reports/render-csv.ts'
import { renderReadinessPdf } from '../../reports/render-pdf.ts'
import { monthOf, previousMonth, ReportMonthSchema } from '../../reports/report-month.ts'
import { LanguageSchema } from '../../routing/people.ts'
import { requireRole } from '../api-auth.ts'
import { ErrorSchema } from '../error-handler.ts'

const ReportQuery = z.object({
  month: ReportMonthSchema.optional().describe('YYYY-MM in the fleet\'s time zone; default: the month before this one'),
  format: z.enum(['json', 'csv', 'pdf']).default('json').describe('json (default), csv or pdf'),
  lang: LanguageSchema.default('bg').describe('Language of the CSV headings and the PDF: bg (default) or en')
})

export interface ReportRoutesOptions {
  reports: ReadinessReportSource
  templates: MessageTemplates
  fleetName: string
  timeZone: string
  clock: Clock
}

const CONTENT_TYPE = { csv: 'text/csv; charset=utf-8', pdf: 'application/pdf' } as const

/** The monthly readiness report, for viewers and above (docs/reports.md). */
export const reportRoutes: FastifyPluginAsync<ReportRoutesOptions> = async (app, { reports, templates, fleetName, timeZone, clock }) => {
  const api = app.withTypeProvider<ZodTypeProvider>()
  api.get('/reports/readiness', {
    onRequest: requireRole('viewer'),
    schema: {
      summary: 'The monthly readiness report per site and cabinet: share of time ready, downtime by cause, alerts, time to acknowledge, post-use inspections, expiring consumables; JSON, CSV (text/csv) or PDF (application/pdf)',
      querystring: ReportQuery,
      response: { 200: ReadinessReportSchema, 400: ErrorSchema, 503: ErrorSchema }
    }
  }, async (request, reply) => {
    const { format, lang } = request.query
    const month = request.query.month ?? previousMonth(monthOf(clock.now(), timeZone))
    let report
    try {
      report = await reports.report(month)
    } catch (err) {
      if (err instanceof MonthNotBegunError) return reply.code(400).send({ error: 'bad_request', message: err.message })
      if (err instanceof ReportHistoryError) {
        request.log.error({ err, month }, 'readiness report failed')
        return reply.code(503).send({ error: 'unavailable', message: `the readiness history cannot be read now; try again later (month ${month})` })
      }
      throw err
    }
    if (format === 'json') return report
    const file = `aed-readiness-${month}-${lang}.${format}`
    // A string or Buffer with a non-JSON content type is sent as it is: the 200 schema describes the JSON form only.
    const raw = reply.header('content-type', CONTENT_TYPE[format]).header('content-disposition', `attachment; filename="${file}"`) as FastifyReply
    return raw.send(format === 'csv' ? renderReadinessCsv(report, lang, templates) : await renderReadinessPdf(report, fleetName, lang, templates))
  })
}
