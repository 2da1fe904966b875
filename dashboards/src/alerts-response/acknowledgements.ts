import { MEASUREMENT } from '@aed/core/influx'
import * as common from '@grafana/grafana-foundation-sdk/common'
import * as table from '@grafana/grafana-foundation-sdk/table'
import { cabinetDetailLink, influxql, mergeSeries, organizeColumns, property, SELECTED_CABINETS, valueMappings } from '../common.ts'
import type { Language } from '../languages.ts'

/** Every acknowledgement: who, which alert, how long after it was raised. */
export const ACKNOWLEDGEMENTS = `SELECT "by", "ack_after_s", "message", "alert_id" FROM "${MEASUREMENT.alertEvent}" WHERE "status" = 'acknowledged' AND ${SELECTED_CABINETS} AND $timeFilter GROUP BY "cabinet", "kind"`

export function acknowledgementsTable (language: Language): table.PanelBuilder {
  const { text } = language
  const column = text.columns
  return new table.PanelBuilder()
    .title(text.alertsResponse.acknowledgements.title)
    .description(text.alertsResponse.acknowledgements.description)
    .withTarget(influxql(ACKNOWLEDGEMENTS).asTable().refId('A'))
    .withTransformation(mergeSeries())
    .withTransformation(organizeColumns([
      ['Time', column.when], ['by', column.acknowledgedBy], ['cabinet', column.cabinet], ['kind', column.alert],
      ['ack_after_s', column.after], ['message', column.message], ['alert_id', column.alertId]
    ], []))
    .height(9)
    .span(14)
    .cellHeight(common.TableCellHeight.Sm)
    .noValue(text.alertsResponse.acknowledgements.empty)
    .sortBy([new common.TableSortByFieldStateBuilder().displayName(column.when).desc(true)])
    .overrideByName('cabinet', [cabinetDetailLink(language)])
    .overrideByName('kind', [property.mappings(valueMappings(text.values.alertKind))])
    .overrideByName('ack_after_s', [property.unit(text.units.duration)])
}

/** The same rows, grouped by person in Grafana: `by` is a field, which InfluxQL cannot group by. */
export function acknowledgementsByPersonTable (language: Language): table.PanelBuilder {
  const { text } = language
  const column = text.columns
  return new table.PanelBuilder()
    .title(text.alertsResponse.acknowledgedByPerson.title)
    .description(text.alertsResponse.acknowledgedByPerson.description)
    .withTarget(influxql(ACKNOWLEDGEMENTS).asTable().refId('A'))
    .withTransformation(mergeSeries())
    .withTransformation({
      id: 'groupBy',
      options: {
        fields: {
          by: { operation: 'groupby', aggregations: [] },
          alert_id: { operation: 'aggregate', aggregations: ['count'] },
          ack_after_s: { operation: 'aggregate', aggregations: ['mean', 'max'] }
        }
      }
    })
    .withTransformation(organizeColumns([
      ['by', column.person], ['alert_id (count)', column.alertsAcknowledged], ['ack_after_s (mean)', column.meanTime], ['ack_after_s (max)', column.longest]
    ], []))
    .height(9)
    .span(10)
    .cellHeight(common.TableCellHeight.Sm)
    .noValue(text.alertsResponse.acknowledgedByPerson.empty)
    .overrideByName('ack_after_s (mean)', [property.unit(text.units.duration), property.decimals(0)])
    .overrideByName('ack_after_s (max)', [property.unit(text.units.duration), property.decimals(0)])
}
