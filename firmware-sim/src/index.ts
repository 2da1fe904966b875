export * from './simulated-cabinet.ts'
export * from './provision.ts'
export * from './secrets-file.ts'
export * from './console-commands.ts'
