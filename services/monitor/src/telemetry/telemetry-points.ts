import { MEASUREMENT, Point, TAG, toLine } from '@aed/core/influx'
import type { UplinkMessage } from '@aed/core/protocol'

/** Epoch ms of a YYYY-MM-DD date at 00:00 UTC. */
export function dateToEpochMs (date: string): number {
  return Date.parse(`${date}T00:00:00.000Z`)
}

/**
 * Maps one validated uplink message to its line-protocol line (see
 * docs/data-model.md). The point's time is the cabinet's `ts`, so a QoS 1
 * duplicate overwrites the original. Only schema fields are written; unknown
 * payload fields were already stripped by validation.
 */
export function messageToLine (message: UplinkMessage): string | undefined {
  const point = new Point().tag(TAG.cabinet, message.cabinetId)
  switch (message.channel) {
    case 'heartbeat': {
      const p = message.payload
      point.measurement(MEASUREMENT.heartbeat).floatField('temperature_c', p.temperatureC).stringField('fw', p.fw)
      if (p.mains !== undefined) point.booleanField('mains', p.mains)
      if (p.rssiDbm !== undefined) point.intField('rssi_dbm', p.rssiDbm)
      if (p.uptimeS !== undefined) point.intField('uptime_s', p.uptimeS)
      break
    }
    case 'door':
      point.measurement(MEASUREMENT.door).stringField('state', message.payload.state).intField('open', message.payload.state === 'open' ? 1 : 0)
      break
    case 'selftest': {
      const p = message.payload
      const faults = p.faults ?? []
      point.measurement(MEASUREMENT.selftest).stringField('result', p.result).intField('passed', p.result === 'pass' ? 1 : 0)
        .intField('fault_count', faults.length)
      if (p.kind !== undefined) point.stringField('kind', p.kind)
      if (faults.length > 0) point.stringField('faults', faults.join(','))
      break
    }
    case 'battery': {
      const p = message.payload
      point.measurement(MEASUREMENT.battery).floatField('percent', p.percent)
      if (p.expires !== undefined) point.stringField('expires', p.expires).intField('expires_ms', dateToEpochMs(p.expires))
      break
    }
    case 'pads': {
      const p = message.payload
      point.measurement(MEASUREMENT.pads).stringField('expires', p.expires).intField('expires_ms', dateToEpochMs(p.expires))
      if (p.type !== undefined) point.stringField('type', p.type)
      if (p.lot !== undefined) point.stringField('lot', p.lot)
      break
    }
    case 'status':
      // The last will carries no ts: the broker publishes it when the cabinet is lost.
      point.measurement(MEASUREMENT.status).booleanField('online', message.payload.online)
      break
    case 'cmd/result': {
      const p = message.payload
      point.measurement(MEASUREMENT.commandResult).stringField('cmd', p.cmd).stringField('id', p.id).booleanField('ok', p.ok)
      if (p.detail !== undefined) point.stringField('detail', p.detail)
      break
    }
  }
  if (message.payload.seq !== undefined) point.intField('seq', message.payload.seq)
  point.timestamp(message.payload.ts === undefined ? Date.now() : Date.parse(message.payload.ts))
  return toLine(point)
}
