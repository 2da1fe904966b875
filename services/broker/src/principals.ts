import type { Client } from 'aedes'
import type { PrincipalRole } from '@aed/core/credentials'

/** Who an authenticated connection is, remembered for authorisation and revocation. */
export interface ConnectedPrincipal {
  username: string
  role: PrincipalRole
  /** The stored hash the secret was checked against; a different one means the secret was replaced. */
  secretHash: string
}

const principals = new WeakMap<Client, ConnectedPrincipal>()

export function rememberPrincipal (client: Client, principal: ConnectedPrincipal): void {
  principals.set(client, principal)
}

export function principalOf (client: Client | null): ConnectedPrincipal | undefined {
  return client === null ? undefined : principals.get(client)
}
