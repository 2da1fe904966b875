import { readFile, writeFile, mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { z } from 'zod'

/**
 * Plain cabinet secrets for simulated cabinets, as a technician's
 * commissioning laptop would hold them: { "cabinet-id": "secret" }.
 * Written with mode 0600; never used by the broker or the service.
 */
const SecretsSchema = z.record(z.string(), z.string().min(1))
export type CabinetSecrets = z.infer<typeof SecretsSchema>

export async function readSecrets (file: string): Promise<CabinetSecrets> {
  const parsed = SecretsSchema.safeParse(JSON.parse(await readFile(file, 'utf8')))
  if (!parsed.success) throw new Error(`secrets file ${file} is not {"cabinet-id": "secret"}: ${parsed.error.message}`)
  return parsed.data
}

export async function writeSecrets (file: string, secrets: CabinetSecrets): Promise<void> {
  await mkdir(dirname(file), { recursive: true })
  await writeFile(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 })
}
