import * as common from '@grafana/grafana-foundation-sdk/common'
import * as stat from '@grafana/grafana-foundation-sdk/stat'
import { influxql, READINESS, thresholds } from '../common.ts'

/**
 * How many active cabinets are in a readiness state right now: the last
 * snapshot of each cabinet in the range, counted. Planned and retired
 * cabinets are left out, so a cabinet that is not installed yet never counts
 * as offline.
 */
export function activeCabinetsInState (state: string): string {
  return `SELECT count("state") AS "cabinets" FROM (SELECT last("state") AS "state", "status" FROM "${READINESS}" WHERE $timeFilter GROUP BY "cabinet") WHERE "state" = '${state}' AND "status" = 'active'`
}

function countStat (title: string, description: string, query: string, color: string): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(title)
    .description(description)
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

export function readyCount (): stat.PanelBuilder {
  return countStat('Ready', 'Active cabinets that are rescue-ready now.', activeCabinetsInState('ready'), 'green')
}

export function notReadyCount (): stat.PanelBuilder {
  return countStat('Not ready', 'Active cabinets with a failed self-test, an expired or low consumable, or a temperature out of range. See "Why" in the table.', activeCabinetsInState('not_ready'), 'red')
}

export function inUseCount (): stat.PanelBuilder {
  return countStat('In use', 'Active cabinets whose door is open: the AED may be on its way to a patient.', activeCabinetsInState('in_use'), 'blue')
}

export function offlineCount (): stat.PanelBuilder {
  return countStat('Offline', 'Active cabinets that stopped reporting.', activeCabinetsInState('offline'), 'orange')
}

export function plannedCount (): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title('Planned')
    .description('Cabinets declared in the fleet file but not installed yet.')
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
