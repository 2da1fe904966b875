/**
 * The InfluxDB data model (docs/data-model.md): measurement, tag and field
 * names, shared by the writer in the service and the dashboards that read
 * them. Every measurement carries the tag `cabinet`; the point's time is the
 * time the cabinet stamped on the message (`ts`), so a QoS 1 duplicate
 * overwrites its original instead of being stored twice.
 */
export const MEASUREMENT = {
  heartbeat: 'heartbeat',
  door: 'door',
  selftest: 'selftest',
  battery: 'battery',
  pads: 'pads',
  status: 'status',
  readiness: 'readiness',
  commandResult: 'command_result',
  alertEvent: 'alert_event',
  notification: 'notification',
  maintenance: 'maintenance'
} as const

export const TAG = {
  cabinet: 'cabinet',
  site: 'site'
} as const
