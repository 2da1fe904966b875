import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

/**
 * A throw-away certificate authority for tests, made with the `openssl`
 * command line exactly as docs/operations.md tells an operator to: EC P-256
 * keys, a CA, a server certificate for localhost and 127.0.0.1, and client
 * certificates whose CN is a cabinet id. Everything lives in a temporary
 * directory that remove() deletes.
 */

export interface IssuedFiles {
  cert: string
  key: string
}

export interface TestCertificates {
  dir: string
  /** The CA's certificate and key. */
  ca: IssuedFiles
  /** A server certificate for localhost and 127.0.0.1, signed by the CA. */
  server: IssuedFiles
  /** A client certificate with this CN (a cabinet id), signed by the CA. */
  client (commonName: string): Promise<IssuedFiles>
  /** The server key, encrypted with this passphrase. */
  encryptedServerKey (passphrase: string): Promise<string>
  remove (): Promise<void>
}

const run = promisify(execFile)

async function openssl (dir: string, ...args: string[]): Promise<void> {
  await run('openssl', args, { cwd: dir, timeout: 30_000 })
}

async function newKey (dir: string, name: string): Promise<string> {
  await openssl(dir, 'genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`)
  return join(dir, `${name}.key`)
}

/** Signs a new key's request with the CA, with the given extensions. */
async function issue (dir: string, ca: IssuedFiles, name: string, subject: string, extensions: string[]): Promise<IssuedFiles> {
  const key = await newKey(dir, name)
  await openssl(dir, 'req', '-new', '-key', key, '-subj', subject, '-out', `${name}.csr`)
  await writeFile(join(dir, `${name}.ext`), extensions.join('\n') + '\n')
  await openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial',
    '-days', '2', '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.crt`)
  return { cert: join(dir, `${name}.crt`), key }
}

export async function createTestCertificates (caName = 'AED test CA'): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'aed-tls-'))
  const caKey = await newKey(dir, 'ca')
  await openssl(dir, 'req', '-x509', '-new', '-key', caKey, '-sha256', '-days', '2', '-subj', `/CN=${caName}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'ca.crt')
  const ca = { cert: join(dir, 'ca.crt'), key: caKey }
  const server = await issue(dir, ca, 'server', '/CN=localhost', [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=DNS:localhost,IP:127.0.0.1'
  ])
  return {
    dir,
    ca,
    server,
    client: commonName => issue(dir, ca, `client-${commonName}`, `/CN=${commonName}`, [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=clientAuth'
    ]),
    async encryptedServerKey (passphrase) {
      // The passphrase goes through the environment, not the command line other users could read.
      await run('openssl', ['pkey', '-in', server.key, '-aes-256-cbc', '-passout', 'env:AED_TEST_KEY_PASSPHRASE', '-out', 'server-encrypted.key'],
        { cwd: dir, timeout: 30_000, env: { ...process.env, AED_TEST_KEY_PASSPHRASE: passphrase } })
      return join(dir, 'server-encrypted.key')
    },
    remove: () => rm(dir, { recursive: true, force: true })
  }
}
