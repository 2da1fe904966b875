import { ActionableError } from '@aed/core/start-failure'
import type { Fleet } from '@aed/core/fleet'

export class ProvisionError extends ActionableError {
  constructor (readonly cabinetId: string, reason: string) {
    super(`issuing credentials for ${cabinetId} failed: ${reason}`)
    this.name = 'ProvisionError'
  }
}

/** Nothing answered at the API's address: the monitor is not running there. */
export class ApiUnreachableError extends ActionableError {
  constructor (readonly apiUrl: string, cause: unknown) {
    // fetch reports "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND…) is in its cause.
    const detail = (cause as { cause?: { code?: string, message?: string } } | undefined)?.cause
    const reason = detail?.code ?? detail?.message ?? (cause as Error | undefined)?.message ?? String(cause)
    super(`cannot reach the monitor's API at ${apiUrl} (${reason}): is the monitor (or npm run demo) running? give its address with --api`, { cause })
    this.name = 'ApiUnreachableError'
  }
}

/**
 * Asks the monitor's API for a new secret for each cabinet, as a technician
 * does when commissioning. Every secret issued replaces the cabinet's
 * previous one.
 */
export async function provisionCabinets (apiUrl: string, token: string, cabinetIds: Iterable<string>): Promise<Record<string, string>> {
  const secrets: Record<string, string> = {}
  for (const id of cabinetIds) {
    let res: Response
    try {
      res = await fetch(new URL(`/api/v1/cabinets/${encodeURIComponent(id)}/credentials`, apiUrl), {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` }
      })
    } catch (err) {
      throw new ApiUnreachableError(apiUrl, err)
    }
    const body = await res.json().catch(() => ({})) as { secret?: string, message?: string }
    if (res.status === 401 || res.status === 403) {
      throw new ProvisionError(id, `the API at ${apiUrl} refused the token (HTTP ${res.status}): give the admin token with --token or AED_ADMIN_TOKEN (npm run demo prints it)`)
    }
    if (res.status !== 201 || typeof body.secret !== 'string') throw new ProvisionError(id, `HTTP ${res.status} ${body.message ?? ''}`.trim())
    secrets[id] = body.secret
  }
  return secrets
}

/** The cabinets to simulate from a fleet: active ones, and planned ones when asked. */
export function cabinetsToSimulate (fleet: Fleet, includePlanned: boolean): string[] {
  return [...fleet.cabinets.values()]
    .filter(c => c.status === 'active' || (includePlanned && c.status === 'planned'))
    .map(c => c.id)
}
