import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino, type Logger } from 'pino'
import { startTestBroker, type TestBroker } from '@aed/broker/testing'
import { SimulatedCabinet, type SimulatedCabinetOptions } from '@aed/firmware-sim'
import { MonitorConfigSchema, type MonitorConfig } from '../../services/monitor/src/config.ts'
import { startMonitorService, type RunningService } from '../../services/monitor/src/service.ts'
import type { Clock } from '../../services/monitor/src/clock.ts'
import { startTestInflux, type TestInflux } from './influx.ts'

export const ADMIN_TOKEN = 'test-admin-token-0123456789'

/** The whole system on loopback: a real InfluxDB, the broker over TCP, the monitor with its API. */
export interface TestStack {
  influx: TestInflux
  broker: TestBroker
  service: RunningService
  config: MonitorConfig
  apiUrl: string
  /** Calls the API as the admin. */
  api (method: string, path: string, body?: unknown): Promise<{ status: number, body: any }>
  /** Issues a secret through the API and starts a simulated cabinet with it. */
  cabinet (id: string, options?: Partial<SimulatedCabinetOptions>): Promise<SimulatedCabinet>
  /** Restarts only the monitor service (same data dir, same InfluxDB, same broker). */
  restartService (): Promise<RunningService>
  stop (): Promise<void>
}

export interface TestStackOptions {
  env?: Record<string, string>
  logger?: Logger
  clock?: Clock
  tickMs?: number
}

export async function startTestStack (options: TestStackOptions = {}): Promise<TestStack> {
  const influx = await startTestInflux()
  const broker = await startTestBroker()
  const dataDir = await mkdtemp(join(tmpdir(), 'aed-monitor-'))
  const config = MonitorConfigSchema.parse({
    HOST: '127.0.0.1',
    PORT: '0',
    AED_ADMIN_TOKEN: ADMIN_TOKEN,
    MQTT_URL: broker.url,
    MQTT_PASSWORD: 'monitor-test-password-0123456789',
    MQTT_CLIENT_ID: `aed-monitor-test-${process.pid}`,
    CREDENTIALS_FILE: broker.credentials.path,
    DATA_DIR: dataDir,
    INFLUX_URL: influx.url,
    INFLUX_DB: influx.database,
    INFLUX_FLUSH_MS: '50',
    LOG_LEVEL: 'silent',
    ...options.env
  })
  const logger = options.logger ?? pino({ level: 'silent' })
  const serviceOptions = { ...(options.clock ? { clock: options.clock } : {}), ...(options.tickMs ? { tickMs: options.tickMs } : {}) }
  let service = await startMonitorService(config, logger, serviceOptions)
  await waitFor(() => service.monitor.health().mqtt, 'monitor connected to the broker')
  const cabinets: SimulatedCabinet[] = []

  const api: TestStack['api'] = async (method, path, body) => {
    const res = await fetch(`${service.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {})
    })
    const text = await res.text()
    return { status: res.status, body: text === '' ? undefined : JSON.parse(text) }
  }

  return {
    influx,
    broker,
    get service () { return service },
    config,
    get apiUrl () { return service.url },
    api,
    async cabinet (id, cabinetOptions = {}) {
      const issued = await api('POST', `/api/v1/cabinets/${id}/credentials`)
      if (issued.status !== 201) throw new Error(`issuing a secret for ${id} failed: ${issued.status} ${JSON.stringify(issued.body)}`)
      const cabinet = new SimulatedCabinet({ id, secret: issued.body.secret, brokerUrl: broker.url, maxReconnectDelayMs: 500, ...cabinetOptions })
      cabinets.push(cabinet)
      cabinet.start()
      return cabinet
    },
    async restartService () {
      await service.close()
      service = await startMonitorService({ ...config }, logger, serviceOptions)
      await waitFor(() => service.monitor.health().mqtt, 'monitor reconnected to the broker')
      return service
    },
    async stop () {
      await Promise.all(cabinets.map(c => c.stop()))
      await service.close()
      await broker.close()
      await influx.stop()
      await rm(dataDir, { recursive: true, force: true })
    }
  }
}

/** Polls until `check` is true; fails with what was awaited. */
export async function waitFor (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise(resolve => setTimeout(resolve, 25))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`)
}
