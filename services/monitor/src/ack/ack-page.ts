import type { FleetCabinet } from '@aed/core/fleet'
import type { Alert, Severity } from '../alerts/alert.ts'
import type { Language } from '../routing/people.ts'
import type { LanguageTemplates, MessageTemplates } from '../messages/message-templates.ts'
import { alertDetails } from '../messages/alert-details.ts'
import { escapeHtml as e } from '../messages/escape-html.ts'
import { formatTime } from '../time-zone.ts'
import { fillPlaceholders } from '../messages/placeholders.ts'

/**
 * The pages behind an acknowledgement link: small, self-contained (inline
 * CSS, no scripts, no images, nothing fetched), readable on a phone in the
 * street, and usable without JavaScript: the button is a plain form POST to
 * the page's own URL.
 */

/**
 * What the pages may do in a browser, as a Content-Security-Policy: their
 * own inline style and posting the form back to themselves; no scripts,
 * images, fonts or fetches, no <base>, no framing. No upgrade-insecure-requests:
 * behind plain HTTP (a test, a LAN) the form must post back as it came.
 */
export const ACK_PAGE_CSP = {
  defaultSrc: ["'none'"],
  styleSrc: ["'unsafe-inline'"],
  formAction: ["'self'"],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"]
}

const COLOUR: Record<Severity | 'resolved', string> = { critical: '#b71c1c', warning: '#e65100', info: '#0d47a1', resolved: '#1b5e20' }

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:17px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1a1a1a;background:#f2f2f2}
main{max-width:34rem;margin:0 auto;padding:1rem;background:#fff;min-height:100vh;border-top:.4rem solid var(--c)}
h1{font-size:1.4rem;line-height:1.25;margin:.25rem 0 .75rem;color:var(--c)}
.badge{display:inline-block;padding:.1rem .6rem;border-radius:1rem;background:var(--c);color:#fff;font-size:.85rem;font-weight:700}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem .8rem;margin:1rem 0}
dt{color:#555}dd{margin:0;overflow-wrap:anywhere}
a{color:#0d47a1}
button,.call{display:block;width:100%;padding:1rem;border:0;border-radius:.4rem;font:inherit;font-weight:700;font-size:1.15rem;text-align:center;text-decoration:none;cursor:pointer}
button{background:var(--c);color:#fff}
.call{background:#fff;color:#b71c1c;border:.15rem solid #b71c1c;margin:1rem 0}
.state{padding:.8rem 1rem;border-radius:.4rem;background:#e8f5e9;color:#1b5e20;font-weight:700}
.hint{color:#555;font-size:.9rem}
`.trim()

export type AlertPageNotice = 'none' | 'acknowledged_now'

export interface AlertPageInput {
  texts: LanguageTemplates
  alert: Alert
  cabinet: FleetCabinet
  /** The person the link belongs to. */
  personId: string
  personName?: string | undefined
  /** Name of whoever acknowledged the alert, if anyone. */
  acknowledgedByName?: string | undefined
  timeZone?: string | undefined
}

export function renderAlertPage (input: AlertPageInput): string {
  const { texts, alert, cabinet } = input
  const kind = texts.kinds[alert.kind]
  const colour = alert.status === 'resolved' ? COLOUR.resolved : COLOUR[alert.severity]
  const where = { site: cabinet.site.name, address: cabinet.site.address, city: cabinet.site.city, location: cabinet.location, cabinet: cabinet.id }
  const rows = alertDetails(texts, alert, cabinet, { timeZone: input.timeZone }).map(row => {
    const value = row.href === undefined ? e(row.value) : `<a href="${e(row.href)}" rel="noreferrer">${e(row.value)}</a>`
    return `<dt>${e(row.label)}</dt><dd>${value}</dd>`
  }).join('')
  const greeting = input.personName === undefined ? '' : `<p>${e(fillPlaceholders(texts.page.greeting, { name: input.personName }))}</p>`
  const call112 = alert.kind === 'door_open' && alert.status !== 'resolved' ? `<a class="call" href="tel:112">${e(texts.page.call112)}</a>` : ''

  const body = `${greeting}
<span class="badge">${e(texts.severity[alert.severity])}</span>
<h1>${e(kind.title)}</h1>
<p>${e(fillPlaceholders(kind.text, where))}</p>
${call112}
${stateSection(input)}
<dl>${rows}</dl>`
  return page(texts.language, `${texts.page.title}: ${kind.title}`, colour, body)
}

function stateSection ({ texts, alert, personId, acknowledgedByName, timeZone }: AlertPageInput): string {
  const time = (iso: string | undefined): string => iso === undefined ? '' : formatTime(iso, texts.locale, timeZone)
  switch (alert.status) {
    case 'open':
      return `<form method="post"><button type="submit">${e(texts.page.acknowledgeButton)}</button></form>
<p class="hint">${e(texts.page.acknowledgeHint)}</p>`
    case 'acknowledged': {
      const text = alert.acknowledgedBy === personId
        ? fillPlaceholders(texts.page.acknowledgedByYou, { time: time(alert.acknowledgedAt) })
        : fillPlaceholders(texts.page.acknowledgedBy, { name: acknowledgedByName ?? alert.acknowledgedBy ?? '?', time: time(alert.acknowledgedAt) })
      return `<p class="state" role="status">${e(text)}</p>`
    }
    case 'resolved':
      return `<p class="state" role="status">${e(fillPlaceholders(texts.page.resolved, { time: time(alert.resolvedAt) }))}</p>`
  }
}

export type ProblemKind = 'expired' | 'invalid' | 'not_found' | 'failed' | 'too_many'

/**
 * A page saying why the link does not work. Without a trustworthy person
 * (an invalid link) it speaks every language.
 */
export function renderProblemPage (templates: MessageTemplates, problem: ProblemKind, language?: Language, retryAfterS?: number): string {
  const languages: Language[] = language === undefined ? ['bg', 'en'] : [language]
  const body = languages.map(lang => {
    const { title, text } = problemTexts(templates[lang], problem, retryAfterS)
    return `<section lang="${lang}"><h1>${e(title)}</h1><p>${e(text)}</p></section>`
  }).join('\n')
  const first = templates[languages[0] ?? 'bg']
  return page(first.language, problemTexts(first, problem).title, '#555555', body)
}

function problemTexts (texts: LanguageTemplates, problem: ProblemKind, retryAfterS = 60): { title: string, text: string } {
  switch (problem) {
    case 'expired': return { title: texts.page.expiredTitle, text: texts.page.expiredText }
    case 'invalid': return { title: texts.page.invalidTitle, text: texts.page.invalidText }
    case 'not_found': return { title: texts.page.notFoundTitle, text: texts.page.notFoundText }
    case 'failed': return { title: texts.page.failedTitle, text: texts.page.failedText }
    case 'too_many': return { title: texts.page.tooManyTitle, text: fillPlaceholders(texts.page.tooManyText, { seconds: String(retryAfterS) }) }
  }
}

function page (language: Language, title: string, colour: string, body: string): string {
  return `<!doctype html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex,nofollow">
<title>${e(title)}</title>
<style>${CSS}</style>
</head>
<body><main style="--c:${colour}">
${body}
</main></body>
</html>
`
}
