export * from './cabinet-id.ts'
export * from './messages.ts'
export * from './topics.ts'
export * from './decode-uplink.ts'
