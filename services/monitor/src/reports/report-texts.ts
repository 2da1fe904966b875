import type { Language } from '../routing/people.ts'
import type { DowntimeKind, NotReadyCause } from './readiness-report.ts'

/**
 * The words of the readiness report in each language. Alert kinds are named
 * by the message templates (templates/<language>/messages.yaml, `kinds`), so
 * a kind reads the same in an SMS and in the report.
 */
export interface ReportTexts {
  title: string
  /** "Month so far" note for the current month. */
  incomplete: string
  period: string
  generatedAt: string
  fleet: string
  site: string
  cabinet: string
  location: string
  periodLength: string
  ready: string
  readyShare: string
  downtime: Record<DowntimeKind, string>
  notReadyCauses: Record<NotReadyCause, string>
  notReadyBy: string
  alerts: string
  noAlerts: string
  acknowledged: string
  unacknowledged: string
  ackMedian: string
  ackWorst: string
  inspectionsOpened: string
  inspectionsDone: string
  inspectionsOutstanding: string
  consumables: string
  noConsumables: string
  partHeading: string
  part: Record<'battery' | 'pads', string>
  expires: string
  daysLeft: string
  expired: string
  /** Units of durations: days, hours, minutes, seconds. */
  units: { d: string, h: string, min: string, s: string }
  footnote: string
}

export const REPORT_TEXTS: Record<Language, ReportTexts> = {
  bg: {
    title: 'Месечен отчет за готовността на АЕД',
    incomplete: 'Текущ месец: данните са до момента на изготвяне на отчета.',
    period: 'Период',
    generatedAt: 'Изготвен',
    fleet: 'Общо',
    site: 'Обект',
    cabinet: 'Шкаф',
    location: 'Място',
    periodLength: 'Продължителност на периода',
    ready: 'В готовност',
    readyShare: 'Дял на времето в готовност',
    downtime: {
      offline: 'Без връзка',
      not_ready: 'Неготов',
      in_use: 'В употреба (отворена врата)',
      maintenance: 'Поддръжка',
      unknown: 'Без данни от шкафа',
      no_data: 'Без наблюдение'
    },
    notReadyCauses: {
      selftest_failed: 'неуспешен самотест',
      pads_expired: 'изтекли електроди',
      battery_expired: 'изтекла батерия',
      battery_critical: 'изтощена батерия',
      temperature: 'температура извън обхвата',
      other: 'друга причина'
    },
    notReadyBy: 'Неготов по причини',
    alerts: 'Сигнали по вид',
    noAlerts: 'няма',
    acknowledged: 'Потвърдени сигнали',
    unacknowledged: 'Непотвърдени сигнали',
    ackMedian: 'Време до потвърждение (медиана)',
    ackWorst: 'Време до потвърждение (най-дълго)',
    inspectionsOpened: 'Проверки след употреба: открити',
    inspectionsDone: 'Проверки след употреба: извършени',
    inspectionsOutstanding: 'Проверки след употреба: неизвършени',
    consumables: 'Консумативи с изтичащ срок (до 90 дни)',
    noConsumables: 'Няма консумативи, които изтичат до 90 дни.',
    partHeading: 'Консуматив',
    part: { battery: 'батерия', pads: 'електроди' },
    expires: 'Изтича на',
    daysLeft: 'Оставащи дни',
    expired: 'изтекъл',
    units: { d: 'д', h: 'ч', min: 'мин', s: 'с' },
    footnote: 'Как се изчислява всяка стойност: docs/reports.md. Времето е в часовата зона на мрежата.'
  },
  en: {
    title: 'Monthly AED readiness report',
    incomplete: 'Current month: the figures cover the month up to when the report was made.',
    period: 'Period',
    generatedAt: 'Made',
    fleet: 'Total',
    site: 'Site',
    cabinet: 'Cabinet',
    location: 'Location',
    periodLength: 'Length of the period',
    ready: 'Ready',
    readyShare: 'Share of time ready',
    downtime: {
      offline: 'Offline',
      not_ready: 'Not ready',
      in_use: 'In use (door open)',
      maintenance: 'Maintenance',
      unknown: 'Never heard from',
      no_data: 'Not monitored'
    },
    notReadyCauses: {
      selftest_failed: 'self-test failed',
      pads_expired: 'pads expired',
      battery_expired: 'battery expired',
      battery_critical: 'battery flat',
      temperature: 'temperature out of range',
      other: 'other cause'
    },
    notReadyBy: 'Not ready by cause',
    alerts: 'Alerts by kind',
    noAlerts: 'none',
    acknowledged: 'Alerts acknowledged',
    unacknowledged: 'Alerts not acknowledged',
    ackMedian: 'Time to acknowledge (median)',
    ackWorst: 'Time to acknowledge (longest)',
    inspectionsOpened: 'Post-use inspections opened',
    inspectionsDone: 'Post-use inspections done',
    inspectionsOutstanding: 'Post-use inspections outstanding',
    consumables: 'Consumables expiring (within 90 days)',
    noConsumables: 'No consumables expire within 90 days.',
    partHeading: 'Part',
    part: { battery: 'battery', pads: 'pads' },
    expires: 'Expires on',
    daysLeft: 'Days left',
    expired: 'expired',
    units: { d: 'd', h: 'h', min: 'min', s: 's' },
    footnote: 'How each figure is computed: docs/reports.md. Times are in the fleet\'s time zone.'
  }
}

/** A duration for people: "2 д 3 ч 20 мин", "12 мин 30 с", "45 с"; whole minutes from an hour up. */
export function formatDuration (seconds: number, units: ReportTexts['units']): string {
  if (seconds < 3600) {
    const whole = Math.round(seconds)
    const m = Math.floor(whole / 60)
    const s = whole % 60
    return [m > 0 ? `${m} ${units.min}` : '', s > 0 || m === 0 ? `${s} ${units.s}` : ''].filter(p => p !== '').join(' ')
  }
  const minutes = Math.round(seconds / 60)
  const d = Math.floor(minutes / 1440)
  const h = Math.floor((minutes % 1440) / 60)
  const m = minutes % 60
  const parts = [d > 0 ? `${d} ${units.d}` : '', d > 0 || h > 0 ? `${h} ${units.h}` : '', `${m} ${units.min}`]
  return parts.filter(p => p !== '').join(' ')
}

/** A share as a percentage in the language's way of writing numbers: "92,86 %" / "92.86%". */
export function formatShare (share: number, locale: string): string {
  return new Intl.NumberFormat(locale, { style: 'percent', minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(share)
}

/** The month's name for a heading: "ноември 2026 г." / "November 2026". */
export function formatMonth (fromIso: string, locale: string, timeZone: string): string {
  // Noon on the 1st: the month's own name whatever the zone.
  return new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone }).format(Date.parse(fromIso) + 12 * 3_600_000)
}
