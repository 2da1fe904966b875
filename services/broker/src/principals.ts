import type { Client } from 'aedes'
import type { Principal, PrincipalRole } from '@aed/core/credentials'

/** Who an authenticated connection is, remembered for authorisation and revocation. */
export interface ConnectedPrincipal {
  username: string
  role: PrincipalRole
  /** The stored hash the secret was checked against; a different one means the secret was replaced. */
  secretHash: string
  /** How it proved who it is: its secret, or a client certificate (client-certificate.ts). */
  proof: 'secret' | 'certificate'
}

const principals = new WeakMap<Client, ConnectedPrincipal>()

export function rememberPrincipal (client: Client, principal: ConnectedPrincipal): void {
  principals.set(client, principal)
}

export function principalOf (client: Client | null): ConnectedPrincipal | undefined {
  return client === null ? undefined : principals.get(client)
}

/**
 * Why a live connection may no longer stay, given the principal's entry in
 * the credentials file now; undefined when it may. A connection made with a
 * secret ends when the secret is replaced; one made with a certificate
 * does not depend on the secret, and ends when the cabinet leaves the file.
 */
export function revocation (principal: ConnectedPrincipal, current: Principal | undefined): string | undefined {
  if (principal.proof === 'certificate') {
    return current?.role === 'cabinet' ? undefined : 'cabinet removed from the credentials file: closing its certificate connection'
  }
  return current?.secretHash === principal.secretHash ? undefined : 'secret replaced: closing connection made with the old one'
}
