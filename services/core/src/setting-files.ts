import { readFile } from 'node:fs/promises'
import { ConfigError } from './validated-input.ts'

/**
 * Reads the PEM files (certificates, keys, CAs) that settings name, once at
 * start-up. A file that is missing, unreadable or not PEM is a configuration
 * problem naming its setting, and every such problem is listed at once, as
 * for the settings themselves. An unset setting reads as undefined.
 */
export async function readPemSettings<K extends string> (files: Record<K, string | undefined>): Promise<Record<K, Buffer | undefined>> {
  const problems: string[] = []
  const entries = await Promise.all(Object.entries<string | undefined>(files).map(async ([setting, path]) => {
    if (path === undefined) return [setting, undefined] as const
    try {
      const content = await readFile(path)
      if (!content.includes('-----BEGIN ')) problems.push(`${setting}: ${path} is not a PEM file`)
      return [setting, content] as const
    } catch (err) {
      problems.push(`${setting}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
      return [setting, undefined] as const
    }
  }))
  if (problems.length > 0) throw new ConfigError(problems)
  return Object.fromEntries(entries) as Record<K, Buffer | undefined>
}
