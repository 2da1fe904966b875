import type { FleetCabinet } from '@aed/core/fleet'
import type { Alert } from '../alerts/alert.ts'
import { alertDurationMs, formatDuration, sentence, timingSentence, type EventTimes, type EventTiming } from './event-timing.ts'
import type { LanguageTemplates, MessageStep } from './message-templates.ts'
import { joinPlace, siteShortName } from './place.ts'
import { fillPlaceholders } from './placeholders.ts'
import { fitSms, type SmsParts } from './sms-fit.ts'

export interface AlertSmsInput extends EventTimes {
  alert: Alert
  cabinet: FleetCabinet
  step: MessageStep
  ackUrl: string
  ackTimeoutMinutes?: number | undefined
  maxSmsSegments: number
}

/**
 * The SMS for one step, within its budget: the step's frame (the link, the
 * escalation's "no answer"), what happened and where, the spot in the
 * building, when it happened if late or over, and what to do; the all-clear
 * says how long it lasted and what comes next. sms-fit.ts decides what gives
 * way when it does not fit.
 */
export function renderAlertSms (texts: LanguageTemplates, input: AlertSmsInput, timing: EventTiming): string {
  const { alert, cabinet } = input
  const kind = texts.kinds[alert.kind]
  const site = { site: siteShortName(cabinet.site), address: cabinet.site.address }
  const frame = smsFrame(texts, input)
  const join = (...sentences: Array<string | undefined>): string => frame(sentences.filter(s => s !== undefined && s !== '').join(' '))

  if (input.step === 'resolved') {
    const allClear = allClearWords(texts, alert, input)
    return fitSms(
      parts => join(allClear.message(joinPlace(parts.site, parts.address)), parts.action),
      { ...site, action: allClear.next },
      input.maxSmsSegments
    )
  }

  const parts: SmsParts = { ...site, spot: cabinet.location, action: kind.action, ...timing }
  return fitSms(
    parts => join(
      fillPlaceholders(kind.sms, { place: joinPlace(parts.site, parts.address) }),
      parts.spot === undefined ? undefined : sentence(parts.spot, texts.locale),
      timingSentence(texts.locale, parts.when, parts.over),
      parts.action
    ),
    parts,
    input.maxSmsSegments
  )
}

/**
 * The all-clear: how long it lasted and where ("Шкафът с АЕД е затворен след
 * 12 мин: {place}."), and what comes next. The next step (door_open: the
 * inspection task) follows only from a condition that cleared by itself, not
 * from an alert a person closed.
 */
export function allClearWords (texts: LanguageTemplates, alert: Alert, times: EventTimes): { message: (place: string) => string, next: string | undefined } {
  const kind = texts.kinds[alert.kind]
  const duration = formatDuration(texts, alertDurationMs(alert, times))
  const clearedBySystem = alert.resolvedBy === undefined || alert.resolvedBy === 'system'
  return {
    message: place => fillPlaceholders(kind.resolved, { place, duration }),
    next: clearedBySystem && kind.resolvedNext !== undefined ? sentence(kind.resolvedNext, texts.locale) : undefined
  }
}

/** The step's own words around the message: the link, and for an escalation that nobody answered. */
function smsFrame (texts: LanguageTemplates, input: AlertSmsInput): (message: string) => string {
  const steps = texts.steps
  switch (input.step) {
    case 'escalated': {
      const minutes = input.ackTimeoutMinutes
      return minutes === undefined
        ? message => fillPlaceholders(steps.escalated.smsWithoutTimeout, { message, ackUrl: input.ackUrl })
        : message => fillPlaceholders(steps.escalated.sms, { message, ackUrl: input.ackUrl, minutes: formatMinutes(minutes, texts.locale) })
    }
    case 'resolved':
      return message => fillPlaceholders(steps.resolved.sms, { message })
    default:
      return message => fillPlaceholders(steps[input.step].sms, { message, ackUrl: input.ackUrl })
  }
}

/** A configured number of minutes as people write it: "5", "2,5". */
export function formatMinutes (minutes: number, locale: string): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(minutes)
}
