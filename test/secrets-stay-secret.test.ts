import t from 'tap'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { createLogger } from '@aed/core/logger'
import { jsonFilesUnder } from '../dashboards/src/build.ts'
import { MONITOR_SECRETS } from '../services/monitor/src/config.ts'
import { startTestStack, strongTestSecret, TEST_PEOPLE, waitFor } from './support/stack.ts'

/**
 * Secrets go in, and must come out nowhere: the whole system runs with
 * known secrets (every secret setting of the monitor that this stack can
 * use, and a cabinet secret and an API token issued through the API), goes
 * through alerts, failing and succeeding deliveries, refused requests and a
 * restart with a password in the MQTT URL; then its log, /metrics, the alert
 * journal, the audit trail, the API token file, the dashboards and the
 * messages people got are searched for every secret.
 *
 * The log goes through the production logger's key redaction but without
 * the last-resort scrubbing of secret values, so nothing here passes
 * because the scrubber caught it: no code path may log a secret at all.
 */

const logged: string[] = []
const logger = createLogger('aed-monitor', 'debug', {
  destination: new Writable({ write (chunk, _encoding, done) { logged.push(String(chunk)); done() } })
})
const smtpCredentials = { user: 'aed-monitor@example.org', password: strongTestSecret() }
const stack = await startTestStack({
  logger,
  smtpCredentials,
  ackTimeoutMinutes: 0.05,
  env: {
    INFLUX_TOKEN: strongTestSecret(),
    SMTP_USER: smtpCredentials.user,
    SMTP_PASSWORD: smtpCredentials.password,
    SMS_WEBHOOK_TOKEN: strongTestSecret(),
    LOG_LEVEL: 'debug'
  }
})
t.teardown(() => stack.stop())

const secrets = new Map<string, string>()
for (const name of MONITOR_SECRETS) {
  const value = stack.config[name]
  if (value !== undefined) secrets.set(name, value)
}

t.test('the stack runs with every secret setting it can use', async t => {
  t.same([...secrets.keys()].sort(), ['AED_ADMIN_TOKEN', 'ALERT_LINK_SECRET', 'CREDENTIALS_HASH_KEY', 'INFLUX_TOKEN', 'MQTT_PASSWORD', 'SMS_AUTH_TOKEN', 'SMS_WEBHOOK_TOKEN', 'SMTP_PASSWORD'])
})

t.test('alerts go out, deliveries fail and recover, requests are refused, the monitor restarts', async t => {
  const issued = await stack.api('POST', '/api/v1/cabinets/pernik-aed-02/credentials')
  secrets.set('cabinet secret pernik-aed-02', issued.body.secret)
  const token = await stack.api('POST', '/api/v1/tokens', { name: 'night-desk', role: 'responder' })
  secrets.set('an issued API token', token.body.token)
  t.equal((await fetch(`${stack.apiUrl}/api/v1/alerts`, { headers: { authorization: `Bearer ${token.body.token as string}` } })).status, 200, 'the issued token is used')

  const cabinet = await stack.cabinet('pernik-aed-01', { heartbeatIntervalS: 1 })
  await waitFor(async () => (await stack.api('GET', '/api/v1/cabinets/pernik-aed-01')).body.readiness.state === 'ready', 'ready')
  stack.sms.failNext(1, 500)
  cabinet.openDoor()
  await waitFor(() => stack.sms.messages.length > 0 && stack.smtp.mails.length > 0, 'an SMS after a failed try, and an email')
  cabinet.failSelftest(['E-ELECTRODE'])
  cabinet.setBattery(5)
  await waitFor(async () => (await stack.api('GET', '/api/v1/alerts?status=open')).body.alerts.length >= 3, 'three alerts')
  // Escalation (3 s here) reaches the backup.
  await waitFor(() => stack.sms.messages.some(m => m.to === TEST_PEOPLE.backup.phone), 'escalated to the backup')

  const link = stack.sms.messages[0]!.body.match(/\/a\/\S+$/)![0]
  t.equal((await fetch(`${stack.apiUrl}${link}`)).status, 200, 'the acknowledgement page opens')
  t.equal((await fetch(`${stack.apiUrl}/api/v1/cabinets`, { headers: { authorization: `Bearer ${strongTestSecret()}` } })).status, 401, 'a wrong token is refused')
  t.equal((await fetch(`${stack.apiUrl}/api/v1/cabinets`, { headers: { authorization: `Basic ${Buffer.from(`admin:${secrets.get('AED_ADMIN_TOKEN')!}`).toString('base64')}` } })).status, 401, 'the token as Basic is refused')

  // The monitor comes back with its password in the MQTT URL and a wrong SMTP password: every email now fails.
  const url = new URL(stack.config.MQTT_URL)
  url.username = encodeURIComponent(stack.config.MQTT_USERNAME)
  url.password = encodeURIComponent(stack.config.MQTT_PASSWORD)
  stack.config.MQTT_URL = url.toString()
  stack.config.SMTP_PASSWORD = strongTestSecret()
  secrets.set('the wrong SMTP password', stack.config.SMTP_PASSWORD)
  await stack.restartService()
  const failedBefore = logged.filter(line => line.includes('notification failed')).length
  cabinet.closeDoor()
  cabinet.setTemperature(-15)
  await waitFor(() => logged.filter(line => line.includes('notification failed')).length > failedBefore, 'an email failing on SMTP AUTH')
  const log = logged.join('')
  for (const msg of ['alert transition', 'notification attempt failed', 'notification failed', 'connected to broker', 'not acknowledged in time: escalating']) {
    t.match(log, msg, `the log has "${msg}"`)
  }
  t.match(log, /Invalid username or password|EAUTH/, 'the SMTP AUTH failure is in the log')
})

t.test('no secret, in any form, is in the log, /metrics, the alert journal, the audit trail, the token file, the dashboards or the messages people got', async t => {
  const places = new Map<string, string>()
  places.set('the log', logged.join(''))
  places.set('/metrics', await (await fetch(`${stack.apiUrl}/metrics`)).text())
  places.set('/readyz', await (await fetch(`${stack.apiUrl}/readyz`)).text())
  places.set('/openapi.json', await (await fetch(`${stack.apiUrl}/openapi.json`)).text())
  places.set('the alert journal', await readFile(join(stack.config.DATA_DIR, 'alert-journal.jsonl'), 'utf8'))
  places.set('the audit trail', await readFile(join(stack.config.DATA_DIR, 'audit.jsonl'), 'utf8'))
  places.set('the API token file', await readFile(join(stack.config.DATA_DIR, 'api-tokens.json'), 'utf8'))
  const dashboards = new URL('../dashboards/generated/', import.meta.url)
  for (const file of await jsonFilesUnder(fileURLToPath(dashboards))) places.set(`dashboards/generated/${file}`, await readFile(new URL(file, dashboards), 'utf8'))
  places.set('the SMS', stack.sms.messages.map(m => m.body).join('\n'))
  places.set('the emails', stack.smtp.mails.map(m => m.raw).join('\n'))
  t.ok(places.get('the alert journal')!.length > 0 && places.get('the audit trail')!.length > 0 && places.get('the SMS')!.length > 0 && places.get('the emails')!.length > 0, 'there is something to search')

  const forms = (value: string): string[] => [
    value,
    JSON.stringify(value).slice(1, -1),
    encodeURIComponent(value),
    Buffer.from(value).toString('base64'),
    Buffer.from(`${stack.config.SMS_ACCOUNT_SID ?? ''}:${value}`).toString('base64'),
    Buffer.from(`${smtpCredentials.user}:${value}`).toString('base64'),
    Buffer.from(`\u0000${smtpCredentials.user}\u0000${value}`).toString('base64')
  ]
  for (const [name, value] of secrets) {
    for (const [place, text] of places) {
      t.notOk(forms(value).some(form => text.includes(form)), `${name} is not in ${place}`)
    }
  }
})
