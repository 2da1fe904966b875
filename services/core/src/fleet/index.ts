export * from './fleet-schema.ts'
export * from './load-fleet.ts'
