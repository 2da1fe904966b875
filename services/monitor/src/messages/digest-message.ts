import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { validateYaml } from '@aed/core/validated-input'
import { z } from 'zod'
import type { Alert } from '../alerts/alert.ts'
import type { TrackedCabinet } from '../state/fleet-state.ts'
import { LanguageSchema, type Language, type Person } from '../routing/people.ts'
import { formatTime } from '../time-zone.ts'
import { escapeHtml } from './escape-html.ts'
import { TemplateError, TEMPLATES_DIR, text, type MessageTemplates } from './message-templates.ts'
import { fillPlaceholders } from './placeholders.ts'
import type { RenderedMessage } from './rendered-message.ts'

const LINE = ['cabinet', 'site', 'location', 'date'] as const

const DigestTemplatesSchema = z.strictObject({
  subject: text({ allowed: ['date', 'count'] }),
  intro: text({ allowed: ['name'] }),
  expiringHeading: text(),
  expiredHeading: text(),
  alertsHeading: text(),
  padsLine: text({ allowed: [...LINE, 'days'] }),
  padsExpiredLine: text({ allowed: LINE }),
  batteryLine: text({ allowed: [...LINE, 'days'] }),
  batteryExpiredLine: text({ allowed: LINE }),
  alertLine: text({ allowed: ['cabinet', 'site', 'title', 'since', 'status'] }),
  /** The link to last month's readiness report, and that it needs a viewer token. */
  reportLine: text({ required: ['url'], allowed: ['month', 'url'] }),
  footer: text()
})
export type DigestTemplates = Record<Language, z.infer<typeof DigestTemplatesSchema>>

export const DIGEST_TEMPLATE_FILE = 'digest.yaml'

/** Reads and validates templates/<language>/digest.yaml for every language; throws one TemplateError listing every problem. */
export async function loadDigestTemplates (dir = TEMPLATES_DIR): Promise<DigestTemplates> {
  const problems: string[] = []
  const parsed: Partial<DigestTemplates> = {}
  for (const language of LanguageSchema.options) {
    const file = join(dir, language, DIGEST_TEMPLATE_FILE)
    let source: string
    try {
      source = await readFile(file, 'utf8')
    } catch (err) {
      problems.push(`${file}: cannot read: ${(err as Error).message}`)
      continue
    }
    const result = validateYaml(DigestTemplatesSchema, source)
    if (result.ok) parsed[language] = result.value
    else problems.push(...result.problems.map(problem => `${file}: ${problem}`))
  }
  if (problems.length > 0) throw new TemplateError(problems)
  return parsed as DigestTemplates
}

export interface DigestItem {
  cabinet: TrackedCabinet
  part: 'pads' | 'battery'
  expires: string
  daysLeft: number
}

export interface DigestInput {
  person: Person
  date: string
  items: readonly DigestItem[]
  alerts: ReadonlyArray<{ alert: Alert, cabinet: TrackedCabinet }>
  timeZone: string
  /** Last month's readiness report: the month (YYYY-MM) and its API address. */
  report?: { month: string, url: string } | undefined
}

/** The daily email to a facility manager: expiring and expired consumables, and open alerts and tasks. */
export function renderDigest (texts: DigestTemplates, messages: MessageTemplates, input: DigestInput): RenderedMessage {
  const t = texts[input.person.language]
  const m = messages[input.person.language]
  const place = (c: TrackedCabinet) => ({ cabinet: c.definition.id, site: c.definition.site.name, location: c.definition.location })
  const line = (item: DigestItem): string => fillPlaceholders(
    item.daysLeft < 0 ? (item.part === 'pads' ? t.padsExpiredLine : t.batteryExpiredLine) : (item.part === 'pads' ? t.padsLine : t.batteryLine),
    { ...place(item.cabinet), date: item.expires, days: String(item.daysLeft) })
  const expired = input.items.filter(i => i.daysLeft < 0).map(line)
  const expiring = input.items.filter(i => i.daysLeft >= 0).map(line)
  const alerts = input.alerts.map(({ alert, cabinet }) => fillPlaceholders(t.alertLine, {
    cabinet: cabinet.definition.id,
    site: cabinet.definition.site.name,
    title: m.kinds[alert.kind].title,
    since: formatTime(alert.openedAt, m.locale, input.timeZone),
    status: m.status[alert.status]
  }))
  const sections: Array<[string, string[]]> = [[t.expiredHeading, expired], [t.expiringHeading, expiring], [t.alertsHeading, alerts]]
  const present = sections.filter(([, lines]) => lines.length > 0)
  const intro = fillPlaceholders(t.intro, { name: input.person.name })
  const count = String(expired.length + expiring.length + alerts.length)
  const report = input.report === undefined ? undefined : fillPlaceholders(t.reportLine, { month: input.report.month, url: input.report.url })
  const emailText = [intro, '', ...present.flatMap(([heading, lines]) => [heading, ...lines.map(l => `- ${l}`), '']), ...(report === undefined ? [] : [report, '']), t.footer].join('\n')
  const emailHtml = `<!doctype html><html lang="${input.person.language}"><body><p>${escapeHtml(intro)}</p>` +
    present.map(([heading, lines]) => `<h3>${escapeHtml(heading)}</h3><ul>${lines.map(l => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`).join('') +
    (report === undefined ? '' : `<p>${escapeHtml(report)}</p>`) +
    `<p><small>${escapeHtml(t.footer)}</small></p></body></html>`
  const emailSubject = fillPlaceholders(t.subject, { date: input.date, count })
  return { smsText: emailSubject, emailSubject, emailText, emailHtml }
}
