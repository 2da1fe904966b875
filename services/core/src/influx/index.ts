export * from './influx-v1-client.ts'
export * from './private-influxd.ts'
export * from './measurements.ts'
