import { writeFile } from 'node:fs/promises'

/**
 * Writes the alerting file the fault and topology tests share: one person on
 * call at all hours (SMS to `phone`), no escalation within a test, no digest.
 * `extra` adds or overrides top-level settings (e.g. `flapWindowMinutes`).
 */
export async function writeOnCallAlerting (file: string, phone: string, extra: Record<string, unknown> = {}): Promise<void> {
  await writeFile(file, JSON.stringify({
    timezone: 'Europe/Sofia',
    people: [{ id: 'on-call', name: 'Иван Петров', phone, language: 'bg' }],
    rota: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '00:00', primary: 'on-call' }],
    escalation: { ackTimeoutMinutes: 60 },
    digest: { enabled: false },
    ...extra
  }))
}
