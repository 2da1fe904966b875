/** The time zone the fleet lives in; its people read times in it wherever the server runs. */
export const DEFAULT_TIME_ZONE = 'Europe/Sofia'

/** "24.11.2026 г., 12:10" / "24 Nov 2026, 12:10", or the input when it is not a time. */
export function formatTime (iso: string, locale: string, timeZone: string = DEFAULT_TIME_ZONE): string {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  return new Intl.DateTimeFormat(locale, { timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(date)
}
