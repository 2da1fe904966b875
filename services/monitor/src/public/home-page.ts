import { escapeHtml as e } from '../messages/escape-html.ts'
import { mapLink } from '../messages/map-link.ts'
import { formatTime } from '../time-zone.ts'
import type { PublicAvailability } from './public-availability.ts'
import type { PublicAed } from './public-aeds.ts'

/**
 * The public page at /: the published AEDs and whether each can be taken
 * now, in Bulgarian, for anyone who opens the service's address (alert
 * emails link to it too). Like the acknowledgement pages it is one
 * self-contained document: inline style, no scripts, images, fonts or
 * anything fetched from elsewhere, readable on a phone.
 */

/** What the page may do in a browser: its own inline style, nothing else; no forms, no <base>, no framing. */
export const HOME_PAGE_CSP = {
  defaultSrc: ["'none'"],
  styleSrc: ["'unsafe-inline'"],
  formAction: ["'none'"],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"]
}

export const AVAILABILITY_WORDS: Record<PublicAvailability, string> = {
  available: 'Наличен',
  in_use: 'В употреба',
  unavailable: 'Неналичен'
}

const ACCESS_WORDS = { yes: 'за всички', permissive: 'за всички, с разрешение на стопанина', customers: 'за клиенти и посетители', private: 'частен' } as const

const DAY_WORDS: Record<string, string> = { Mo: 'пн', Tu: 'вт', We: 'ср', Th: 'чт', Fr: 'пт', Sa: 'сб', Su: 'нд', PH: 'празници' }

/**
 * The supported opening_hours forms (core fleet/opening-hours.ts) in words:
 * "Mo-Fr 08:00-17:00; Su,PH off" → "пн–пт 08:00–17:00; нд, празници: затворено".
 */
export function openingHoursInBulgarian (hours: string): string {
  if (hours === '24/7') return 'денонощно'
  return hours.split(';').map(rule => rule.trim()
    .replace(/\b(Mo|Tu|We|Th|Fr|Sa|Su|PH)\b/g, day => DAY_WORDS[day] ?? day)
    .replace(/(\d\d:\d\d)-(\d\d:\d\d)/g, '$1–$2')
    .replace(/([а-я]{2})-([а-я]{2})/g, '$1–$2')
    .replace(/,/g, ', ')
    .replace(/ (off|closed)$|^(off|closed)$/, (_match, after?: string) => after === undefined ? 'затворено' : ': затворено')
  ).join('; ')
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:17px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1a1a1a;background:#f2f2f2}
main{max-width:40rem;margin:0 auto;padding:1rem;background:#fff;min-height:100vh}
h1{font-size:1.4rem;line-height:1.25;margin:.25rem 0 .75rem}
h2{font-size:1.15rem;margin:0 0 .4rem}
.call{display:block;padding:.8rem 1rem;border:.15rem solid #b71c1c;border-radius:.4rem;color:#b71c1c;font-weight:700;text-decoration:none;text-align:center;margin:1rem 0}
ul.aeds{list-style:none;margin:0;padding:0}
li.aed{border:1px solid #ddd;border-left:.4rem solid var(--c);border-radius:.4rem;padding:.8rem 1rem;margin:.8rem 0}
.available{--c:#1b5e20}.in_use{--c:#e65100}.unavailable{--c:#616161}
.availability{display:inline-block;padding:.1rem .7rem;border-radius:1rem;background:var(--c);color:#fff;font-weight:700}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .8rem;margin:.6rem 0}
dt{color:#555}dd{margin:0;overflow-wrap:anywhere}
a{color:#0d47a1}
.hint,footer{color:#555;font-size:.9rem}
`.trim()

export interface HomePageInput {
  /** The fleet's name, e.g. the municipality. */
  fleetName: string
  aeds: readonly PublicAed[]
  timeZone: string
  /** The path of the GeoJSON feed, linked for whoever wants the data. */
  feedPath: string
  /** The Grafana fleet overview (DASHBOARD_URL), if there is one. */
  dashboardUrl?: string | undefined
}

export function renderHomePage ({ fleetName, aeds, timeZone, feedPath, dashboardUrl }: HomePageInput): string {
  const items = aeds.map(aed => aedItem(aed, timeZone)).join('\n')
  const list = aeds.length === 0 ? '<p>Засега няма публикувани дефибрилатори.</p>' : `<ul class="aeds">\n${items}\n</ul>`
  const dashboard = dashboardUrl === undefined ? '' : ` · <a href="${e(dashboardUrl)}" rel="noreferrer">Табла на мониторинга (Grafana)</a>`
  return `<!doctype html>
<html lang="bg">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${e(`Дефибрилатори (АЕД) — ${fleetName}`)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>${e(`Автоматични външни дефибрилатори (АЕД) — ${fleetName}`)}</h1>
<a class="call" href="tel:112">При внезапен сърдечен арест: звънете на 112</a>
<p class="hint">Състоянието е към момента на зареждане на страницата: „Наличен“ — АЕД е в шкафа и е готов; „В употреба“ — шкафът е отворен; „Неналичен“ — не може да се разчита на него сега.</p>
${list}
<footer><p>Данни: <a href="${e(feedPath)}">GeoJSON</a>${dashboard}</p></footer>
</main>
</body>
</html>
`
}

function aedItem (aed: PublicAed, timeZone: string): string {
  const where = aed.indoor === undefined ? aed.location : `${aed.location} (${aed.indoor === 'yes' ? 'в сградата' : 'на открито'})`
  const rows: Array<[string, string]> = [
    ['Адрес', `${aed.address}, ${aed.city}`],
    ['Място', where],
    ['Достъп', ACCESS_WORDS[aed.access]]
  ]
  if (aed.openingHours !== undefined) rows.push(['Работно време', openingHoursInBulgarian(aed.openingHours)])
  rows.push(['Обновено', aed.updated === null ? 'няма данни' : formatTime(aed.updated, 'bg', timeZone)])
  const details = rows.map(([label, value]) => `<dt>${e(label)}</dt><dd>${e(value)}</dd>`).join('')
  return `<li class="aed ${aed.availability}">
<h2>${e(aed.name)}</h2>
<span class="availability">${e(AVAILABILITY_WORDS[aed.availability])}</span>
<dl>${details}</dl>
<a href="${e(mapLink(aed.coordinates))}" rel="noreferrer">Виж на картата</a>
</li>`
}

/** The answer over the rate limit, in Bulgarian. */
export function renderTooManyRequestsPage (retryAfterS: number): string {
  return `<!doctype html>
<html lang="bg">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Твърде много заявки</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>Твърде много заявки</h1>
<p>${e(`Опитайте отново след ${retryAfterS} секунди.`)}</p>
<a class="call" href="tel:112">При внезапен сърдечен арест: звънете на 112</a>
</main>
</body>
</html>
`
}
