import t from 'tap'
import { ConfigError } from '@aed/core/validated-input'
import { generateSecret } from '@aed/core/credentials'
import { loadBrokerConfig as loadConfig } from './config.ts'

const key = generateSecret()
const loadBrokerConfig = (env: Record<string, string>) => loadConfig({ CREDENTIALS_HASH_KEY: key, ...env })

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
