import { mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'
import { buildAllDashboards, toJson } from './index.ts'

/**
 * Where Grafana's dashboard providers read from, one folder per language
 * (infra/grafana/provisioning/dashboards/aed-fleet.yaml).
 */
export const GENERATED_DIR = fileURLToPath(new URL('../generated/', import.meta.url))

/** Every JSON file under dir, as paths relative to it with `/` separators. */
export async function jsonFilesUnder (dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [])
  return entries.map(entry => entry.split('\\').join('/')).filter(entry => entry.endsWith('.json')).sort()
}

/** Writes every dashboard's JSON and removes files of dashboards (or languages) that no longer exist. */
export async function writeDashboards (dir = GENERATED_DIR): Promise<string[]> {
  const dashboards = buildAllDashboards()
  for (const file of await jsonFilesUnder(dir)) {
    if (!(file in dashboards)) await rm(join(dir, file))
  }
  for (const [file, dashboard] of Object.entries(dashboards)) {
    await mkdir(dirname(join(dir, file)), { recursive: true })
    await writeFile(join(dir, file), toJson(dashboard))
  }
  return Object.keys(dashboards)
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = await writeDashboards()
  process.stdout.write(`wrote ${files.map(f => `dashboards/generated/${f}`).join(', ')}\n`)
}
