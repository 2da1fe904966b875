import t from 'tap'
import { access, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { INFLUXDB } from '../../dashboards/src/common.ts'
import { interpolations, mountTarget, readCompose, readYaml, ROOT } from './compose-file.ts'

/*
 * Grafana reads infra/grafana/provisioning at start-up; these are the
 * promises it relies on, checked without Grafana: the InfluxDB datasource in
 * InfluxQL mode with the uid the dashboards use, and the generated
 * dashboards loaded from where docker-compose.yml mounts them.
 */

interface Datasource {
  name: string
  uid: string
  type: string
  access: string
  url: string
  isDefault?: boolean
  database?: string
  jsonData: { version?: string, dbName?: string, httpMode?: string, httpHeaderName1?: string }
  secureJsonData?: { httpHeaderValue1?: string }
}

interface DashboardProvider {
  name: string
  folder: string
  type: string
  allowUiUpdates?: boolean
  disableDeletion?: boolean
  options: { path: string }
}

const compose = await readCompose()
const grafana = compose.services.grafana!
const provisioningDir = mountTarget(grafana, './infra/grafana/provisioning')
const datasources = (await readYaml<{ apiVersion: number, datasources: Datasource[] }>('infra/grafana/provisioning/datasources/influxdb.yaml'))
const providers = (await readYaml<{ apiVersion: number, providers: DashboardProvider[] }>('infra/grafana/provisioning/dashboards/aed-fleet.yaml'))

t.test('compose mounts the provisioning folder where Grafana looks for it', async t => {
  t.equal(provisioningDir, '/etc/grafana/provisioning')
  t.equal(datasources.apiVersion, 1)
  t.equal(providers.apiVersion, 1)
})

t.test('the InfluxDB datasource is InfluxQL over the v1 API with the token, under the dashboards\' uid', async t => {
  t.equal(datasources.datasources.length, 1)
  const ds = datasources.datasources[0]!
  t.match(ds, { uid: INFLUXDB.uid, type: INFLUXDB.type, access: 'proxy', isDefault: true })
  t.equal(ds.jsonData.version, 'InfluxQL')
  t.equal(ds.jsonData.httpHeaderName1, 'Authorization')
  t.equal(ds.secureJsonData?.httpHeaderValue1, 'Token ${INFLUX_TOKEN}', 'InfluxDB 2.x token authentication')
  t.equal(ds.jsonData.dbName, '${INFLUX_DB}')
  const url = new URL(ds.url)
  t.ok(url.hostname in compose.services, `${url.hostname} is a compose service`)
  t.equal(url.port, '8086')
})

t.test('every variable the provisioning files use is in Grafana\'s environment, with InfluxDB\'s values', async t => {
  const env = grafana.environment ?? {}
  for (const file of ['datasources/influxdb.yaml', 'dashboards/aed-fleet.yaml']) {
    const text = await readFile(join(ROOT, 'infra/grafana/provisioning', file), 'utf8')
    for (const { name } of interpolations(text)) t.ok(name in env, `${file}: ${name}`)
  }
  t.equal(env.INFLUX_TOKEN, compose.services.influxdb!.environment!.DOCKER_INFLUXDB_INIT_ADMIN_TOKEN)
  t.equal(env.INFLUX_DB, compose.services.influxdb!.environment!.INFLUX_DB)
})

t.test('the generated dashboards are loaded from the folder compose mounts, into "AED fleet", read-only', async t => {
  t.equal(providers.providers.length, 1)
  const provider = providers.providers[0]!
  t.match(provider, { type: 'file', folder: 'AED fleet', allowUiUpdates: false })
  t.equal(mountTarget(grafana, './dashboards/generated'), provider.options.path)
  const files = (await readdir(join(ROOT, 'dashboards/generated'))).filter(f => f.endsWith('.json'))
  t.ok(files.length >= 3, 'the generated dashboards are there')
  const home = String(grafana.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH)
  t.ok(home.startsWith(`${provider.options.path}/`), 'the home dashboard is one of them')
  await t.resolves(access(join(ROOT, 'dashboards/generated', home.slice(provider.options.path.length + 1))), `${home} exists`)
})

t.test('the generated dashboards use no datasource but the provisioned one', async t => {
  for (const file of (await readdir(join(ROOT, 'dashboards/generated'))).filter(f => f.endsWith('.json'))) {
    const text = await readFile(join(ROOT, 'dashboards/generated', file), 'utf8')
    const uids = new Set([...text.matchAll(/"datasource":\s*\{[^}]*"uid":\s*"([^"]+)"/g)].map(m => m[1]))
    t.same([...uids], [INFLUXDB.uid], file)
  }
})
