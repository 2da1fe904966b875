import type { Fleet } from '@aed/core/fleet'

export class ProvisionError extends Error {
  constructor (readonly cabinetId: string, reason: string) {
    super(`issuing credentials for ${cabinetId} failed: ${reason}`)
    this.name = 'ProvisionError'
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
    const res = await fetch(new URL(`/api/v1/cabinets/${encodeURIComponent(id)}/credentials`, apiUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` }
    })
    const body = await res.json().catch(() => ({})) as { secret?: string, message?: string }
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
