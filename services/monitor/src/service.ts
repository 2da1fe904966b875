import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { CredentialFile, SecretHasher } from '@aed/core/credentials'
import { loadFleet } from '@aed/core/fleet'
import { listenFailure } from '@aed/core/start-failure'
import { InfluxV1Client } from '@aed/core/influx'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { API_TOKENS_FILE, IssuedTokens } from './access/issued-tokens.ts'
import { buildApp } from './app.ts'
import { AUDIT_LOG_FILE, AuditLog } from './audit/audit-log.ts'
import type { Time } from '@aed/core/time'
import type { MonitorConfig } from './config.ts'
import { CredentialsIssuer } from './credentials-issuer.ts'
import { ApiTokens } from './http/api-auth.ts'
import { rateLimitsOf } from './http/rate-limits.ts'
import { loadDigestTemplates } from './messages/digest-message.ts'
import { loadMessageTemplates } from './messages/message-templates.ts'
import { Monitor } from './monitor.ts'
import { channelsFromConfig } from './notifiers/channels-from-config.ts'
import { createNotifiers } from './notifiers/create-notifiers.ts'
import { loadAlertingFile } from './routing/alerting-config.ts'
import { AlertRouting } from './routing/alert-routing.ts'
import { defaultThresholds } from './readiness/thresholds.ts'
import { readTlsSettings } from './tls-settings.ts'

export interface RunningService {
  app: FastifyInstance
  monitor: Monitor
  /** Where the HTTP API listens. */
  url: string
  close (): Promise<void>
}

/**
 * Builds and starts the whole service from a validated configuration:
 * registers the monitor's own MQTT account, starts the monitor core, then
 * the HTTP API. Shared by the entry point (server.ts), the demo and the
 * end-to-end tests.
 */
export interface ServiceOptions {
  /** The monitor's time line (tests move it by hand); the real clock by default. */
  time?: Time
  tickMs?: number
}

export async function startMonitorService (config: MonitorConfig, logger: Logger, options: ServiceOptions = {}): Promise<RunningService> {
  const tls = await readTlsSettings(config)
  const fleet = await loadFleet(config.FLEET_FILE)
  const routing = new AlertRouting(await loadAlertingFile(config.ALERTING_FILE))
  const templates = await loadMessageTemplates()
  const digestTemplates = await loadDigestTemplates()
  const notifiers = createNotifiers(channelsFromConfig(config))
  if (notifiers.length === 0) logger.warn('no notification channel configured (SMTP_HOST, SMS_PROVIDER): alerts reach nobody')
  const issuer = new CredentialsIssuer(new CredentialFile(config.CREDENTIALS_FILE), new SecretHasher(config.CREDENTIALS_HASH_KEY))
  await issuer.registerServiceAccount(config.MQTT_USERNAME, config.MQTT_PASSWORD)

  const influx = new InfluxV1Client({ url: config.INFLUX_URL, database: config.INFLUX_DB, token: config.INFLUX_TOKEN })
  const monitor = new Monitor({
    alerting: {
      routing,
      notifiers,
      templates,
      digestTemplates,
      dataDir: config.DATA_DIR,
      publicUrl: config.PUBLIC_URL,
      dashboardUrl: config.DASHBOARD_URL,
      ackSecret: config.ALERT_LINK_SECRET,
      ackTtlMs: config.ALERT_LINK_TTL_H * 3_600_000,
      retryPolicy: { attempts: config.NOTIFY_ATTEMPTS, baseDelayMs: config.NOTIFY_RETRY_BASE_MS, maxDelayMs: 30_000 },
      retryFailedEveryMs: config.NOTIFY_RETRY_FAILED_S * 1000
    },
    fleet,
    influx,
    mqtt: { url: config.MQTT_URL, username: config.MQTT_USERNAME, password: config.MQTT_PASSWORD, clientId: config.MQTT_CLIENT_ID, ca: tls.mqttCa },
    writer: { batchSize: config.INFLUX_BATCH_SIZE, flushMs: config.INFLUX_FLUSH_MS, maxBufferLines: config.INFLUX_BUFFER_LINES, createDatabase: config.INFLUX_CREATE_DB },
    thresholds: defaultThresholds(config),
    offlineAfterHeartbeats: config.OFFLINE_AFTER_HEARTBEATS,
    clockSkewToleranceMs: config.CLOCK_SKEW_TOLERANCE_S * 1000,
    snapshotIntervalMs: config.READINESS_SNAPSHOT_INTERVAL_S * 1000,
    logger: logger.child({ module: 'monitor' }),
    replicas: config.REPLICA_REDIS_URL === undefined
      ? undefined
      : { redisUrl: config.REPLICA_REDIS_URL, replicaId: config.REPLICA_ID ?? `${hostname()}-${process.pid}`, mqttClientId: config.MQTT_CLIENT_ID, leaseMs: config.REPLICA_LEASE_MS },
    ...(options.time !== undefined ? { time: options.time } : {}),
    ...(options.tickMs !== undefined ? { tickMs: options.tickMs } : {})
  })
  const services = monitor.services()
  const issuedTokens = new IssuedTokens(join(config.DATA_DIR, API_TOKENS_FILE), services.clock)
  const audit = new AuditLog(join(config.DATA_DIR, AUDIT_LOG_FILE), services.clock)
  const tokens = new ApiTokens(issuedTokens)
  tokens.add(config.AED_ADMIN_TOKEN, { name: 'admin', role: 'admin', tokenId: 'bootstrap' })

  await issuedTokens.start()
  await audit.start()
  await monitor.start()
  const app = await buildApp({
    services, issuer, tokens, issuedTokens, audit, logger,
    ack: { secret: config.ALERT_LINK_SECRET, ttlMs: config.ALERT_LINK_TTL_H * 3_600_000, routing, templates, desk: monitor.desk },
    limits: rateLimitsOf(config),
    dashboardUrl: config.DASHBOARD_URL,
    trustProxy: config.TRUST_PROXY,
    https: tls.https
  })
  let url: string
  try {
    url = await app.listen({ host: config.HOST, port: config.PORT })
  } catch (err) {
    // What already started (the MQTT session, the writer) is closed, so that
    // a caller that goes on (the demo, a test) is not left with it running.
    await app.close()
    await issuedTokens.stop()
    await audit.stop()
    await monitor.stop()
    throw listenFailure(err, 'PORT', config.HOST, config.PORT)
  }
  logger.info({ url, cabinets: fleet.cabinets.size, fleet: fleet.name }, 'monitor listening')
  return {
    app,
    monitor,
    url,
    async close () {
      await app.close()
      await issuedTokens.stop()
      await audit.stop()
      await monitor.stop()
    }
  }
}
