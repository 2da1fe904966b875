import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CredentialFile, generateSecret, SecretHasher } from '@aed/core/credentials'
import type { FleetFileSource } from '@aed/core/fleet'
import { CABINET_ID_PATTERN } from '@aed/core/protocol'
import { writeSecrets } from './secrets-file.ts'

export interface SyntheticFleetOptions {
  count: number
  outDir: string
  /** Start of every cabinet and site id; default "load". */
  prefix?: string | undefined
  /** CREDENTIALS_HASH_KEY the broker will run with; without it a new one is made and written beside the files. */
  hashKey?: string | undefined
  /** Cabinets per site; default 100. */
  cabinetsPerSite?: number | undefined
  heartbeatIntervalS?: number | undefined
}

export interface SyntheticFleet {
  ids: string[]
  /** The fleet file, for the monitor's FLEET_FILE. */
  fleetFile: string
  /** The hashed credentials, for the broker's (and the monitor's) CREDENTIALS_FILE. */
  credentialsFile: string
  /** The plain secrets, for `aed-sim fleet --secrets`. */
  secretsFile: string
  /** Where the new CREDENTIALS_HASH_KEY was written; undefined when one was given. */
  hashKeyFile: string | undefined
  hashKey: string
}

/**
 * Makes a fleet for load tests without the monitor's API: N cabinets
 * (PREFIX-aed-000001, …) in sites of a hundred, each with a secret of its
 * own, hashed the way the monitor issues them. Everything is written with
 * mode 0600 into one directory; the credentials file replaces any there.
 * Never for a real fleet: the plain secrets are kept in a file.
 */
export async function provisionSyntheticFleet (options: SyntheticFleetOptions): Promise<SyntheticFleet> {
  const prefix = options.prefix ?? 'load'
  const perSite = options.cabinetsPerSite ?? 100
  if (!Number.isInteger(options.count) || options.count < 1) throw new Error('count must be a positive integer')
  const digits = Math.max(6, String(options.count).length)
  const ids = Array.from({ length: options.count }, (_, i) => `${prefix}-aed-${String(i + 1).padStart(digits, '0')}`)
  if (!CABINET_ID_PATTERN.test(ids[0]!)) throw new Error(`prefix ${prefix} makes invalid cabinet ids (${ids[0]})`)
  await mkdir(options.outDir, { recursive: true })

  const hashKey = options.hashKey ?? randomBytes(32).toString('base64')
  const hashKeyFile = options.hashKey === undefined ? join(options.outDir, 'credentials-hash-key') : undefined
  if (hashKeyFile !== undefined) await writeFile(hashKeyFile, hashKey + '\n', { mode: 0o600 })
  const hasher = new SecretHasher(hashKey)

  const secrets: Record<string, string> = {}
  for (const id of ids) secrets[id] = generateSecret()
  const credentialsFile = join(options.outDir, 'credentials.json')
  const credentials = new CredentialFile(credentialsFile)
  await credentials.putAll(ids.map(id => ({ username: id, role: 'cabinet' as const, secretHash: hasher.hash(secrets[id]!) })))
  const secretsFile = join(options.outDir, 'sim-secrets.json')
  await writeSecrets(secretsFile, secrets)

  const sites: FleetFileSource['sites'] = []
  for (let s = 0; s * perSite < ids.length; s++) {
    const n = String(s + 1).padStart(4, '0')
    sites.push({
      id: `${prefix}-site-${n}`,
      name: `Load test site ${n}`,
      address: `Load test street ${s + 1}`,
      city: 'Load test',
      // Spread over Bulgaria's latitude and longitude range, for maps.
      coordinates: { lat: 41.3 + (s * 0.0137) % 2.8, lon: 22.4 + (s * 0.0291) % 6 },
      cabinets: ids.slice(s * perSite, (s + 1) * perSite).map(id => ({
        id, status: 'active' as const, location: 'Entrance', heartbeatIntervalS: options.heartbeatIntervalS ?? 60, thresholds: {}
      }))
    })
  }
  const fleet: FleetFileSource = { fleet: `Load test (${ids.length} cabinets)`, timezone: 'Europe/Sofia', sites }
  const fleetFile = join(options.outDir, 'fleet.yaml')
  // JSON is YAML: loadFleet reads it as it reads infra/fleet/pernik.yaml.
  await writeFile(fleetFile, JSON.stringify(fleet) + '\n', { mode: 0o600 })
  return { ids, fleetFile, credentialsFile, secretsFile, hashKeyFile, hashKey }
}
