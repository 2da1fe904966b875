import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FleetFileSource } from '@aed/core/fleet'

/** Ids of the cabinets each benchmark uses; all of them are declared in the bench fleet. */
export const ingestCabinetIds = (count: number): string[] =>
  Array.from({ length: count }, (_, i) => `bench-ingest-${String(i + 1).padStart(4, '0')}`)
export const doorCabinetIds = (count: number): string[] =>
  Array.from({ length: count }, (_, i) => `bench-door-${String(i + 1).padStart(2, '0')}`)

export interface BenchFleet {
  file: string
  remove (): Promise<void>
}

/**
 * A fleet file declaring the benchmark's cabinets as active, so their
 * messages take the monitored path (tracked, rules evaluated) rather than
 * the "stored but not monitored" one of unknown cabinets. The ingest
 * cabinets report hourly, so they do not go offline (and alert) when the
 * ingest benchmark stops publishing while the rest of the run goes on.
 */
export async function writeBenchFleet (options: { ingestCabinets: number, doorCabinets: number }): Promise<BenchFleet> {
  const dir = await mkdtemp(join(tmpdir(), 'aed-bench-fleet-'))
  const file = join(dir, 'fleet.yaml')
  const fleet: FleetFileSource = {
    fleet: 'Benchmark fleet',
    timezone: 'Europe/Sofia',
    sites: [
      {
        id: 'bench-ingest-site',
        name: 'Ingest benchmark site',
        address: 'пл. „Св. Иван Рилски“ 1А',
        city: 'Перник',
        coordinates: { lat: 42.6057, lon: 23.0327 },
        cabinets: ingestCabinetIds(options.ingestCabinets).map(id => ({ id, status: 'active', location: 'bench', heartbeatIntervalS: 3600, thresholds: {} }))
      },
      {
        id: 'bench-door-site',
        name: 'Door benchmark site',
        address: 'ул. „Младен Стоянов“ бл. 7',
        city: 'Перник',
        coordinates: { lat: 42.6012, lon: 23.0489 },
        cabinets: doorCabinetIds(options.doorCabinets).map(id => ({ id, status: 'active', location: 'Вход', heartbeatIntervalS: 60, thresholds: {} }))
      }
    ]
  }
  // JSON is YAML: loadFleet reads it as it reads infra/fleet/pernik.yaml.
  await writeFile(file, JSON.stringify(fleet, null, 2))
  return { file, remove: () => rm(dir, { recursive: true, force: true }) }
}
