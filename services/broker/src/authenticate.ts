import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { AuthenticateError, Client } from 'aedes'
import { generateSecret, secretHashScheme, type CredentialLookup, type SecretHasher } from '@aed/core/credentials'
import { isCabinetId } from '@aed/core/protocol'
import { verifiedCertificateName } from './client-certificate.ts'
import { rememberPrincipal } from './principals.ts'

// MQTT 3.1.1 CONNACK return codes, table 3.1.
const IDENTIFIER_REJECTED = 2
const SERVER_UNAVAILABLE = 3
const BAD_USERNAME_OR_PASSWORD = 4
const NOT_AUTHORIZED = 5

export class AuthenticationError extends Error {
  constructor (readonly returnCode: number, readonly clientId: string, readonly username: string | undefined, readonly reason: string, options?: ErrorOptions) {
    super(`client ${clientId} (user ${username ?? '-'}) refused: ${reason}`, options)
    this.name = 'AuthenticationError'
  }
}

/** A refusal that is the client's doing (CONNACK 2, 4, 5), as opposed to the broker failing to read its credentials (3). */
export function isFailedLogin (error: unknown): error is AuthenticationError {
  return error instanceof AuthenticationError && error.returnCode !== SERVER_UNAVAILABLE
}

type Done = (error: AuthenticateError | null, success: boolean | null) => void

export interface AuthenticateOptions {
  /** Checks a secret against a stored hash (default: the hasher's verify); tests count the calls. */
  verifySecret?: (secret: string, stored: string) => Promise<boolean>
}

/**
 * A cabinet connects with client id = username = its cabinet id and its
 * current secret; a service connects with its service account
 * (`service:NAME`) and any client id. Over TLS, a cabinet may instead
 * present a client certificate signed by MQTT_TLS_CA_FILE whose CN is its
 * cabinet id (docs/operations.md#mqtt-over-tls). Everything else is refused.
 */
export function createAuthenticate (credentials: CredentialLookup, hasher: SecretHasher, options: AuthenticateOptions = {}) {
  const verify = options.verifySecret ?? ((secret: string, stored: string) => hasher.verify(secret, stored))
  const verified = new VerifiedSecrets()
  // Unknown usernames are checked against this hash of a secret nobody knows, so
  // they cost the same HMAC as a known one and timing does not tell which exist.
  const unknownUserHash = hasher.hash(generateSecret())
  return function authenticate (client: Client, username: string | undefined, password: Buffer | undefined, done: Done): void {
    check(client, username, password).then(
      () => done(null, true),
      (err: unknown) => {
        const error = err instanceof AuthenticationError
          ? err
          : new AuthenticationError(SERVER_UNAVAILABLE, client.id, username, 'credential lookup failed', { cause: err })
        done(error as unknown as AuthenticateError, false)
      }
    )
  }

  async function check (client: Client, username: string | undefined, password: Buffer | undefined): Promise<void> {
    const certified = verifiedCertificateName(client)
    if (certified !== undefined) return await checkCertificate(client, username, certified)
    if (username === undefined || password === undefined) {
      throw new AuthenticationError(BAD_USERNAME_OR_PASSWORD, client.id, username, 'no username or password')
    }
    const principal = await credentials.find(username)
    const secret = password.toString('utf8')
    if (principal === undefined) {
      await verify(secret, unknownUserHash)
      throw new AuthenticationError(BAD_USERNAME_OR_PASSWORD, client.id, username, 'unknown username')
    }
    const legacy = secretHashScheme(principal.secretHash) !== 'hmac-sha256'
    if (!legacy && !hasher.isCurrent(principal.secretHash)) {
      // No secret can match: the broker and the monitor disagree on CREDENTIALS_HASH_KEY. That is
      // the operator's to fix, so it is not held against the cabinet as a failed login.
      throw new AuthenticationError(SERVER_UNAVAILABLE, client.id, username, 'secret hashed under another CREDENTIALS_HASH_KEY')
    }
    if (!(legacy && verified.has(username, principal.secretHash, secret))) {
      if (!await verify(secret, principal.secretHash)) {
        throw new AuthenticationError(BAD_USERNAME_OR_PASSWORD, client.id, username, 'wrong secret')
      }
      if (legacy) verified.remember(username, principal.secretHash, secret)
    }
    // Checked only after the secret, so that CONNACK 2 tells nobody without the secret that the username exists.
    if (principal.role === 'cabinet' && (client.id !== username || !isCabinetId(username))) {
      throw new AuthenticationError(IDENTIFIER_REJECTED, client.id, username, 'a cabinet must use its cabinet id as client id')
    }
    rememberPrincipal(client, { username, role: principal.role, secretHash: principal.secretHash, proof: 'secret' })
  }

  /**
   * The certificate is the proof, as with mosquitto's
   * use_identity_as_username: a password sent alongside is not checked. The
   * CN must be a cabinet of the credentials file, and its client id (and
   * username, if one is sent) that cabinet id.
   */
  async function checkCertificate (client: Client, username: string | undefined, commonName: string): Promise<void> {
    if (!isCabinetId(commonName) || client.id !== commonName || (username !== undefined && username !== commonName)) {
      throw new AuthenticationError(IDENTIFIER_REJECTED, client.id, username, `certificate for ${commonName}: a cabinet must use its cabinet id as client id and username`)
    }
    const principal = await credentials.find(commonName)
    if (principal?.role !== 'cabinet') {
      throw new AuthenticationError(NOT_AUTHORIZED, client.id, username, `certificate for ${commonName}: not a cabinet of the credentials file`)
    }
    rememberPrincipal(client, { username: commonName, role: 'cabinet', secretHash: principal.secretHash, proof: 'certificate' })
  }
}

/**
 * Secrets this process has already checked against a legacy scrypt hash, so
 * a cabinet not yet issued an hmac-sha256 hash that reconnects (flaky
 * radio, keep-alive timeouts) costs an HMAC, not a scrypt. Only a keyed
 * digest of the secret is held, under a key that never leaves the process;
 * a replaced hash invalidates the entry. Current hashes need no such help:
 * verifying one is the same single HMAC.
 */
class VerifiedSecrets {
  private readonly key = randomBytes(32)
  private readonly entries = new Map<string, { secretHash: string, digest: Buffer }>()

  has (username: string, secretHash: string, secret: string): boolean {
    const entry = this.entries.get(username)
    return entry !== undefined && entry.secretHash === secretHash && timingSafeEqual(entry.digest, this.digest(secret))
  }

  remember (username: string, secretHash: string, secret: string): void {
    this.entries.set(username, { secretHash, digest: this.digest(secret) })
  }

  private digest (secret: string): Buffer {
    return createHmac('sha256', this.key).update(secret).digest()
  }
}
