import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import type { Alert } from '../alerts/alert.ts'
import type { TrackedCabinet } from '../state/fleet-state.ts'
import type { Language, Person } from '../routing/people.ts'
import { escapeHtml } from './escape-html.ts'
import { formatTime } from '../time-zone.ts'
import { TEMPLATES_DIR, type MessageTemplates } from './message-templates.ts'
import { fillPlaceholders } from './placeholders.ts'
import type { RenderedMessage } from './rendered-message.ts'

const DigestTemplatesSchema = z.strictObject({
  subject: z.string(),
  intro: z.string(),
  expiringHeading: z.string(),
  expiredHeading: z.string(),
  alertsHeading: z.string(),
  padsLine: z.string(),
  padsExpiredLine: z.string(),
  batteryLine: z.string(),
  batteryExpiredLine: z.string(),
  alertLine: z.string(),
  footer: z.string()
})
export type DigestTemplates = Record<Language, z.infer<typeof DigestTemplatesSchema>>

export async function loadDigestTemplates (dir = TEMPLATES_DIR): Promise<DigestTemplates> {
  const load = async (language: Language) => {
    const file = join(dir, language, 'digest.yaml')
    const parsed = DigestTemplatesSchema.safeParse(parseYaml(await readFile(file, 'utf8')))
    if (!parsed.success) throw new Error(`digest templates ${file} are invalid: ${parsed.error.message}`)
    return parsed.data
  }
  return { bg: await load('bg'), en: await load('en') }
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
  const emailText = [intro, '', ...present.flatMap(([heading, lines]) => [heading, ...lines.map(l => `- ${l}`), '']), t.footer].join('\n')
  const emailHtml = `<!doctype html><html lang="${input.person.language}"><body><p>${escapeHtml(intro)}</p>` +
    present.map(([heading, lines]) => `<h3>${escapeHtml(heading)}</h3><ul>${lines.map(l => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`).join('') +
    `<p><small>${escapeHtml(t.footer)}</small></p></body></html>`
  const emailSubject = fillPlaceholders(t.subject, { date: input.date, count })
  return { smsText: emailSubject, emailSubject, emailText, emailHtml }
}
