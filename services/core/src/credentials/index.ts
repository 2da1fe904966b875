export * from './secret-hash.ts'
export * from './credential-file.ts'

/**
 * Service accounts live in their own username namespace: the colon cannot
 * appear in a cabinet id, so no cabinet can ever be named like a service.
 */
export function serviceUsername (name: string): string {
  return `service:${name}`
}
