import { mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { buildDashboards, toJson } from './index.ts'

/** Where Grafana's dashboard provider reads from (infra/grafana/provisioning/dashboards/aed-fleet.yaml). */
export const GENERATED_DIR = fileURLToPath(new URL('../generated/', import.meta.url))

/** Writes every dashboard's JSON and removes files of dashboards that no longer exist. */
export async function writeDashboards (dir = GENERATED_DIR): Promise<string[]> {
  await mkdir(dir, { recursive: true })
  const dashboards = buildDashboards()
  for (const file of await readdir(dir)) {
    if (file.endsWith('.json') && !(file in dashboards)) await rm(join(dir, file))
  }
  for (const [file, dashboard] of Object.entries(dashboards)) {
    await writeFile(join(dir, file), toJson(dashboard))
  }
  return Object.keys(dashboards)
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = await writeDashboards()
  process.stdout.write(`wrote ${files.map(f => `dashboards/generated/${f}`).join(', ')}\n`)
}
