import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino, type Logger } from 'pino'
import { CredentialFile, generateSecret, SecretHasher, serviceUsername, type PrincipalRole } from '@aed/core/credentials'
import { startBroker, type BrokerLimits, type MqttTlsOptions, type RunningBroker } from '@aed/broker'

/** A real broker on a free loopback port with its own credentials file. */
export interface TestBroker extends RunningBroker {
  /** mqtt://127.0.0.1:port, or the TLS URL when plain MQTT is off. */
  url: string
  /** mqtts://localhost:port when TLS is on. */
  tlsUrl?: string | undefined
  credentials: CredentialFile
  /** CREDENTIALS_HASH_KEY of this broker (random per broker). */
  credentialsHashKey: string
  /** Hashes secrets as the monitor does for this broker. */
  hasher: SecretHasher
  /** Registers a principal and returns its plain secret. */
  addPrincipal (username: string, role: PrincipalRole): Promise<string>
  addCabinet (cabinetId: string): Promise<string>
  addService (name: string): Promise<{ username: string, password: string }>
}

/**
 * Login delays are short unless a test sets them: every test client comes
 * from 127.0.0.1, so the penalties of a test that fails logins on purpose
 * would otherwise slow the connects of the tests after it.
 */
const TEST_LOGIN_DELAYS: Partial<BrokerLimits> = { loginDelayBaseMs: 10, loginDelayMaxMs: 200 }

export interface TestBrokerOptions {
  logger?: Logger
  credentialsPollMs?: number
  /** MQTT over TLS on a free port (the port given here is ignored). */
  tls?: Omit<MqttTlsOptions, 'port'>
  /** false: TLS only. */
  plain?: boolean
  /** Overrides of the broker's limits. */
  limits?: Partial<BrokerLimits>
  /** CREDENTIALS_HASH_KEY; a random one by default. */
  credentialsHashKey?: string
  /** An existing credentials file (kept on close); by default one in a temporary directory. */
  credentialsFile?: string
  /** The plain MQTT port; a free one by default. */
  port?: number
  /** MQTT_TRUSTED_PROXIES: peers whose connections begin with a PROXY header. */
  trustedProxies?: readonly string[]
}

export async function startTestBroker (options: TestBrokerOptions = {}): Promise<TestBroker> {
  const dir = options.credentialsFile === undefined ? await mkdtemp(join(tmpdir(), 'aed-broker-')) : undefined
  const credentialsFile = options.credentialsFile ?? join(dir!, 'credentials.json')
  const credentials = new CredentialFile(credentialsFile)
  const credentialsHashKey = options.credentialsHashKey ?? generateSecret()
  const hasher = new SecretHasher(credentialsHashKey)
  const broker = await startBroker({
    host: '127.0.0.1',
    port: options.plain === false ? undefined : options.port ?? 0,
    tls: options.tls === undefined ? undefined : { ...options.tls, port: 0 },
    credentialsFile,
    credentialsHashKey,
    credentialsPollMs: options.credentialsPollMs ?? 100,
    limits: { ...TEST_LOGIN_DELAYS, ...options.limits },
    ...(options.trustedProxies !== undefined ? { trustedProxies: options.trustedProxies } : {}),
    logger: options.logger ?? pino({ level: 'silent' })
  })
  const addPrincipal = async (username: string, role: PrincipalRole): Promise<string> => {
    const secret = generateSecret()
    await credentials.put(username, role, hasher.hash(secret))
    return secret
  }
  const tlsUrl = broker.tlsPort === undefined ? undefined : `mqtts://localhost:${broker.tlsPort}`
  return {
    ...broker,
    url: options.plain === false ? tlsUrl! : `mqtt://127.0.0.1:${broker.port}`,
    tlsUrl,
    credentials,
    credentialsHashKey,
    hasher,
    addPrincipal,
    addCabinet: id => addPrincipal(id, 'cabinet'),
    async addService (name) {
      const username = serviceUsername(name)
      return { username, password: await addPrincipal(username, 'service') }
    },
    async close () {
      await broker.close()
      if (dir !== undefined) await rm(dir, { recursive: true, force: true })
    }
  }
}
