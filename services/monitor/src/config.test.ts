import t from 'tap'
import { ConfigError } from '@aed/core/validated-input'
import { loadMonitorConfig } from './config.ts'

const required = { AED_ADMIN_TOKEN: 'admin-token-0123456789', MQTT_PASSWORD: 'mqtt-password-0123456789', ALERT_LINK_SECRET: 'x'.repeat(32) }

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
  for (const name of ['PORT', 'AED_ADMIN_TOKEN', 'MQTT_PASSWORD', 'ALERT_LINK_SECRET']) t.match(problems, name, `names ${name}`)
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
