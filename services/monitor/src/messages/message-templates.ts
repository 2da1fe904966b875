import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { validateYaml } from '@aed/core/validated-input'
import { z } from 'zod'
import { AlertKindSchema, AlertStatusSchema, SeveritySchema } from '../alerts/alert.ts'
import { LanguageSchema, type Language } from '../routing/people.ts'
import { hasStrayBraces, placeholdersIn } from './placeholders.ts'

/**
 * The texts of alert messages and of the acknowledgement page live in
 * templates/<language>/messages.yaml, so that they can be reworded and
 * translated without touching code. This schema is their contract: which
 * texts must exist and which {{placeholders}} each may use. Problems in any
 * file are collected and reported together at start-up.
 */

/** The folder the service ships its templates in. */
export const TEMPLATES_DIR = fileURLToPath(new URL('../templates/', import.meta.url))
export const TEMPLATE_FILE = 'messages.yaml'

export const MessageStepSchema = z.enum(['opened', 'escalated', 'reminder', 'resolved'])
export type MessageStep = z.infer<typeof MessageStepSchema>

interface TextRule {
  allowed?: readonly string[]
  required?: readonly string[]
}

/** A non-empty text that may use only the `allowed` placeholders and must use the `required` ones. */
export function text ({ allowed = [], required = [] }: TextRule = {}): z.ZodString {
  const permitted = new Set([...allowed, ...required])
  return z.string().min(1).superRefine((value, ctx) => {
    for (const name of new Set(placeholdersIn(value))) {
      if (!permitted.has(name)) {
        const hint = permitted.size === 0 ? 'this text takes no placeholders' : `allowed here: ${[...permitted].map(p => `{{${p}}}`).join(', ')}`
        ctx.addIssue({ code: 'custom', message: `unknown placeholder {{${name}}} (${hint})` })
      }
    }
    const used = new Set(placeholdersIn(value))
    for (const name of required) {
      if (!used.has(name)) ctx.addIssue({ code: 'custom', message: `must contain {{${name}}}` })
    }
    if (hasStrayBraces(value)) ctx.addIssue({ code: 'custom', message: 'has a malformed placeholder: write {{name}}' })
  })
}

/** A record with exactly the keys of an enum, every one required. */
function everyKey<K extends string, V extends z.ZodType> (keys: readonly K[], value: V): z.ZodObject<Record<K, V>> {
  return z.strictObject(Object.fromEntries(keys.map(key => [key, value])) as Record<K, V>)
}

const KindTextsSchema = z.strictObject({
  /** Heading of the email and the page, and the subject's {{title}}. */
  title: text(),
  /** The SMS headline, what happened and where ({{place}}: short site name and address); one sentence. */
  sms: text({ required: ['place'] }),
  /** What to do, one short sentence, for the SMS; dropped when the SMS has no room for it. */
  action: text(),
  /** When it happened, for a late or already-over event ("отворен в {{time}}"); default `timing.happened`. */
  happened: text({ required: ['time'] }).optional(),
  /** That it is already over ("вече затворен в {{time}}"); default `timing.over`. */
  over: text({ required: ['time'] }).optional(),
  /** The email and page explanation: what happened and what to do. */
  text: text({ allowed: ['site', 'address', 'city', 'location', 'cabinet'] }),
  /** The all-clear, sent by SMS when the alert is resolved; {{duration}}: how long the alert was open. */
  resolved: text({ required: ['place'], allowed: ['duration'] }),
  /** What happens next, after the all-clear of an alert that cleared by itself (door_open: the inspection task). */
  resolvedNext: text().optional()
})

const SMS_STEP = text({ required: ['message', 'ackUrl'] })
const SUBJECT = text({ allowed: ['severity', 'title', 'place', 'site', 'cabinet'] })
const INTRO = text({ allowed: ['openedAt', 'title', 'level'] })

const StepsSchema = z.strictObject({
  opened: z.strictObject({ sms: SMS_STEP, subject: SUBJECT, intro: INTRO.optional() }),
  escalated: z.strictObject({
    /** {{minutes}}: how long the people before had to acknowledge (ackTimeoutMinutes). */
    sms: text({ required: ['message', 'ackUrl', 'minutes'] }),
    /** When the renderer is not told the timeout. */
    smsWithoutTimeout: SMS_STEP,
    subject: SUBJECT,
    intro: text({ required: ['minutes'], allowed: ['openedAt', 'title', 'level'] }),
    introWithoutTimeout: INTRO
  }),
  reminder: z.strictObject({ sms: SMS_STEP, subject: SUBJECT, intro: INTRO }),
  resolved: z.strictObject({ sms: text({ required: ['message'] }), subject: SUBJECT, intro: INTRO })
})

/** Clauses of the sentence that says when a late or already-over event happened. */
const TimingSchema = z.strictObject({
  /** When it happened, for kinds without their own `happened`. */
  happened: text({ required: ['time'] }),
  /** Reported late by {{delay}} (a duration). */
  late: text({ required: ['delay'] }),
  /** Already over since {{time}}, for kinds without their own `over`. */
  over: text({ required: ['time'] })
})

const DurationsSchema = z.strictObject({
  underAMinute: text(),
  minutes: text({ required: ['minutes'] }),
  hours: text({ required: ['hours', 'minutes'] })
})

const LabelsSchema = z.strictObject({
  greeting: text({ allowed: ['name'] }),
  severity: text(),
  status: text(),
  site: text(),
  address: text(),
  location: text(),
  cabinet: text(),
  openedAt: text(),
  map: text(),
  details: text(),
  acknowledge: text(),
  viewAlert: text(),
  dashboard: text(),
  footer: text(),
  yes: text(),
  no: text()
})

const PageSchema = z.strictObject({
  title: text(),
  greeting: text({ allowed: ['name'] }),
  acknowledgeButton: text(),
  acknowledgeHint: text(),
  acknowledgedByYou: text({ allowed: ['time'] }),
  acknowledgedBy: text({ allowed: ['name', 'time'] }),
  resolved: text({ allowed: ['time'] }),
  call112: text(),
  expiredTitle: text(),
  expiredText: text(),
  invalidTitle: text(),
  invalidText: text(),
  notFoundTitle: text(),
  notFoundText: text(),
  failedTitle: text(),
  failedText: text(),
  tooManyTitle: text(),
  tooManyText: text({ allowed: ['seconds'] })
})

export const MessageTemplatesSchema = z.strictObject({
  language: LanguageSchema,
  /** BCP 47 locale for dates and numbers, e.g. bg-BG. */
  locale: z.string().min(2),
  severity: everyKey(SeveritySchema.options, text()),
  status: everyKey(AlertStatusSchema.options, text()),
  steps: StepsSchema,
  kinds: everyKey(AlertKindSchema.options, KindTextsSchema),
  timing: TimingSchema,
  durations: DurationsSchema,
  labels: LabelsSchema,
  /** Names for alert facts shown in the email; a fact without a name is shown by its key. */
  facts: z.record(z.string(), text()).default({}),
  /** Words for fact values that are codes (cold, hot, never…); other values are shown as they are. */
  factValues: z.record(z.string(), text()).default({}),
  page: PageSchema
})

export type LanguageTemplates = z.infer<typeof MessageTemplatesSchema>
export type MessageTemplates = Readonly<Record<Language, LanguageTemplates>>

export class TemplateError extends Error {
  constructor (readonly problems: string[]) {
    super(`message templates are invalid:\n  - ${problems.join('\n  - ')}`)
    this.name = 'TemplateError'
  }
}

interface TemplateSource { file: string, source: string }

/** Validates every language's source; throws one TemplateError listing every problem. */
export function parseMessageTemplates (sources: Partial<Record<Language, TemplateSource>>): MessageTemplates {
  const problems: string[] = []
  const parsed: Partial<Record<Language, LanguageTemplates>> = {}
  for (const language of LanguageSchema.options) {
    const entry = sources[language]
    if (entry === undefined) {
      problems.push(`${language}: no templates (expected ${language}/${TEMPLATE_FILE})`)
      continue
    }
    const result = parseLanguage(language, entry)
    if (Array.isArray(result)) problems.push(...result)
    else parsed[language] = result
  }
  if (problems.length > 0) throw new TemplateError(problems)
  return parsed as MessageTemplates
}

/** Reads and validates templates/<language>/messages.yaml for every language. */
export async function loadMessageTemplates (dir: string = TEMPLATES_DIR): Promise<MessageTemplates> {
  const sources: Partial<Record<Language, TemplateSource>> = {}
  const unreadable: string[] = []
  for (const language of LanguageSchema.options) {
    const file = join(dir, language, TEMPLATE_FILE)
    try {
      sources[language] = { file, source: await readFile(file, 'utf8') }
    } catch (err) {
      unreadable.push(`${file}: cannot read: ${(err as Error).message}`)
    }
  }
  try {
    return parseMessageTemplates(sources)
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err
    throw new TemplateError([...unreadable, ...err.problems.filter(problem => !/: no templates /.test(problem))])
  }
}

function parseLanguage (language: Language, { file, source }: TemplateSource): LanguageTemplates | string[] {
  const result = validateYaml(MessageTemplatesSchema, source)
  if (!result.ok) return result.problems.map(problem => `${file}: ${problem}`)
  if (result.value.language !== language) return [`${file}: language is ${result.value.language}, expected ${language}`]
  return result.value
}
