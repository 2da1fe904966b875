import type { FleetCabinet } from '@aed/core/fleet'
import type { Alert, AlertFacts, AlertStatus } from '../alerts/alert.ts'
import { formatTime } from '../time-zone.ts'
import type { LanguageTemplates } from './message-templates.ts'
import { mapLink } from './map-link.ts'

/** One line of the facts about an alert, as the email and the ack page show them. */
export interface DetailRow {
  label: string
  value: string
  /** Makes the value a link. */
  href?: string | undefined
}

export interface DetailOptions {
  timeZone?: string | undefined
  /** Overrides the alert's status, e.g. resolved for the all-clear. */
  status?: AlertStatus | undefined
}

/** Severity, status, where the cabinet is (with a map link), when it started, and the alert's facts. */
export function alertDetails (texts: LanguageTemplates, alert: Alert, cabinet: FleetCabinet, options: DetailOptions = {}): DetailRow[] {
  const { lat, lon } = cabinet.coordinates
  const rows: DetailRow[] = [
    { label: texts.labels.severity, value: texts.severity[alert.severity] },
    { label: texts.labels.status, value: texts.status[options.status ?? alert.status] },
    { label: texts.labels.site, value: cabinet.site.name },
    { label: texts.labels.address, value: `${cabinet.site.address}, ${cabinet.site.city}` },
    { label: texts.labels.location, value: cabinet.location },
    { label: texts.labels.cabinet, value: cabinet.model === undefined ? cabinet.id : `${cabinet.id} (${cabinet.model})` },
    { label: texts.labels.openedAt, value: formatTime(alert.openedAt, texts.locale, options.timeZone) },
    { label: texts.labels.map, value: `${lat}, ${lon}`, href: mapLink(cabinet.coordinates) }
  ]
  return [...rows, ...factRows(texts, alert.facts, options.timeZone)]
}

function factRows (texts: LanguageTemplates, facts: AlertFacts, timeZone: string | undefined): DetailRow[] {
  return Object.entries(facts).map(([key, value]) => ({
    label: texts.facts[key] ?? key,
    value: formatFact(texts, value, timeZone)
  }))
}

function formatFact (texts: LanguageTemplates, value: string | number | boolean, timeZone: string | undefined): string {
  if (typeof value === 'boolean') return value ? texts.labels.yes : texts.labels.no
  if (typeof value === 'number') return new Intl.NumberFormat(texts.locale, { maximumFractionDigits: 1 }).format(value)
  if (/^\d{4}-\d{2}-\d{2}T/.test(value)) return formatTime(value, texts.locale, timeZone)
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    // A calendar date has no time zone: read and print it as UTC so it stays the same day.
    return new Intl.DateTimeFormat(texts.locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${value}T00:00:00Z`))
  }
  return texts.factValues[value] ?? value
}
