import { generateSecret, type CredentialFile, type SecretHasher } from '@aed/core/credentials'

/**
 * Issues MQTT secrets. The plain secret leaves this module once, in the
 * return value; only its hash (hmac-sha256 under CREDENTIALS_HASH_KEY) is
 * stored, and storing it replaces (and so revokes) the previous one. A
 * cabinet's legacy scrypt hash is replaced when its secret is next issued;
 * the service account's at start-up, when its stored hash is not current.
 */
export class CredentialsIssuer {
  constructor (private readonly file: CredentialFile, private readonly hasher: SecretHasher) {}

  async issueCabinetSecret (cabinetId: string, now = new Date()): Promise<string> {
    const secret = generateSecret()
    await this.file.put(cabinetId, 'cabinet', this.hasher.hash(secret), now)
    return secret
  }

  /** Registers a service account's own secret (from its configuration) unless the stored hash is current and matches it. */
  async registerServiceAccount (username: string, secret: string): Promise<void> {
    const existing = await this.file.find(username)
    if (existing?.role === 'service' && this.hasher.isCurrent(existing.secretHash) && this.hasher.verifyNow(secret, existing.secretHash)) return
    await this.file.put(username, 'service', this.hasher.hash(secret))
  }
}
