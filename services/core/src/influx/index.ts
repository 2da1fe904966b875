export * from './influx-v1-client.ts'
export * from './measurements.ts'
