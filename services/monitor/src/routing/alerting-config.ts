import { readFile } from 'node:fs/promises'
import { validateYaml } from '@aed/core/validated-input'
import { z } from 'zod'
import { HH_MM, isTimeZone, WEEKDAYS } from '../time-zone.ts'
import { PersonSchema } from './people.ts'

const Weekday = z.enum(WEEKDAYS)
export type Weekday = z.infer<typeof Weekday>
const ClockTime = z.string().regex(HH_MM, 'time of day as HH:MM')

/**
 * One on-call shift of the weekly rota: on `days`, from `from` to `to` local
 * time. A shift whose `to` is not after `from` runs past midnight and
 * belongs to the day it starts on.
 */
export const ShiftSchema = z.object({
  days: z.array(Weekday).min(1),
  from: ClockTime,
  to: ClockTime,
  primary: z.string().describe('Person id notified first'),
  backup: z.string().optional().describe('Person id notified when the primary does not acknowledge')
}).strict()
export type Shift = z.infer<typeof ShiftSchema>

export const AlertingFileSchema = z.object({
  timezone: z.string().default('Europe/Sofia').describe('Time zone of the rota and the daily digest'),
  people: z.array(PersonSchema).min(1),
  rota: z.array(ShiftSchema).default([]).describe('Weekly on-call schedule; the first matching shift wins'),
  facilityManagers: z.record(z.string(), z.array(z.string()).min(1)).default({})
    .describe('Site id → person ids; "*" applies to sites without their own'),
  escalation: z.object({
    ackTimeoutMinutes: z.number().positive().default(5).describe('Wait for an acknowledgement before the next level is notified')
  }).strict().default({ ackTimeoutMinutes: 5 }),
  flapWindowMinutes: z.number().min(0).default(5).describe('A condition that returns within this time after clearing is the same incident: no new notification, and the all-clear waits this long'),
  digest: z.object({
    at: ClockTime.default('08:00').describe('Local time of the daily email digest to facility managers'),
    enabled: z.boolean().default(true)
  }).strict().default({ at: '08:00', enabled: true })
}).strict().superRefine((file, ctx) => {
  const ids = new Set(file.people.map(p => p.id))
  const check = (id: string | undefined, path: Array<string | number>): void => {
    if (id !== undefined && !ids.has(id)) ctx.addIssue({ code: 'custom', path, message: `unknown person "${id}"` })
  }
  file.rota.forEach((shift, i) => { check(shift.primary, ['rota', i, 'primary']); check(shift.backup, ['rota', i, 'backup']) })
  for (const [site, people] of Object.entries(file.facilityManagers)) people.forEach((id, i) => check(id, ['facilityManagers', site, i]))
  if (new Set(file.people.map(p => p.id)).size !== file.people.length) ctx.addIssue({ code: 'custom', path: ['people'], message: 'person ids must be unique' })
  if (!isTimeZone(file.timezone)) ctx.addIssue({ code: 'custom', path: ['timezone'], message: `unknown time zone ${file.timezone}` })
})
export type AlertingFile = z.infer<typeof AlertingFileSchema>

export class AlertingFileError extends Error {
  constructor (readonly file: string, readonly problems: string[]) {
    super(`alerting file ${file} is invalid:\n  - ${problems.join('\n  - ')}`)
    this.name = 'AlertingFileError'
  }
}

export function parseAlertingFile (source: string, file = '<inline>'): AlertingFile {
  const result = validateYaml(AlertingFileSchema, source)
  if (!result.ok) throw new AlertingFileError(file, result.problems)
  return result.value
}

export async function loadAlertingFile (file: string): Promise<AlertingFile> {
  return parseAlertingFile(await readFile(file, 'utf8'), file)
}
