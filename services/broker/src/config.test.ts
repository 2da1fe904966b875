import t from 'tap'
import { ConfigError } from '@aed/core/validated-input'
import { loadBrokerConfig } from './config.ts'
import { persistenceFromConfig } from './persistence.ts'

t.test('with nothing set, the broker keeps its state on disk under data/broker', async t => {
  t.same(persistenceFromConfig(loadBrokerConfig({})), { kind: 'disk', dataDir: 'data/broker' })
})

t.test('redis takes REDIS_URL; memory needs nothing', async t => {
  t.same(persistenceFromConfig(loadBrokerConfig({ BROKER_PERSISTENCE: 'redis', REDIS_URL: 'redis://redis:6379/2' })), { kind: 'redis', url: 'redis://redis:6379/2' })
  t.same(persistenceFromConfig(loadBrokerConfig({ BROKER_PERSISTENCE: 'memory' })), { kind: 'memory' })
})

t.test('an unknown store and a REDIS_URL that is not one are both listed', async t => {
  const problems = (() => {
    try {
      loadBrokerConfig({ BROKER_PERSISTENCE: 'sqlite', REDIS_URL: 'http://redis:6379' })
      return []
    } catch (err) {
      return err instanceof ConfigError ? err.problems : [String(err)]
    }
  })()
  t.equal(problems.length, 2)
  t.match(problems.join('\n'), /BROKER_PERSISTENCE: /)
  t.match(problems.join('\n'), /REDIS_URL: a redis:\/\/ or rediss:\/\/ URL/)
})
