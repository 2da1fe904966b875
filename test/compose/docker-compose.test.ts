import t from 'tap'
import { execFile } from 'node:child_process'
import { access, constants, readFile } from 'node:fs/promises'
import { BlockList } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { BrokerConfigSchema } from '../../services/broker/src/config.ts'
import { MonitorConfigSchema } from '../../services/monitor/src/config.ts'
import { findHaproxy } from '@aed/testkit/private-haproxy'
import { interpolations, mountTarget, readCompose, readEnvFile, ROOT } from './compose-file.ts'

/*
 * No Docker engine runs here, so docker-compose.yml and the Dockerfile are
 * checked as data: the services the production path needs, how they find
 * each other, where secrets come from, and that every container reports its
 * health.
 */

const compose = await readCompose()
const composeText = await readFile(join(ROOT, 'docker-compose.yml'), 'utf8')
const dockerfile = await readFile(join(ROOT, 'infra/docker/node.Dockerfile'), 'utf8')
const envExample = await readEnvFile('.env.example')
const services = compose.services

/** The Dockerfile stages, each with its instructions (continuation lines joined). */
function stages (): Map<string, string[]> {
  const result = new Map<string, string[]>()
  let current: string[] = []
  const lines = dockerfile.replace(/\\\n\s*/g, ' ').split('\n').map(l => l.trim()).filter(l => l !== '' && !l.startsWith('#'))
  for (const line of lines) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line)
    if (from !== null) {
      current = [line]
      result.set(from[2] ?? from[1]!, current)
    } else {
      current.push(line)
    }
  }
  return result
}

/** Instructions a target stage has, its parents' included (FROM runtime AS monitor). */
function instructionsOf (target: string): string[] {
  const all = stages()
  const own = all.get(target)
  if (own === undefined) return []
  const parent = /^FROM\s+(\S+)/i.exec(own[0]!)![1]!
  return [...(all.has(parent) ? instructionsOf(parent) : []), ...own]
}

t.test('the production stack has InfluxDB, broker, monitor and Grafana; the simulator only on the "sim" profile, Redis on "redis" and "fleet", a second broker and HAProxy on "fleet"', async t => {
  t.same(Object.keys(services).sort(), ['broker', 'broker-b', 'grafana', 'influxdb', 'monitor', 'mqtt-lb', 'redis', 'simulator'])
  for (const name of ['influxdb', 'broker', 'monitor', 'grafana']) t.notOk(services[name]!.profiles, `${name} runs by default`)
  t.same(services.simulator!.profiles, ['sim'])
  t.same(services.redis!.profiles, ['redis', 'fleet'])
  t.same(services['broker-b']!.profiles, ['fleet'])
  t.same(services['mqtt-lb']!.profiles, ['fleet'])
})

t.test('fleet: broker-b is the same broker as broker, with its state in the same Redis and the same credentials', async t => {
  const a = services.broker!
  const b = services['broker-b']!
  t.same(b.build, a.build, 'the same image target')
  const { BROKER_PERSISTENCE: persistence, ...settings } = b.environment!
  t.equal(persistence, 'redis', 'always Redis: a broker of the fleet cannot keep its state to itself')
  const { BROKER_PERSISTENCE: _, ...settingsOfA } = a.environment!
  t.same(settings, settingsOfA, 'every other setting as the first broker\'s (one YAML anchor)')
  t.equal(settings.REDIS_URL, 'redis://redis:6379')
  t.equal(mountTarget(b, 'credentials'), '/data/credentials', 'the credentials volume the monitor writes')
  t.same(b.depends_on, { redis: { condition: 'service_healthy' } })
  t.notOk(b.ports, 'reached through mqtt-lb only')
})

t.test('fleet: mqtt-lb is HAProxy with infra/haproxy/haproxy.cfg, spreading both listeners over both brokers by leastconn with health checks', async t => {
  const lb = services['mqtt-lb']!
  t.match(lb.image, /^haproxy:/)
  t.equal(mountTarget(lb, './infra/haproxy/haproxy.cfg'), '/usr/local/etc/haproxy/haproxy.cfg', 'where the official image reads its configuration')
  t.same(lb.depends_on, { broker: { condition: 'service_healthy' }, 'broker-b': { condition: 'service_healthy' } })
  t.match(lb.ports, [/:1883$/, /:8883$/])
  const cfg = await readFile(join(ROOT, 'infra/haproxy/haproxy.cfg'), 'utf8')
  t.match(cfg, /^\s*mode tcp$/m, 'TCP: TLS passes through to the brokers')
  for (const port of [1883, 8883]) {
    t.match(cfg, new RegExp(`^\\s*bind :${port}$`, 'm'), `listens on ${port}`)
    for (const host of ['broker', 'broker-b']) t.match(cfg, new RegExp(`^\\s*server \\S+ ${host}:${port} check$`, 'm'), `${host}:${port}, health-checked`)
  }
  t.equal(cfg.match(/^\s*balance leastconn$/gm)?.length, 2, 'leastconn in both backends')
  t.equal(cfg.match(/^\s*default-server .*\bsend-proxy-v2 check-send-proxy\b/gm)?.length, 2, 'both backends send a PROXY v2 header before each connection and each health check')
  t.match(cfg, /^\s*option redispatch$/m, 'a refused connection goes to the other broker')
  const haproxy = findHaproxy()
  t.ok(haproxy, 'haproxy is installed (.ci/run installs it)')
  const checked = await promisify(execFile)(haproxy!, ['-c', '-f', join(ROOT, 'infra/haproxy/haproxy.cfg')])
  t.match(checked.stdout + checked.stderr, /Configuration file is valid/, 'haproxy -c accepts it')
})

t.test('fleet: the brokers trust mqtt-lb\'s fixed address for PROXY headers, and no other container can be given it', async t => {
  const address = services['mqtt-lb']!.networks?.default?.ipv4_address
  t.ok(address, 'mqtt-lb has a fixed address')
  for (const name of ['broker', 'broker-b']) t.equal(services[name]!.environment!.MQTT_TRUSTED_PROXIES, address, `${name} trusts it, and only it`)
  const [pool] = compose.networks?.default?.ipam?.config ?? []
  t.ok(pool?.subnet !== undefined && pool.ip_range !== undefined, 'the network has a fixed subnet and a range for the other containers')
  const blocks = new BlockList()
  blocks.addSubnet(pool!.subnet!.split('/')[0]!, Number(pool!.subnet!.split('/')[1]), 'ipv4')
  t.ok(blocks.check(address!, 'ipv4'), 'the address is in the subnet')
  const range = new BlockList()
  range.addSubnet(pool!.ip_range!.split('/')[0]!, Number(pool!.ip_range!.split('/')[1]), 'ipv4')
  t.notOk(range.check(address!, 'ipv4'), 'and outside the range the other containers are given addresses from')
})

t.test('fleet: the monitor and the simulator reach the broker named by MQTT_BROKER_HOST (mqtt-lb in a fleet), the broker by default', async t => {
  t.equal(services.monitor!.environment!.MQTT_URL, 'mqtt://${MQTT_BROKER_HOST:-broker}:1883')
  t.equal(envExample.get('MQTT_BROKER_HOST'), 'broker')
  const operations = await readFile(join(ROOT, 'docs/scaling.md'), 'utf8')
  for (const setting of ['COMPOSE_PROFILES=fleet', 'BROKER_PERSISTENCE=redis', 'MQTT_BROKER_HOST=mqtt-lb']) {
    t.match(operations, setting, `docs/scaling.md says to set ${setting}`)
  }
  t.match(operations, 'MQTT_TRUSTED_PROXIES', 'docs/scaling.md says which balancer the brokers take PROXY headers from')
})

t.test('the broker keeps its state on a volume by default, or in the redis service', async t => {
  const env = services.broker!.environment!
  t.equal(env.BROKER_PERSISTENCE, '${BROKER_PERSISTENCE:-disk}')
  t.equal(mountTarget(services.broker!, 'broker-data'), env.BROKER_DATA_DIR, 'the disk store is on a volume, not the read-only image')
  t.equal(env.REDIS_URL, 'redis://redis:6379', 'Redis by service name')
  t.match(services.redis!.image, /^redis:/)
  t.equal(mountTarget(services.redis!, 'redis-data'), '/data', 'Redis\'s append-only file survives a restart')
  t.match(([] as string[]).concat(services.redis!.command ?? []).join(' '), /--appendonly yes/)
  t.notOk(services.redis!.ports, 'Redis is not published')
  t.match(instructionsOf('runtime').join('\n'), /mkdir -p [^\n]*\/data\/broker/, 'the image has the mount point, owned by the broker\'s user')
})

t.test('InfluxDB 2.x is initialised with org, bucket and token by its documented variables, and maps the v1 database', async t => {
  const influx = services.influxdb!
  t.match(influx.image, /^influxdb:2\.\d+/)
  const env = influx.environment!
  t.equal(env.DOCKER_INFLUXDB_INIT_MODE, 'setup')
  for (const key of ['USERNAME', 'PASSWORD', 'ORG', 'BUCKET', 'ADMIN_TOKEN']) t.ok(env[`DOCKER_INFLUXDB_INIT_${key}`], `DOCKER_INFLUXDB_INIT_${key}`)
  t.equal(mountTarget(influx, './infra/docker/influxdb-init'), '/docker-entrypoint-initdb.d')
  const script = join(ROOT, 'infra/docker/influxdb-init/create-v1-dbrp.sh')
  await t.resolves(access(script, constants.X_OK), 'the init script is executable')
  const text = await readFile(script, 'utf8')
  t.match(text, /influx v1 dbrp create/)
  t.match(text, /--db "\$db"/)
  t.match(text, /DOCKER_INFLUXDB_INIT_BUCKET_ID/)
  t.equal(mountTarget(influx, 'influxdb-data'), '/var/lib/influxdb2', 'data survives a restart')
})

t.test('the monitor reaches the broker and InfluxDB by service name, with the token, on the mapped database', async t => {
  const env = services.monitor!.environment!
  t.equal(env.MQTT_URL, 'mqtt://${MQTT_BROKER_HOST:-broker}:1883')
  t.equal(env.INFLUX_URL, 'http://influxdb:8086')
  t.equal(env.INFLUX_DB, services.influxdb!.environment!.INFLUX_DB, 'the database the init script maps')
  t.equal(env.INFLUX_TOKEN, services.influxdb!.environment!.DOCKER_INFLUXDB_INIT_ADMIN_TOKEN, 'the token InfluxDB was initialised with')
  t.equal(env.INFLUX_CREATE_DB, 'false', 'no CREATE DATABASE on 2.x')
})

t.test('every setting the services require is given, and every name given is one they read', async t => {
  const required = (schema: typeof MonitorConfigSchema | typeof BrokerConfigSchema): string[] =>
    (schema.safeParse({}).error?.issues ?? []).map(issue => String(issue.path[0]))
  const monitorEnv = services.monitor!.environment!
  for (const key of required(MonitorConfigSchema)) t.ok(key in monitorEnv, `monitor: ${key}`)
  const notifierSettings = /^(SMTP|SMS)_|^ALERT_LINK_SECRET$/
  for (const key of Object.keys(monitorEnv)) {
    t.ok(key in MonitorConfigSchema.shape || notifierSettings.test(key), `monitor reads ${key}`)
  }
  for (const name of ['broker', 'broker-b']) {
    for (const key of Object.keys(services[name]!.environment!)) t.ok(key in BrokerConfigSchema.shape, `${name} reads ${key}`)
  }
  t.equal(services.broker!.environment!.CREDENTIALS_FILE, monitorEnv.CREDENTIALS_FILE, 'broker and monitor share the credentials file')
  t.equal(services.broker!.environment!.CREDENTIALS_HASH_KEY, monitorEnv.CREDENTIALS_HASH_KEY, 'and the key of its hashes')
  t.equal(mountTarget(services.broker!, 'credentials'), '/data/credentials')
  t.equal(mountTarget(services.monitor!, 'credentials'), '/data/credentials')
  t.equal(mountTarget(services.monitor!, 'monitor-data'), monitorEnv.DATA_DIR, 'the alert journal is on a volume')
})

t.test('secrets come from the env file: required, never written in the compose file, all in .env.example', async t => {
  const secretNames = /PASSWORD|TOKEN|SECRET|HASH_KEY/
  const used = interpolations(composeText)
  t.ok(used.filter(u => u.required).length >= 6, 'the secrets are interpolated from the environment')
  for (const { name, required, fallback } of used) {
    t.ok(envExample.has(name), `.env.example documents ${name}`)
    if (secretNames.test(name) && !/^SMTP_|^SMS_/.test(name)) t.ok(required, `${name} is required (\${${name}:?…})`)
    if (secretNames.test(name)) t.notOk(fallback !== undefined && fallback !== '', `${name} has no default value`)
  }
  for (const [name, service] of Object.entries(services)) {
    for (const [key, value] of Object.entries(service.environment ?? {})) {
      if (secretNames.test(key) && !/^DOCKER_INFLUXDB_INIT_(MODE|USERNAME)$/.test(key)) {
        t.match(String(value), /^\$\{[A-Z0-9_]+(:[?-][^}]*)?\}$/, `${name}.${key} comes from the environment`)
      }
    }
  }
  for (const [key, value] of envExample) {
    if (secretNames.test(key) && value !== '') t.match(value, /change-me/, `.env.example holds a placeholder for ${key}, not a secret`)
  }
})

t.test('.env is ignored by git and by the Docker build context; .env.example is committed', async t => {
  const git = promisify(execFile)
  await t.resolves(git('git', ['check-ignore', '-q', '.env'], { cwd: ROOT }), '.env is git-ignored')
  await t.rejects(git('git', ['check-ignore', '-q', '.env.example'], { cwd: ROOT }), '.env.example is not ignored')
  const dockerignore = (await readFile(join(ROOT, '.dockerignore'), 'utf8')).split('\n').map(l => l.trim())
  t.ok(dockerignore.includes('.env'), '.env stays out of images')
  t.ok(dockerignore.includes('**/node_modules'), 'host node_modules stay out of images')
})

t.test('ports: Grafana, the monitor and MQTT are published; InfluxDB only on loopback', async t => {
  const published = (name: string): string[] => services[name]!.ports ?? []
  t.match(published('grafana'), [/:3000$/])
  t.match(published('monitor'), [/:8080$/])
  t.match(published('broker'), [/:1883$/])
  t.match(published('mqtt-lb'), [/:1883$/, /:8883$/])
  t.match(published('influxdb'), [/^127\.0\.0\.1:.*:8086$/])
  t.notOk(services.simulator!.ports, 'the simulator listens on nothing')
})

t.test('every service reports health, and services start after what they depend on is healthy', async t => {
  for (const [name, service] of Object.entries(services)) {
    const inDockerfile = service.build?.target !== undefined && instructionsOf(service.build.target).some(i => /^HEALTHCHECK\s+--|^HEALTHCHECK\s+CMD/i.test(i))
    t.ok(service.healthcheck !== undefined || inDockerfile, `${name} has a healthcheck`)
  }
  t.same(services.monitor!.depends_on, { broker: { condition: 'service_healthy' }, influxdb: { condition: 'service_healthy' } })
  t.same(services.grafana!.depends_on, { influxdb: { condition: 'service_healthy' } })
  t.same(services.simulator!.depends_on, { broker: { condition: 'service_healthy' }, monitor: { condition: 'service_healthy' } })
  t.match(services.monitor!.healthcheck!.test, /\/healthz/)
})

t.test('named volumes used by services are declared', async t => {
  const declared = Object.keys(compose.volumes ?? {})
  for (const [name, service] of Object.entries(services)) {
    for (const volume of service.volumes ?? []) {
      const source = volume.split(':')[0]!
      if (source.startsWith('.') || source.startsWith('/')) {
        await t.resolves(access(join(ROOT, source)), `${name}: ${source} exists in the repository`)
      } else {
        t.ok(declared.includes(source), `${name}: volume ${source} is declared`)
      }
    }
  }
})

t.test('the Node image is multi-stage on a Node LTS, runs as a non-root user, one target per service', async t => {
  const all = stages()
  t.ok(all.size >= 3, 'dependency, runtime and service stages')
  const nodeVersion = /ARG NODE_VERSION=(\d+)/.exec(dockerfile)?.[1]
  t.ok(nodeVersion !== undefined && Number(nodeVersion) >= 22 && Number(nodeVersion) % 2 === 0, `Node ${nodeVersion ?? '?'} is an LTS line`)
  t.match(dockerfile, /npm ci --omit=dev/, 'production dependencies from the lockfile')
  for (const [name, service] of Object.entries(services)) {
    if (service.build === undefined) continue
    t.equal(service.build.dockerfile, 'infra/docker/node.Dockerfile', name)
    const target = service.build.target!
    t.ok(all.has(target), `${name}: stage ${target} exists`)
    const instructions = instructionsOf(target)
    const user = instructions.filter(i => /^USER\s/i.test(i)).at(-1)
    t.ok(user !== undefined && !/^USER\s+(root|0)\b/i.test(user), `${name} runs as ${user ?? 'root'}`)
  }
  for (const entry of ['services/broker/src/main.ts', 'services/monitor/src/server.ts', 'firmware-sim/src/cli.ts']) {
    t.match(dockerfile, entry, `runs ${entry}`)
    await t.resolves(access(join(ROOT, entry)), `${entry} exists`)
  }
})

t.test('the simulator provisions its cabinets through the monitor, then runs them against the broker', async t => {
  const command = ([] as string[]).concat(services.simulator!.command ?? []).join(' ')
  t.match(command, /cli\.ts provision --api http:\/\/monitor:8080/)
  t.match(command, /cli\.ts run .*--secrets \/data\/sim\/secrets\.json .*--broker mqtt:\/\/\$\{MQTT_BROKER_HOST:-broker\}:1883/)
  t.equal(mountTarget(services.simulator!, 'sim-data'), '/data/sim')
  t.ok(services.simulator!.environment!.AED_ADMIN_TOKEN, 'it has the admin token provisioning needs')
})

t.test('compose waits longer than the services take to stop, so SIGKILL never cuts a stop short', async t => {
  const { SHUTDOWN_TIMEOUT_MS } = await import('@aed/core/run-service')
  for (const name of ['broker', 'monitor']) {
    const grace = String(services[name]?.stop_grace_period ?? '10s')
    const match = /^(\d+)s$/.exec(grace)
    t.ok(match !== null && Number(match[1]) * 1000 > SHUTDOWN_TIMEOUT_MS, `${name}: stop_grace_period ${grace} is longer than ${SHUTDOWN_TIMEOUT_MS / 1000} s`)
  }
})
