export * from './fleet-schema.ts'
export * from './load-fleet.ts'
export * from './opening-hours.ts'
