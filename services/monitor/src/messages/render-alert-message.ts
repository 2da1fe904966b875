import type { FleetCabinet } from '@aed/core/fleet'
import type { Alert, Severity } from '../alerts/alert.ts'
import type { Language, Person } from '../routing/people.ts'
import { DEFAULT_TIME_ZONE, formatTime } from '../time-zone.ts'
import { alertDetails, type DetailRow } from './alert-details.ts'
import { allClearWords, formatMinutes, renderAlertSms } from './alert-sms.ts'
import { escapeHtml } from './escape-html.ts'
import { eventTiming, timingSentence } from './event-timing.ts'
import type { LanguageTemplates, MessageStep, MessageTemplates } from './message-templates.ts'
import { siteAndAddress } from './place.ts'
import { fillPlaceholders } from './placeholders.ts'
import type { RenderedMessage } from './rendered-message.ts'

export interface AlertMessageInput {
  alert: Alert
  cabinet: FleetCabinet
  /** The recipient: their language and name. Without one, `language` or Bulgarian. */
  person?: Person | undefined
  language?: Language | undefined
  step: MessageStep
  /** This person's acknowledgement link (ack/signed-link.ts). */
  ackUrl: string
  /**
   * Not used: the email links the dashboard only through `dashboardUrl`
   * (the root of PUBLIC_URL is the public availability page, not the
   * operators' view). Kept so that callers passing it still compile.
   * @deprecated pass `dashboardUrl`
   */
  publicUrl?: string | undefined
  /** The Grafana fleet overview (DASHBOARD_URL), linked from the email; without it the email has no dashboard link. */
  dashboardUrl?: string | undefined
  /** Times are shown in this zone (default Europe/Sofia, the fleet's). */
  timeZone?: string | undefined
  /** Two UCS-2 parts hold 134 characters: see docs/notifications.md. */
  maxSmsSegments?: number | undefined
  /**
   * Escalated step: the minutes the people before had to acknowledge
   * (escalation.ackTimeoutMinutes). The SMS and the email then say that
   * nobody answered in that time ("Без отговор 5 мин: …").
   */
  ackTimeoutMinutes?: number | undefined
  /**
   * When the event happened, epoch ms, by the cabinet's clock (the door
   * opening, the failed self-test). With `reportedAtMs` it tells a late
   * report; in the all-clear it is where the duration starts.
   */
  occurredAtMs?: number | undefined
  /**
   * When the monitor received the report of it, epoch ms. Reported 60 s or
   * more after `occurredAtMs`, the message says when it happened and how late
   * it was reported ("отворен в 14:02, съобщено с 3 мин закъснение").
   */
  reportedAtMs?: number | undefined
  /**
   * When the event was over, epoch ms, if it already is when the message goes
   * out (a door that was closed again before its opening was reported): the
   * message says so ("вече затворен в 14:03"). In the all-clear it is where
   * the duration ends.
   */
  endedAtMs?: number | undefined
}

const SEVERITY_COLOUR: Record<Severity, string> = { critical: '#b71c1c', warning: '#e65100', info: '#0d47a1' }
const RESOLVED_COLOUR = '#1b5e20'

export function renderAlertMessage (templates: MessageTemplates, input: AlertMessageInput): RenderedMessage {
  const language = input.person?.language ?? input.language ?? 'bg'
  const texts = templates[language]
  const { alert, cabinet, step } = input
  const timeZone = input.timeZone ?? DEFAULT_TIME_ZONE
  const kind = texts.kinds[alert.kind]
  const stepTexts = texts.steps[step]
  const where = { site: cabinet.site.name, address: cabinet.site.address, city: cabinet.site.city, location: cabinet.location, cabinet: cabinet.id }
  const timing = step === 'resolved' ? {} : eventTiming(texts, alert, input, timeZone)

  const smsText = renderAlertSms(texts, { ...input, maxSmsSegments: input.maxSmsSegments ?? 2 }, timing)

  const emailSubject = fillPlaceholders(stepTexts.subject, {
    severity: texts.severity[alert.severity],
    title: kind.title,
    place: siteAndAddress(cabinet.site),
    site: cabinet.site.name,
    cabinet: cabinet.id
  })

  const email: EmailContent = {
    language,
    subject: emailSubject,
    greeting: input.person === undefined ? undefined : fillPlaceholders(texts.labels.greeting, { name: input.person.name }),
    intro: emailIntro(texts, input, timeZone),
    update: step === 'resolved' ? allClear(texts, input) : timingSentence(texts.locale, timing.when, timing.over),
    title: kind.title,
    explanation: fillPlaceholders(kind.text, where),
    details: alertDetails(texts, alert, cabinet, { timeZone, status: step === 'resolved' ? 'resolved' : undefined }),
    action: {
      label: step !== 'resolved' && alert.status === 'open' ? texts.labels.acknowledge : texts.labels.viewAlert,
      href: input.ackUrl
    },
    dashboard: input.dashboardUrl === undefined ? undefined : { label: texts.labels.dashboard, href: input.dashboardUrl },
    footer: texts.labels.footer,
    colour: step === 'resolved' ? RESOLVED_COLOUR : SEVERITY_COLOUR[alert.severity]
  }

  return { smsText, emailSubject, emailText: emailText(email, texts), emailHtml: emailHtml(email) }
}

/** Why this email comes: the escalation says who did not answer and for how long. */
function emailIntro (texts: LanguageTemplates, input: AlertMessageInput, timeZone: string): string | undefined {
  const values = {
    openedAt: formatTime(input.alert.openedAt, texts.locale, timeZone),
    title: texts.kinds[input.alert.kind].title,
    level: String(input.alert.escalationLevel)
  }
  if (input.step === 'escalated') {
    const { intro, introWithoutTimeout } = texts.steps.escalated
    return input.ackTimeoutMinutes === undefined
      ? fillPlaceholders(introWithoutTimeout, values)
      : fillPlaceholders(intro, { ...values, minutes: formatMinutes(input.ackTimeoutMinutes, texts.locale) })
  }
  const intro = texts.steps[input.step].intro
  return intro === undefined ? undefined : fillPlaceholders(intro, values)
}

/** The all-clear in full, as the SMS says it when it has room. */
function allClear (texts: LanguageTemplates, input: AlertMessageInput): string {
  const { message, next } = allClearWords(texts, input.alert, input)
  return [message(siteAndAddress(input.cabinet.site)), next].filter(part => part !== undefined).join(' ')
}

interface Link { label: string, href: string }

interface EmailContent {
  language: Language
  subject: string
  greeting: string | undefined
  intro: string | undefined
  /** When a late or already-over event happened; for the all-clear, how long it lasted. */
  update: string | undefined
  title: string
  explanation: string
  details: DetailRow[]
  action: Link
  dashboard: Link | undefined
  footer: string
  colour: string
}

function emailText (email: EmailContent, texts: LanguageTemplates): string {
  const width = Math.max(...email.details.map(row => row.label.length))
  const lines = [
    ...(email.greeting === undefined ? [] : [email.greeting, '']),
    ...(email.intro === undefined ? [] : [email.intro, '']),
    ...(email.update === undefined ? [] : [email.update, '']),
    email.title.toLocaleUpperCase(texts.locale),
    email.explanation,
    '',
    ...email.details.map(row => `${`${row.label}:`.padEnd(width + 2)}${row.href === undefined ? row.value : row.href}`),
    '',
    `${email.action.label}: ${email.action.href}`,
    ...(email.dashboard === undefined ? [] : [`${email.dashboard.label}: ${email.dashboard.href}`]),
    '',
    '-- ',
    email.footer
  ]
  return lines.join('\n') + '\n'
}

// Email clients ignore <style> blocks and external CSS unevenly: inline styles only.
function emailHtml (email: EmailContent): string {
  const e = escapeHtml
  const paragraph = (text: string | undefined, style = 'margin:0 0 12px'): string =>
    text === undefined ? '' : `<p style="${style}">${e(text)}</p>`
  const rows = email.details.map(row => {
    const value = row.href === undefined ? e(row.value) : `<a href="${e(row.href)}" style="color:#0d47a1">${e(row.value)}</a>`
    return `<tr><th align="left" valign="top" style="padding:4px 12px 4px 0;font-weight:normal;color:#555;white-space:nowrap">${e(row.label)}</th><td style="padding:4px 0">${value}</td></tr>`
  }).join('')
  const dashboard = email.dashboard === undefined
    ? ''
    : `<p style="margin:0 0 12px"><a href="${e(email.dashboard.href)}" style="color:#0d47a1">${e(email.dashboard.label)}</a></p>`
  return `<!doctype html>
<html lang="${email.language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${e(email.subject)}</title></head>
<body style="margin:0;padding:16px;background:#f2f2f2;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.45;color:#1a1a1a">
<div style="max-width:600px;margin:0 auto;background:#ffffff;border-top:6px solid ${email.colour};padding:20px">
${paragraph(email.greeting)}${paragraph(email.intro, 'margin:0 0 12px;font-weight:bold')}${paragraph(email.update, 'margin:0 0 12px;font-weight:bold')}
<h1 style="margin:0 0 12px;font-size:20px;color:${email.colour}">${e(email.title)}</h1>
${paragraph(email.explanation)}
<table role="presentation" cellpadding="0" cellspacing="0" style="border-collapse:collapse;margin:0 0 16px">${rows}</table>
<p style="margin:0 0 16px"><a href="${e(email.action.href)}" style="display:inline-block;background:${email.colour};color:#ffffff;text-decoration:none;font-weight:bold;padding:12px 20px;border-radius:4px">${e(email.action.label)}</a></p>
${dashboard}<p style="margin:16px 0 0;font-size:12px;color:#666">${e(email.footer)}</p>
</div>
</body></html>
`
}
