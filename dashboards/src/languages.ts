import { bg } from './text/bg.ts'
import type { DashboardText } from './text/dashboard-text.ts'
import { en } from './text/en.ts'

/** One set of dashboards: the same panels and queries, in one language. */
export interface Language {
  /** ISO 639-1; also the folder under dashboards/generated and a dashboard tag. */
  code: 'bg' | 'en'
  /**
   * Appended to every fixed dashboard uid. Bulgarian, the default, has none:
   * it keeps the uids that bookmarks and DASHBOARD_URL already point at.
   */
  uidSuffix: string
  text: DashboardText
}

/** Every language the dashboards are built in; the first is the default (Grafana's home page). */
export const LANGUAGES: readonly [Language, ...Language[]] = [
  { code: 'bg', uidSuffix: '', text: bg },
  { code: 'en', uidSuffix: '-en', text: en }
]

export const DEFAULT_LANGUAGE: Language = LANGUAGES[0]
