import { randomBytes } from 'node:crypto'
import { InfluxV1Client } from '@aed/core/influx'
import { findInfluxd, startPrivateInfluxd } from '@aed/testkit/private-influxd'

/** A real InfluxDB for one test file, with a database of its own. */
export interface TestInflux {
  url: string
  database: string
  client: InfluxV1Client
  /** How the server was obtained, for test output. */
  source: 'INFLUX_URL' | 'private influxd' | 'testcontainers'
  stop (): Promise<void>
}

/**
 * INFLUX_URL when set, else a private influxd from PATH, else a container
 * through testcontainers when a Docker engine answers. Fails loudly when none
 * is possible: a storage test is never skipped.
 */
export async function startTestInflux (): Promise<TestInflux> {
  const database = `aed_test_${randomBytes(4).toString('hex')}`
  const fromEnv = process.env.INFLUX_URL
  if (fromEnv !== undefined && fromEnv !== '') {
    return ready(fromEnv, database, 'INFLUX_URL', async () => {}, process.env.INFLUX_TOKEN)
  }
  if (findInfluxd() !== undefined) {
    const server = await startPrivateInfluxd()
    return ready(server.url, database, 'private influxd', () => server.stop())
  }
  const { GenericContainer, Wait } = await import('testcontainers')
  const container = await new GenericContainer('influxdb:1.8')
    .withExposedPorts(8086)
    .withEnvironment({ INFLUXDB_REPORTING_DISABLED: 'true' })
    .withWaitStrategy(Wait.forHttp('/ping', 8086).forStatusCode(204))
    .start()
  const url = `http://${container.getHost()}:${container.getMappedPort(8086)}`
  return ready(url, database, 'testcontainers', async () => { await container.stop() })
}

async function ready (url: string, database: string, source: TestInflux['source'], stop: () => Promise<void>, token?: string): Promise<TestInflux> {
  const client = new InfluxV1Client({ url, database, token })
  await client.createDatabase()
  return {
    url,
    database,
    client,
    source,
    async stop () {
      await client.query(`DROP DATABASE "${database}"`, 'POST').catch(() => undefined)
      await stop()
    }
  }
}
