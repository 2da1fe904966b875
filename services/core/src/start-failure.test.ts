import t from 'tap'
import { createServer, type Server } from 'node:net'
import type { AddressInfo } from 'node:net'
import { PortInUseError, describeStartFailure, listenFailure } from './start-failure.ts'
import { ConfigError } from './validated-input.ts'
import { FleetFileError } from './fleet/load-fleet.ts'

async function listening (port = 0): Promise<Server> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  return server
}

t.test('a port in use becomes one line naming the port and the setting that chose it', async t => {
  const holder = await listening()
  t.teardown(() => { holder.close() })
  const port = (holder.address() as AddressInfo).port
  const second = createServer()
  const raw = await new Promise<Error>(resolve => {
    second.once('error', resolve)
    second.listen(port, '127.0.0.1')
  })
  const err = listenFailure(raw, 'MQTT_PORT', '127.0.0.1', port)
  t.type(err, PortInUseError)
  t.equal(err.cause, raw, 'the original error stays reachable')
  const message = describeStartFailure(err, { heading: 'aed-broker cannot start', verbose: false })
  t.equal(message.split('\n').length, 1)
  t.match(message, `aed-broker cannot start: port ${port} on 127.0.0.1 is already in use`)
  t.match(message, 'set MQTT_PORT to a free port')
})

t.test('a configuration error with one problem is one line, with several one line each', async t => {
  t.equal(describeStartFailure(new ConfigError(['AED_ADMIN_TOKEN: too short for a secret']), { heading: 'aed-monitor cannot start', verbose: false }),
    'aed-monitor cannot start: AED_ADMIN_TOKEN: too short for a secret')
  const several = describeStartFailure(new ConfigError(['PORT: not a number', 'MQTT_PASSWORD: required']), { heading: 'aed-monitor cannot start', verbose: false })
  t.same(several.split('\n'), ['aed-monitor cannot start: invalid configuration:', '  - PORT: not a number', '  - MQTT_PASSWORD: required'])
})

t.test('a bad fleet file lists its problems, one per line, without a stack', async t => {
  const message = describeStartFailure(new FleetFileError('fleet.yaml', ['sites.0.id: site id: lower-case letters', 'fleet: required']), { heading: 'demo cannot start', verbose: false })
  t.same(message.split('\n'), ['demo cannot start: fleet file fleet.yaml is invalid:', '  - sites.0.id: site id: lower-case letters', '  - fleet: required'])
  t.notMatch(message, /\n\s+at /)
})

t.test('an unexpected error shows its message and how to see more; verbose shows the stack', async t => {
  const err = new Error('influxd exited with 1')
  const short = describeStartFailure(err, { heading: 'demo cannot start', verbose: false })
  t.same(short.split('\n'), ['demo cannot start: influxd exited with 1', '(LOG_LEVEL=debug shows where it failed)'])
  t.match(describeStartFailure(err, { heading: 'demo cannot start', verbose: true }), /\n\s+at /)
})
