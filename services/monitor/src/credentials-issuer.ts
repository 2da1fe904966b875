import { CredentialFile, generateSecret, hashSecret, verifySecret } from '@aed/core/credentials'

/**
 * Issues MQTT secrets. The plain secret leaves this module once, in the
 * return value; only its hash is stored, and storing it replaces (and so
 * revokes) the previous one.
 */
export class CredentialsIssuer {
  constructor (private readonly file: CredentialFile) {}

  async issueCabinetSecret (cabinetId: string, now = new Date()): Promise<string> {
    const secret = generateSecret()
    await this.file.put(cabinetId, 'cabinet', await hashSecret(secret), now)
    return secret
  }

  /** Registers a service account's own secret (from its configuration) if the stored hash does not already match. */
  async registerServiceAccount (username: string, secret: string): Promise<void> {
    const existing = await this.file.find(username)
    if (existing?.role === 'service' && await verifySecret(secret, existing.secretHash)) return
    await this.file.put(username, 'service', await hashSecret(secret))
  }
}
