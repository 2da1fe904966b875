import t, { type Test } from 'tap'
import { appendFile, mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ManualTime } from '@aed/testkit/manual-time'
import { AUDIT_LOG_FILE, AuditLog, type AuditEvent } from './audit-log.ts'

async function auditLogFor (t: Test, time: ManualTime): Promise<AuditLog> {
  const dir = await mkdtemp(join(tmpdir(), 'aed-audit-log-'))
  const log = new AuditLog(join(dir, AUDIT_LOG_FILE), time)
  await log.start()
  t.teardown(async () => {
    await log.stop()
    await rm(dir, { recursive: true, force: true })
  })
  return log
}

const event = (subject: string): AuditEvent => ({
  action: 'maintenance.started', by: 'field-technician', role: 'technician', tokenId: 'kq3Zx0_7aVwE', via: 'api', address: '192.0.2.10', userAgent: null, subject, details: {}
})

t.test('entries are stamped with the clock and read back newest first; the newest `limit` when there are more', async t => {
  const time = new ManualTime('2026-11-24T10:00:00Z')
  const log = await auditLogFor(t, time)
  t.same(await log.read({ limit: 10 }), [], 'none yet')
  for (let i = 0; i < 25; i++) {
    await log.record(event(`cabinet-${i}`))
    await time.advance(1000)
  }
  t.same((await log.read({ limit: 10 })).map(e => e.subject), Array.from({ length: 10 }, (_, i) => `cabinet-${24 - i}`))
  t.same((await log.read({ limit: 25 })).map(e => e.subject), Array.from({ length: 25 }, (_, i) => `cabinet-${24 - i}`))
  t.same((await log.read({ limit: 100, sinceMs: Date.parse('2026-11-24T10:00:22Z') })).map(e => e.at), ['2026-11-24T10:00:24.000Z', '2026-11-24T10:00:23.000Z', '2026-11-24T10:00:22.000Z'])
})

t.test('entries recorded at once are all kept, in the order recorded', async t => {
  const log = await auditLogFor(t, new ManualTime('2026-11-24T10:00:00Z'))
  await Promise.all(['a', 'b', 'c', 'd', 'e'].map(subject => log.record(event(subject))))
  t.same((await log.read({ limit: 10 })).map(e => e.subject), ['e', 'd', 'c', 'b', 'a'])
})

t.test('a torn last line (a crash mid-write) is skipped, and what is recorded after the restart is read', async t => {
  const time = new ManualTime('2026-11-24T10:00:00Z')
  const log = await auditLogFor(t, time)
  await log.record(event('before'))
  await log.stop()
  await appendFile(log.path, '{"at": "2026-11-24T10:00:00.000Z", "action": "maint')
  const restarted = new AuditLog(log.path, time)
  await restarted.start()
  t.teardown(() => restarted.stop())
  await restarted.record(event('after'))
  t.same((await restarted.read({ limit: 10 })).map(e => e.subject), ['after', 'before'])
})

t.test('the file is readable by the monitor\'s user alone', async t => {
  const log = await auditLogFor(t, new ManualTime('2026-11-24T10:00:00Z'))
  t.equal((await stat(log.path)).mode & 0o777, 0o600)
})
