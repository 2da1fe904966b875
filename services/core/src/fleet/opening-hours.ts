import { z } from 'zod'

/*
 * The part of the OpenStreetMap opening_hours syntax
 * (https://wiki.openstreetmap.org/wiki/Key:opening_hours/specification) a
 * cabinet's hours need: "24/7", or rules separated by ";", each a weekday
 * selector and time spans or "off" ("Mo-Fr 08:00-17:00; Sa 09:00-13:00;
 * Su,PH off"). Apps that read the public feed parse the full syntax; a
 * value outside this part is refused at start-up rather than published
 * with a typo that an app would read as "closed".
 */
const DAY = '(?:Mo|Tu|We|Th|Fr|Sa|Su|PH)'
const DAYS = `${DAY}(?:-${DAY})?(?:,${DAY}(?:-${DAY})?)*`
// Up to 24:00 for the end of a day, as OSM writes it.
const TIME = '(?:[01]\\d|2[0-3]):[0-5]\\d|24:00'
const SPANS = `(?:${TIME})-(?:${TIME})(?:,(?:${TIME})-(?:${TIME}))*`
const RULE = new RegExp(`^(?:${DAYS} )?(?:${SPANS}|off|closed)$`)

/** Why a value is not in the supported part of the opening_hours syntax, or undefined when it is. */
export function openingHoursProblem (value: string): string | undefined {
  if (value === '24/7') return undefined
  const rules = value.split(';').map(rule => rule.trim())
  const bad = rules.find(rule => !RULE.test(rule))
  if (bad === undefined) return undefined
  return `opening hours ${JSON.stringify(value)}: ${JSON.stringify(bad)} is not "days hh:mm-hh:mm" or "days off" (OSM opening_hours, e.g. "Mo-Fr 08:00-17:00; Sa 09:00-13:00" or "24/7")`
}

export const OpeningHoursSchema = z.string().superRefine((value, ctx) => {
  const problem = openingHoursProblem(value)
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem })
})
