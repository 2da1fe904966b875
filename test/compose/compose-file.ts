import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

/** Repository root, for paths the compose file and provisioning refer to. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface ComposeService {
  image?: string
  build?: { context: string, dockerfile: string, target?: string }
  profiles?: string[]
  environment?: Record<string, string | number | boolean>
  ports?: string[]
  volumes?: string[]
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { test: string[] | string }
  command?: string[] | string
  user?: string
  stop_grace_period?: string
  networks?: Record<string, { ipv4_address?: string } | null>
}

export interface ComposeFile {
  services: Record<string, ComposeService>
  volumes?: Record<string, unknown>
  networks?: Record<string, { ipam?: { config?: Array<{ subnet?: string, ip_range?: string }> } }>
}

/** Reads a YAML file the way Compose does: merge keys (<<) resolved. */
export async function readYaml<T> (path: string): Promise<T> {
  return parse(await readFile(new URL(path, `file://${ROOT}`), 'utf8'), { merge: true }) as T
}

export async function readCompose (): Promise<ComposeFile> {
  return readYaml<ComposeFile>('docker-compose.yml')
}

/** KEY=value lines of an env file, comments and blanks skipped. */
export async function readEnvFile (path: string): Promise<Map<string, string>> {
  const entries = new Map<string, string>()
  for (const line of (await readFile(new URL(path, `file://${ROOT}`), 'utf8')).split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim())
    if (match !== null) entries.set(match[1]!, match[2]!)
  }
  return entries
}

/** Every ${VAR…} Compose would interpolate, with whether it is required (:?) and its default (:-). */
export function interpolations (text: string): Array<{ name: string, required: boolean, fallback?: string }> {
  const found: Array<{ name: string, required: boolean, fallback?: string }> = []
  // $$ is a literal dollar for the container's shell, not an interpolation.
  for (const match of text.replace(/\$\$/g, '').matchAll(/\$\{([A-Z0-9_]+)(?:(:\?|:-)([^}]*))?\}/g)) {
    found.push({ name: match[1]!, required: match[2] === ':?', ...(match[2] === ':-' ? { fallback: match[3] ?? '' } : {}) })
  }
  return found
}

/** Container path a bind or volume mount puts `source` at. */
export function mountTarget (service: ComposeService, source: string): string | undefined {
  for (const volume of service.volumes ?? []) {
    const [from, to] = volume.split(':')
    if (from === source) return to
  }
  return undefined
}
