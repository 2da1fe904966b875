import type { IngestCounters } from '../ingest/ingest-counters.ts'
import type { InfluxWriter } from '../storage/influx-writer.ts'

/** The Prometheus text exposition of the monitor's counters (/metrics). */
export function metricsText (c: IngestCounters, w: Pick<InfluxWriter, 'written' | 'rejectedByServer' | 'buffered' | 'spooledBytes' | 'full'>): string {
  const lines = [
    '# TYPE aed_mqtt_messages_received_total counter', `aed_mqtt_messages_received_total ${c.received}`,
    '# TYPE aed_mqtt_messages_accepted_total counter', `aed_mqtt_messages_accepted_total ${c.accepted}`,
    '# TYPE aed_mqtt_messages_duplicate_total counter', `aed_mqtt_messages_duplicate_total ${c.duplicates}`,
    '# TYPE aed_mqtt_messages_unregistered_total counter', `aed_mqtt_messages_unregistered_total ${c.unregistered}`,
    '# TYPE aed_mqtt_messages_clock_skewed_total counter', `aed_mqtt_messages_clock_skewed_total ${c.clockSkewed}`,
    '# TYPE aed_mqtt_messages_rejected_total counter',
    ...[...c.rejectedByChannel].map(([channel, n]) => `aed_mqtt_messages_rejected_total{channel=${JSON.stringify(channel)}} ${n}`),
    '# TYPE aed_influx_lines_written_total counter', `aed_influx_lines_written_total ${w.written}`,
    '# TYPE aed_influx_lines_dropped_total counter', `aed_influx_lines_dropped_total ${w.rejectedByServer}`,
    '# TYPE aed_influx_lines_buffered gauge', `aed_influx_lines_buffered ${w.buffered}`,
    '# TYPE aed_spool_bytes gauge', `aed_spool_bytes ${w.spooledBytes}`,
    '# TYPE aed_spool_full gauge', `aed_spool_full ${w.full ? 1 : 0}`
  ]
  return lines.join('\n') + '\n'
}
