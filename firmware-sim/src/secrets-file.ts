import { readFile, writeFile, mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { z } from 'zod'
import { ActionableError } from '@aed/core/start-failure'

/**
 * Plain cabinet secrets for simulated cabinets, as a technician's
 * commissioning laptop would hold them: { "cabinet-id": "secret" }.
 * Written with mode 0600; never used by the broker or the service.
 */
const SecretsSchema = z.record(z.string(), z.string().min(1))
export type CabinetSecrets = z.infer<typeof SecretsSchema>

export async function readSecrets (file: string): Promise<CabinetSecrets> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new ActionableError(`cannot read the secrets file ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): issue secrets with "aed-sim provision" first, or give the file with --secrets`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new ActionableError(`secrets file ${file} is not JSON (${(err as Error).message}): expected {"cabinet-id": "secret"} as "aed-sim provision" writes it`)
  }
  const parsed = SecretsSchema.safeParse(json)
  if (!parsed.success) throw new ActionableError(`secrets file ${file} is not {"cabinet-id": "secret"}: ${parsed.error.issues.map(issue => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`)
  return parsed.data
}

export async function writeSecrets (file: string, secrets: CabinetSecrets): Promise<void> {
  await mkdir(dirname(file), { recursive: true })
  await writeFile(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 })
}
