import t from 'tap'
import { ConfigError } from '@aed/core/validated-input'
import { generateSecret } from '@aed/core/credentials'
import { loadBrokerConfig as loadConfig } from './config.ts'

const key = generateSecret()
const loadBrokerConfig = (env: Record<string, string>) => loadConfig({ CREDENTIALS_HASH_KEY: key, ...env })
import { persistenceFromConfig, redisPassword } from './persistence.ts'

t.test('by default the broker speaks plain MQTT on 1883 and no TLS', async t => {
  const config = loadBrokerConfig({})
  t.equal(config.MQTT_PORT, 1883)
  t.equal(config.MQTT_PLAIN_ENABLED, true)
  t.equal(config.MQTT_TLS_CERT_FILE, undefined)
  t.equal(config.MQTT_TLS_PORT, 8883)
})

t.test('TLS needs certificate and key; client certificates and "plain off" need TLS; all problems at once', async t => {
  const error = t.throws(() => loadBrokerConfig({ MQTT_TLS_CERT_FILE: '/etc/aed/broker.crt', MQTT_PLAIN_ENABLED: 'false' })) as ConfigError
  t.match(error.problems, [/^MQTT_TLS_KEY_FILE: MQTT over TLS needs both/])
  const none = t.throws(() => loadBrokerConfig({ MQTT_TLS_CA_FILE: '/etc/aed/ca.crt', MQTT_PLAIN_ENABLED: 'false' })) as ConfigError
  t.match(none.problems.join('\n'), /^MQTT_TLS_CA_FILE: client certificates need the TLS listener/m)
  t.match(none.problems.join('\n'), /^MQTT_PLAIN_ENABLED: false without MQTT_TLS_CERT_FILE and MQTT_TLS_KEY_FILE leaves the broker nothing to listen on/m)
  const tlsOnly = loadBrokerConfig({ MQTT_TLS_CERT_FILE: '/etc/aed/broker.crt', MQTT_TLS_KEY_FILE: '/etc/aed/broker.key', MQTT_TLS_CA_FILE: '/etc/aed/ca.crt', MQTT_PLAIN_ENABLED: 'false' })
  t.equal(tlsOnly.MQTT_PLAIN_ENABLED, false)
})

t.test('the key passphrase is a secret: a weak one is refused, and not quoted', async t => {
  const error = t.throws(() => loadBrokerConfig({ MQTT_TLS_CERT_FILE: '/c', MQTT_TLS_KEY_FILE: '/k', MQTT_TLS_KEY_PASSPHRASE: 'change-me-key-passphrase' })) as ConfigError
  t.match(error.problems, [/^MQTT_TLS_KEY_PASSPHRASE: a placeholder, not a secret; generate one with `openssl rand -base64 32`/])
  t.notMatch(error.message, 'change-me-key-passphrase')
})

t.test('with nothing set, the broker keeps its state on disk under data/broker', async t => {
  t.same(persistenceFromConfig(loadBrokerConfig({})), { kind: 'disk', dataDir: 'data/broker' })
})

t.test('redis takes REDIS_URL; memory needs nothing', async t => {
  t.same(persistenceFromConfig(loadBrokerConfig({ BROKER_PERSISTENCE: 'redis', REDIS_URL: 'redis://redis:6379/2' })), { kind: 'redis', url: 'redis://redis:6379/2' })
  t.same(persistenceFromConfig(loadBrokerConfig({ BROKER_PERSISTENCE: 'memory' })), { kind: 'memory' })
})

t.test('an unknown store and a REDIS_URL that is not one are both listed', async t => {
  const problems = (() => {
    try {
      loadBrokerConfig({ BROKER_PERSISTENCE: 'sqlite', REDIS_URL: 'http://redis:6379' })
      return []
    } catch (err) {
      return err instanceof ConfigError ? err.problems : [String(err)]
    }
  })()
  t.equal(problems.length, 2)
  t.match(problems.join('\n'), /BROKER_PERSISTENCE: /)
  t.match(problems.join('\n'), /REDIS_URL: a redis:\/\/ or rediss:\/\/ URL/)
})

t.test('the password in REDIS_URL is found so that no log line carries it', async t => {
  t.equal(redisPassword('redis://:s3cr%2Ft@redis:6379/0'), 's3cr/t')
  t.equal(redisPassword('redis://redis:6379'), undefined)
})

t.test('the credentials hash key is required and a secret: missing, placeholder or short keys are refused, and not quoted', async t => {
  const missing = t.throws(() => loadConfig({})) as ConfigError
  t.match(missing.problems, [/^CREDENTIALS_HASH_KEY: /])
  for (const weak of ['change-me-credentials-hash-key', 'abc123abc123']) {
    const error = t.throws(() => loadBrokerConfig({ CREDENTIALS_HASH_KEY: weak })) as ConfigError
    t.match(error.problems, [/^CREDENTIALS_HASH_KEY: (a placeholder|too short)/], weak)
    t.notMatch(error.message, weak)
  }
  t.equal(loadBrokerConfig({}).CREDENTIALS_HASH_KEY, key)
})

t.test('trusted balancers are a list of addresses and CIDR blocks, none by default; every entry that is neither is listed', async t => {
  t.same(loadBrokerConfig({}).MQTT_TRUSTED_PROXIES, [])
  t.same(loadBrokerConfig({ MQTT_TRUSTED_PROXIES: '172.30.0.10, 10.1.0.0/16 fd00::/64' }).MQTT_TRUSTED_PROXIES, ['172.30.0.10', '10.1.0.0/16', 'fd00::/64'])
  const error = t.throws(() => loadBrokerConfig({ MQTT_TRUSTED_PROXIES: 'mqtt-lb,10.0.0.0/33,fd00::/129,10.0.0.1/8/8' })) as ConfigError
  t.match(error.problems, [
    /^MQTT_TRUSTED_PROXIES: "mqtt-lb" is neither an IP address nor a CIDR block/,
    /^MQTT_TRUSTED_PROXIES: "10.0.0.0\/33" is neither/,
    /^MQTT_TRUSTED_PROXIES: "fd00::\/129" is neither/,
    /^MQTT_TRUSTED_PROXIES: "10.0.0.1\/8\/8" is neither/
  ])
})
