import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { validateYaml } from '../validated-input.ts'
import { FleetSchema, type CabinetDefinition, type FleetFile, type SiteDefinition } from './fleet-schema.ts'

/** A cabinet as the rest of the system sees it: its definition with its site. */
export interface FleetCabinet extends CabinetDefinition {
  site: Omit<SiteDefinition, 'cabinets'>
  coordinates: { lat: number, lon: number }
}

export interface Fleet {
  name: string
  timezone: string
  sites: Array<Omit<SiteDefinition, 'cabinets'>>
  cabinets: Map<string, FleetCabinet>
}

/** The fleet the project ships: Pernik municipality. */
export const PERNIK_FLEET_FILE = fileURLToPath(new URL('../../../../infra/fleet/pernik.yaml', import.meta.url))

export class FleetFileError extends Error {
  constructor (readonly file: string, readonly problems: string[]) {
    super(`fleet file ${file} is invalid:\n  - ${problems.join('\n  - ')}`)
    this.name = 'FleetFileError'
  }
}

export function parseFleet (source: string, file = '<inline>'): Fleet {
  const result = validateYaml(FleetSchema, source)
  if (!result.ok) throw new FleetFileError(file, result.problems)
  return indexFleet(result.value)
}

export async function loadFleet (file: string): Promise<Fleet> {
  let source: string
  try {
    source = await readFile(file, 'utf8')
  } catch (err) {
    // A missing or unreadable file is one more problem with it, named like the others.
    throw new FleetFileError(file, [`cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`])
  }
  return parseFleet(source, file)
}

function indexFleet (fleet: FleetFile): Fleet {
  const cabinets = new Map<string, FleetCabinet>()
  const sites = fleet.sites.map(({ cabinets: siteCabinets, ...site }) => {
    for (const cabinet of siteCabinets) {
      cabinets.set(cabinet.id, { ...cabinet, site, coordinates: cabinet.coordinates ?? site.coordinates })
    }
    return site
  })
  return { name: fleet.fleet, timezone: fleet.timezone, sites, cabinets }
}
