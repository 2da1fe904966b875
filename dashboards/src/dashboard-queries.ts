import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import { isInfluxQLQuery, type InfluxQLQuery } from './influxql.ts'

/** One InfluxQL text a dashboard makes Grafana run, and what asks for it. */
export interface DashboardQuery {
  source: 'panel' | 'annotation' | 'variable'
  /** Panel title, annotation name or variable name. */
  name: string
  refId: string
  query: string
  target?: InfluxQLQuery
  /** The panel's minimum interval ($__interval never goes below it). */
  minInterval?: string
  /** Points Grafana asks for: the panel's maxDataPoints, else its width in pixels on a 1920 px screen. */
  maxDataPoints: number
}

const SCREEN_PX = 1920

/** Panels at the top level and inside collapsed rows. */
export function allPanels (board: dashboard.Dashboard): dashboard.Panel[] {
  const panels: dashboard.Panel[] = []
  for (const panel of board.panels ?? []) {
    if (panel.type === 'row') {
      panels.push(...(((panel as dashboard.RowPanel).panels ?? []) as dashboard.Panel[]))
    } else {
      panels.push(panel as dashboard.Panel)
    }
  }
  return panels
}

/** Every query of a dashboard: visible panel targets, annotations and query variables. */
export function dashboardQueries (board: dashboard.Dashboard): DashboardQuery[] {
  const queries: DashboardQuery[] = []
  for (const panel of allPanels(board)) {
    for (const target of panel.targets ?? []) {
      if (!isInfluxQLQuery(target)) throw new Error(`panel "${panel.title ?? ''}" has a target that is not a raw InfluxQL query`)
      if (target.hide === true) continue
      const width = panel.gridPos?.w ?? 12
      queries.push({
        source: 'panel',
        name: panel.title ?? '',
        refId: target.refId ?? 'A',
        query: target.query,
        target,
        ...(panel.interval !== undefined ? { minInterval: panel.interval } : {}),
        maxDataPoints: panel.maxDataPoints ?? Math.round(width / 24 * SCREEN_PX)
      })
    }
  }
  for (const annotation of board.annotations?.list ?? []) {
    if (annotation.builtIn === 1) continue
    const target = annotation.target
    if (!isInfluxQLQuery(target)) throw new Error(`annotation "${annotation.name}" is not a raw InfluxQL query`)
    queries.push({ source: 'annotation', name: annotation.name, refId: target.refId ?? annotation.name, query: target.query, target, maxDataPoints: SCREEN_PX })
  }
  for (const variable of board.templating?.list ?? []) {
    if (variable.type !== 'query') continue
    if (typeof variable.query !== 'string') throw new Error(`variable "${variable.name}" has no InfluxQL query`)
    queries.push({ source: 'variable', name: variable.name, refId: variable.name, query: variable.query, maxDataPoints: SCREEN_PX })
  }
  return queries
}

/** A panel's target by panel title and refId. */
export function panelQuery (board: dashboard.Dashboard, title: string, refId = 'A'): DashboardQuery {
  const found = dashboardQueries(board).find(q => q.source === 'panel' && q.name === title && q.refId === refId)
  if (found === undefined) throw new Error(`dashboard "${board.title}" has no panel "${title}" with query ${refId}`)
  return found
}
