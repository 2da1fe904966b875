import t from 'tap'
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { ConfigError } from '@aed/core/validated-input'
import { MONITOR_SECRETS, loadMonitorConfig, secretsOf } from './config.ts'

const strong = (): string => randomBytes(32).toString('base64')
const required = { AED_ADMIN_TOKEN: strong(), MQTT_PASSWORD: strong(), CREDENTIALS_HASH_KEY: strong(), ALERT_LINK_SECRET: strong() }

t.test('the defaults run the Pernik fleet against local services', async t => {
  const config = loadMonitorConfig(required)
  t.equal(config.PORT, 8080)
  t.equal(config.INFLUX_DB, 'aed')
  t.match(config.FLEET_FILE, /infra\/fleet\/pernik\.yaml$/)
  t.equal(config.SMS_PROVIDER, 'none')
})

t.test('every problem with a setting is listed at once', async t => {
  const error = t.throws(() => loadMonitorConfig({ PORT: 'eighty', AED_ADMIN_TOKEN: 'short' })) as ConfigError
  t.ok(error instanceof ConfigError)
  const problems = error.problems.join('\n')
  for (const name of ['PORT', 'AED_ADMIN_TOKEN', 'MQTT_PASSWORD', 'CREDENTIALS_HASH_KEY', 'ALERT_LINK_SECRET']) t.match(problems, name, `names ${name}`)
})

t.test('settings that depend on each other are checked once each is valid: Twilio needs its account', async t => {
  const error = t.throws(() => loadMonitorConfig({ ...required, SMS_PROVIDER: 'twilio' })) as ConfigError
  const problems = error.problems.join('\n')
  for (const name of ['SMS_ACCOUNT_SID', 'SMS_AUTH_TOKEN', 'SMS_FROM']) t.match(problems, name, `names ${name}`)
})

t.test('an empty variable counts as unset', async t => {
  const config = loadMonitorConfig({ ...required, SMS_BASE_URL: '', SMTP_FROM: '', INFLUX_TOKEN: '' })
  t.equal(config.SMS_BASE_URL, 'https://api.twilio.com')
  t.equal(config.INFLUX_TOKEN, undefined)
})

t.test('the dashboard linked from emails is a URL of its own, unset by default: never the API root', async t => {
  t.equal(loadMonitorConfig(required).DASHBOARD_URL, undefined)
  t.equal(loadMonitorConfig({ ...required, DASHBOARD_URL: '' }).DASHBOARD_URL, undefined)
  const url = 'https://grafana.aed.pernik.bg/d/aed-fleet-overview'
  t.equal(loadMonitorConfig({ ...required, DASHBOARD_URL: url }).DASHBOARD_URL, url)
  const error = t.throws(() => loadMonitorConfig({ ...required, DASHBOARD_URL: 'grafana/d/aed-fleet-overview' })) as ConfigError
  t.match(error.problems.join('\n'), /DASHBOARD_URL/)
})

t.test('the placeholders of .env.example stop the start: each secret is named, with how to make one', async t => {
  const example = Object.fromEntries((await readFile(new URL('../../../.env.example', import.meta.url), 'utf8'))
    .split('\n').filter(line => /^[A-Z0-9_]+=/.test(line)).map(line => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]))
  const error = t.throws(() => loadMonitorConfig(example)) as ConfigError
  for (const name of ['AED_ADMIN_TOKEN', 'MQTT_PASSWORD', 'CREDENTIALS_HASH_KEY', 'ALERT_LINK_SECRET', 'INFLUX_TOKEN', 'SMTP_PASSWORD']) {
    t.ok(error.problems.includes(`${name}: a placeholder, not a secret; generate one with \`openssl rand -base64 32\``), name)
  }
})

t.test('every secret setting refuses short, repeated and dictionary values, and the error never quotes them', async t => {
  const weak = {
    AED_ADMIN_TOKEN: 'x'.repeat(40),
    MQTT_PASSWORD: 'password',
    CREDENTIALS_HASH_KEY: 'secret-key-secret-key-2024',
    ALERT_LINK_SECRET: 'changeme',
    INFLUX_TOKEN: 'admin:admin-password-2024',
    SMTP_PASSWORD: 'Summer2024!',
    SMS_AUTH_TOKEN: 'test-admin-token-0123456789',
    SMS_WEBHOOK_TOKEN: 'abcdabcdabcdabcdabcdabcdabcdabcd',
    HTTPS_KEY_PASSPHRASE: 'hunter2hunter2hunter2hunter2'
  }
  const error = t.throws(() => loadMonitorConfig(weak)) as ConfigError
  for (const name of MONITOR_SECRETS) t.match(error.problems.join('\n'), new RegExp(`^${name}: (a placeholder|too short|too predictable)`, 'm'), name)
  for (const value of Object.values(weak)) t.notMatch(error.message, value, 'the value is not in the error')
})

t.test('the secret settings are the ones scrubbed from logs; unset optional ones are left out', async t => {
  const config = loadMonitorConfig({ ...required, SMTP_PASSWORD: strong() })
  t.same(secretsOf(config).filter(v => v !== undefined).sort(), [required.AED_ADMIN_TOKEN, required.MQTT_PASSWORD, required.CREDENTIALS_HASH_KEY, required.ALERT_LINK_SECRET, config.SMTP_PASSWORD].sort())
})

t.test('TLS settings come in pairs: HTTPS needs certificate and key, a broker CA needs mqtts://', async t => {
  const https = t.throws(() => loadMonitorConfig({ ...required, HTTPS_CERT_FILE: '/etc/aed/api.crt' })) as ConfigError
  t.match(https.problems, [/^HTTPS_KEY_FILE: HTTPS needs both HTTPS_CERT_FILE and HTTPS_KEY_FILE/])
  const ca = t.throws(() => loadMonitorConfig({ ...required, MQTT_CA_FILE: '/etc/aed/ca.crt' })) as ConfigError
  t.match(ca.problems, [/^MQTT_CA_FILE: set, but MQTT_URL is not mqtts:\/\//])
  const config = loadMonitorConfig({ ...required, MQTT_URL: 'mqtts://broker.example.org:8883', MQTT_CA_FILE: '/etc/aed/ca.crt', HTTPS_CERT_FILE: '/etc/aed/api.crt', HTTPS_KEY_FILE: '/etc/aed/api.key' })
  t.equal(config.MQTT_CA_FILE, '/etc/aed/ca.crt')
})

t.test('TRUST_PROXY is a comma-separated list of addresses and CIDR ranges; each other entry is named', async t => {
  t.equal(loadMonitorConfig(required).TRUST_PROXY, undefined, 'unset: no proxy is believed')
  t.same(loadMonitorConfig({ ...required, TRUST_PROXY: '10.0.0.5, 10.0.1.0/24,::1,fd00::/8' }).TRUST_PROXY, ['10.0.0.5', '10.0.1.0/24', '::1', 'fd00::/8'])
  const error = t.throws(() => loadMonitorConfig({ ...required, PORT: 'eighty', TRUST_PROXY: '10.0.0.5,proxy.local,10.0.0.0/33,::1/129,10.0.0.1/8/8' })) as ConfigError
  const problems = error.problems.join('\n')
  t.match(problems, 'PORT', 'listed with the other problems')
  for (const entry of ['proxy.local', '10.0.0.0/33', '::1/129', '10.0.0.1/8/8']) t.match(problems, `TRUST_PROXY: "${entry}" is not an IP address or CIDR range`)
  t.notMatch(problems, '"10.0.0.5"')
})

t.test('rate limits are whole numbers of at least one', async t => {
  const config = loadMonitorConfig(required)
  t.same([config.API_RATE_LIMIT, config.API_RATE_LIMIT_UNAUTHENTICATED, config.ACK_RATE_LIMIT, config.RATE_LIMIT_WINDOW_S], [600, 60, 30, 60])
  const error = t.throws(() => loadMonitorConfig({ ...required, API_RATE_LIMIT: '0', API_RATE_LIMIT_UNAUTHENTICATED: '-1', ACK_RATE_LIMIT: '2.5', RATE_LIMIT_WINDOW_S: 'minute' })) as ConfigError
  const problems = error.problems.join('\n')
  for (const name of ['API_RATE_LIMIT', 'API_RATE_LIMIT_UNAUTHENTICATED', 'ACK_RATE_LIMIT', 'RATE_LIMIT_WINDOW_S']) t.match(problems, new RegExp(`^${name}: `, 'm'), `names ${name}`)
})
