import t from 'tap'
import { access, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { jsonFilesUnder } from '../../dashboards/src/build.ts'
import { INFLUXDB } from '../../dashboards/src/common.ts'
import { dashboardPath } from '../../dashboards/src/index.ts'
import { DEFAULT_LANGUAGE, LANGUAGES } from '../../dashboards/src/languages.ts'
import { interpolations, mountTarget, readCompose, readYaml, ROOT } from './compose-file.ts'

/*
 * Grafana reads infra/grafana/provisioning at start-up; these are the
 * promises it relies on, checked without Grafana: the InfluxDB datasource in
 * InfluxQL mode with the uid the dashboards use, and the generated
 * dashboards of every language loaded from where docker-compose.yml mounts
 * them, each language into its own folder, the default language's fleet
 * overview as the home page.
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
  folderUid?: string
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

t.test('each language\'s generated dashboards are loaded from where compose mounts them, into its own folder, read-only', async t => {
  const mounted = mountTarget(grafana, './dashboards/generated')
  t.ok(mounted !== undefined, 'compose mounts dashboards/generated')
  t.equal(providers.providers.length, LANGUAGES.length, 'a provider per language')
  for (const language of LANGUAGES) {
    const provider = providers.providers.find(p => p.options.path === `${mounted ?? ''}/${language.code}`)
    t.ok(provider !== undefined, `${language.code}: a provider reads ${mounted ?? ''}/${language.code}`)
    t.match(provider, { type: 'file', folder: language.text.folder, allowUiUpdates: false }, `${language.code}: into "${language.text.folder}"`)
    const files = (await jsonFilesUnder(join(ROOT, 'dashboards/generated'))).filter(f => f.startsWith(`${language.code}/`))
    t.ok(files.length >= 3, `${language.code}: the generated dashboards are there`)
  }
  t.equal(new Set(providers.providers.map(p => p.folderUid)).size, LANGUAGES.length, 'folder uids differ')
})

t.test('Grafana opens on the fleet overview in the default language', async t => {
  const mounted = mountTarget(grafana, './dashboards/generated')
  const home = String(grafana.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH)
  t.equal(home, `${mounted ?? ''}/${dashboardPath(DEFAULT_LANGUAGE, 'fleetOverview')}`)
  await t.resolves(access(join(ROOT, 'dashboards/generated', dashboardPath(DEFAULT_LANGUAGE, 'fleetOverview'))), `${home} exists`)
})

t.test('the generated dashboards use no datasource but the provisioned one', async t => {
  for (const file of await jsonFilesUnder(join(ROOT, 'dashboards/generated'))) {
    const text = await readFile(join(ROOT, 'dashboards/generated', file), 'utf8')
    const uids = new Set([...text.matchAll(/"datasource":\s*\{[^}]*"uid":\s*"([^"]+)"/g)].map(m => m[1]))
    t.same([...uids], [INFLUXDB.uid], file)
  }
})
