import t from 'tap'
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Alert } from './alert.ts'
import { AlertJournal, sentKey } from './alert-journal.ts'

const now = Date.parse('2026-11-24T10:00:00Z')
const alert = (id: string, status: Alert['status'], resolvedAt?: string): Alert => ({
  id, cabinetId: 'pernik-aed-01', kind: 'door_open', severity: 'critical', status, task: false,
  openedAt: '2026-11-24T09:00:00.000Z', updatedAt: resolvedAt ?? '2026-11-24T09:00:00.000Z', escalationLevel: 0, facts: {},
  ...(resolvedAt !== undefined ? { resolvedAt, resolvedBy: 'system' } : {})
})

t.test('alerts, sent notifications and maintenance are read back after a restart', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'journal-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'alert-journal.jsonl')
  const first = new AlertJournal(path)
  await first.open(now)
  await first.append({ t: 'alert', alert: alert('a1', 'open') })
  await first.append({ t: 'alert', alert: { ...alert('a1', 'acknowledged'), acknowledgedBy: 'ivan' } })
  await first.append({ t: 'sent', alertId: 'a1', step: 'opened:0', channel: 'sms', recipientId: 'ivan', atMs: now })
  await first.append({ t: 'maintenance', cabinetId: 'pernik-aed-01', untilMs: now + 3_600_000, by: 'tech', atMs: now })
  await first.close()

  const state = await new AlertJournal(path).open(now + 1000)
  t.match(state.alerts.get('a1'), { status: 'acknowledged', acknowledgedBy: 'ivan' }, 'the last state of the alert wins')
  t.ok(state.sent.has(sentKey('a1', 'opened:0', 'sms', 'ivan')))
  t.match(state.maintenance.get('pernik-aed-01'), { untilMs: now + 3_600_000 })
})

t.test('a torn last line (crash mid-write) is skipped and counted, the rest is kept', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'journal-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'alert-journal.jsonl')
  const journal = new AlertJournal(path)
  await journal.open(now)
  await journal.append({ t: 'alert', alert: alert('a2', 'open') })
  await journal.close()
  await appendFile(path, '{"t":"alert","alert":{"id":"a3"')
  const state = await new AlertJournal(path).open(now)
  t.equal(state.skippedLines, 1)
  t.ok(state.alerts.has('a2'))
})

t.test('compaction at start-up drops long-resolved alerts and ended maintenance', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'journal-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'alert-journal.jsonl')
  const journal = new AlertJournal(path)
  await journal.open(now)
  await journal.append({ t: 'alert', alert: alert('old', 'resolved', '2026-11-01T00:00:00.000Z') })
  await journal.append({ t: 'sent', alertId: 'old', step: 'opened:0', channel: 'sms', recipientId: 'ivan', atMs: Date.parse('2026-11-01T00:00:00.000Z') })
  await journal.append({ t: 'alert', alert: alert('recent', 'resolved', '2026-11-24T09:30:00.000Z') })
  await journal.append({ t: 'maintenance', cabinetId: 'pernik-aed-01', untilMs: now - 1, by: 'tech', atMs: now - 10 })
  await journal.close()
  const state = await new AlertJournal(path).open(now)
  t.same([...state.alerts.keys()], ['recent'])
  t.equal(state.sent.size, 0, 'the sent records of a dropped alert go with it')
  t.equal(state.maintenance.size, 0)
  t.equal((await readFile(path, 'utf8')).trim().split('\n').length, 1, 'the file holds only what is kept')
})
