import * as common from '@grafana/grafana-foundation-sdk/common'
import * as stat from '@grafana/grafana-foundation-sdk/stat'
import { influxql, READINESS, thresholds } from '../common.ts'
import type { Language } from '../languages.ts'
import type { PanelText } from '../text/dashboard-text.ts'

/**
 * How many active cabinets are in a readiness state right now: the last
 * snapshot of each cabinet in the range, counted. Planned and retired
 * cabinets are left out, so a cabinet that is not installed yet never counts
 * as offline.
 */
export function activeCabinetsInState (state: string): string {
  return `SELECT count("state") AS "cabinets" FROM (SELECT last("state") AS "state", "status" FROM "${READINESS}" WHERE $timeFilter GROUP BY "cabinet") WHERE "state" = '${state}' AND "status" = 'active'`
}

function countStat (text: PanelText, query: string, color: string): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(text.title)
    .description(text.description)
    .withTarget(influxql(query).refId('A'))
    .height(4)
    .span(5)
    .noValue('0')
    .decimals(0)
    .colorMode(common.BigValueColorMode.Background)
    .graphMode(common.BigValueGraphMode.None)
    .textMode(common.BigValueTextMode.Value)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    // Zero is always calm; any cabinet in the state takes the state's colour.
    .thresholds(thresholds([[null, 'green'], [1, color]]))
}

export function readyCount (language: Language): stat.PanelBuilder {
  return countStat(language.text.fleetOverview.ready, activeCabinetsInState('ready'), 'green')
}

export function notReadyCount (language: Language): stat.PanelBuilder {
  return countStat(language.text.fleetOverview.notReady, activeCabinetsInState('not_ready'), 'red')
}

export function inUseCount (language: Language): stat.PanelBuilder {
  return countStat(language.text.fleetOverview.inUse, activeCabinetsInState('in_use'), 'blue')
}

export function offlineCount (language: Language): stat.PanelBuilder {
  return countStat(language.text.fleetOverview.offline, activeCabinetsInState('offline'), 'orange')
}

export function plannedCount (language: Language): stat.PanelBuilder {
  const text = language.text.fleetOverview.planned
  return new stat.PanelBuilder()
    .title(text.title)
    .description(text.description)
    .withTarget(influxql(`SELECT count("status") AS "cabinets" FROM (SELECT last("status") AS "status" FROM "${READINESS}" WHERE $timeFilter GROUP BY "cabinet") WHERE "status" = 'planned'`).refId('A'))
    .height(4)
    .span(4)
    .noValue('0')
    .decimals(0)
    .colorMode(common.BigValueColorMode.Value)
    .graphMode(common.BigValueGraphMode.None)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .thresholds(thresholds([[null, 'text']]))
}
