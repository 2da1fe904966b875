import type { AlertingFile } from './alerting-config.ts'
import { shiftAt } from './on-call-rota.ts'
import type { Person } from './people.ts'

/**
 * Who is told about what. Critical alerts go level by level: the on-call
 * primary, then the backup, then the site's facility managers; warnings and
 * maintenance items go to the facility managers only.
 */
export class AlertRouting {
  private readonly people: Map<string, Person>

  constructor (readonly file: AlertingFile) {
    this.people = new Map(file.people.map(p => [p.id, p]))
  }

  person (id: string): Person | undefined {
    return this.people.get(id)
  }

  facilityManagers (siteId: string): Person[] {
    const ids = this.file.facilityManagers[siteId] ?? this.file.facilityManagers['*'] ?? []
    return ids.map(id => this.people.get(id)).filter(p => p !== undefined)
  }

  /**
   * The escalation levels of a critical alert at `ms`, each a non-empty list
   * of people, nobody twice. Without a matching rota shift the facility
   * managers are the first level.
   */
  criticalLevels (siteId: string, ms: number): Person[][] {
    const shift = shiftAt(this.file.rota, ms, this.file.timezone)
    const candidates = [
      shift === undefined ? [] : [this.people.get(shift.primary)],
      shift?.backup === undefined ? [] : [this.people.get(shift.backup)],
      this.facilityManagers(siteId)
    ]
    const seen = new Set<string>()
    const levels: Person[][] = []
    for (const level of candidates) {
      const fresh = level.filter((p): p is Person => p !== undefined && !seen.has(p.id))
      fresh.forEach(p => seen.add(p.id))
      if (fresh.length > 0) levels.push(fresh)
    }
    return levels
  }
}
