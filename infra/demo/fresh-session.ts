import { rm } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * What a demo session leaves behind, by name, so that clearing it never
 * touches anything else a user keeps in DEMO_DIR.
 */
export const SESSION_FILES = ['monitor', 'influxdb', 'broker', 'credentials.json', 'sim-secrets.json'] as const

/**
 * Starts a session from nothing: without it, the monitor would restore the
 * previous session's alert journal and send its all-clears, post-use
 * inspections and digest again, about things the user no longer sees.
 */
export async function clearPreviousSession (dir: string): Promise<void> {
  await Promise.all(SESSION_FILES.map(name => rm(join(dir, name), { recursive: true, force: true })))
}
