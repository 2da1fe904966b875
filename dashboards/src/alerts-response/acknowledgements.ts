import { MEASUREMENT } from '@aed/core/influx'
import * as common from '@grafana/grafana-foundation-sdk/common'
import * as table from '@grafana/grafana-foundation-sdk/table'
import { cabinetDetailLink, influxql, mergeSeries, organizeColumns, property, SELECTED_CABINETS } from '../common.ts'

/** Every acknowledgement: who, which alert, how long after it was raised. */
export const ACKNOWLEDGEMENTS = `SELECT "by", "ack_after_s", "message", "alert_id" FROM "${MEASUREMENT.alertEvent}" WHERE "status" = 'acknowledged' AND ${SELECTED_CABINETS} AND $timeFilter GROUP BY "cabinet", "kind"`

export function acknowledgementsTable (): table.PanelBuilder {
  return new table.PanelBuilder()
    .title('Acknowledgements')
    .description('Who acknowledged which alert, and how long after it was raised.')
    .withTarget(influxql(ACKNOWLEDGEMENTS).asTable().refId('A'))
    .withTransformation(mergeSeries())
    .withTransformation(organizeColumns([
      ['Time', 'When'], ['by', 'Acknowledged by'], ['cabinet', 'Cabinet'], ['kind', 'Alert'],
      ['ack_after_s', 'After'], ['message', 'Message'], ['alert_id', 'Alert id']
    ], []))
    .height(9)
    .span(14)
    .cellHeight(common.TableCellHeight.Sm)
    .noValue('No acknowledgements in this range')
    .sortBy([new common.TableSortByFieldStateBuilder().displayName('When').desc(true)])
    .overrideByName('cabinet', [cabinetDetailLink()])
    .overrideByName('ack_after_s', [property.unit('s')])
}

/** The same rows, grouped by person in Grafana: `by` is a field, which InfluxQL cannot group by. */
export function acknowledgementsByPersonTable (): table.PanelBuilder {
  return new table.PanelBuilder()
    .title('Acknowledged by person')
    .description('How many alerts each person took on, and how fast on average.')
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
      ['by', 'Person'], ['alert_id (count)', 'Alerts acknowledged'], ['ack_after_s (mean)', 'Mean time'], ['ack_after_s (max)', 'Longest']
    ], []))
    .height(9)
    .span(10)
    .cellHeight(common.TableCellHeight.Sm)
    .noValue('No acknowledgements in this range')
    .overrideByName('ack_after_s (mean)', [property.unit('s'), property.decimals(0)])
    .overrideByName('ack_after_s (max)', [property.unit('s'), property.decimals(0)])
}
