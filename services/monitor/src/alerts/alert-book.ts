import { EventEmitter } from 'node:events'
import { randomBytes } from 'node:crypto'
import type { Alert, AlertFacts, AlertKind, AlertStatus, Severity } from './alert.ts'

/** What changed: a new alert, new facts or severity, a status, or the escalation level. */
export type AlertChange = 'opened' | 'updated' | 'acknowledged' | 'resolved' | 'escalated'

export interface AlertTransition {
  alert: Alert
  change: AlertChange
  /** The status before; undefined when the alert was just opened. */
  previous: AlertStatus | undefined
  by: string
  atMs: number
}

export class AlertNotFoundError extends Error {
  constructor (readonly alertId: string) {
    super(`alert ${alertId} not found`)
    this.name = 'AlertNotFoundError'
  }
}

export interface AlertFilter {
  status?: AlertStatus | 'live' | undefined
  cabinetId?: string | undefined
  kind?: AlertKind | undefined
  sinceMs?: number | undefined
  untilMs?: number | undefined
}

export interface RaiseRequest {
  cabinetId: string
  kind: AlertKind
  severity: Severity
  facts: AlertFacts
  task?: boolean
}

const RESOLVED_KEPT = 5000

/**
 * Every alert and its lifecycle: open → acknowledged → resolved, with one
 * live (not resolved) alert per cabinet and kind. Raising a condition that
 * already has a live alert updates it instead of opening another. Every
 * change, escalation included, is emitted as a transition; the recorder
 * (journal, InfluxDB) and the dispatcher listen to those.
 *
 * Transitions are delivered one at a time, in order: a change made by a
 * listener (a follow-up alert such as the post-use inspection) is queued and
 * delivered only after the transition that caused it has reached every
 * listener.
 */
export class AlertBook extends EventEmitter<{ transition: [AlertTransition] }> {
  private readonly byId = new Map<string, Alert>()
  private readonly live = new LiveIndex()
  private readonly resolvedOrder: string[] = []
  private readonly queued: AlertTransition[] = []
  private delivering = false

  raise (request: RaiseRequest, atMs: number): { alert: Alert, opened: boolean } {
    const existing = this.live.get(request.cabinetId, request.kind)
    if (existing !== undefined) {
      if (!sameFacts(existing.facts, request.facts) || existing.severity !== request.severity) {
        existing.facts = request.facts
        existing.severity = request.severity
        existing.updatedAt = iso(atMs)
        this.announce({ alert: existing, change: 'updated', previous: existing.status, by: 'system', atMs })
      }
      return { alert: existing, opened: false }
    }
    const alert: Alert = {
      id: newAlertId(),
      cabinetId: request.cabinetId,
      kind: request.kind,
      severity: request.severity,
      status: 'open',
      task: request.task ?? false,
      openedAt: iso(atMs),
      updatedAt: iso(atMs),
      escalationLevel: 0,
      facts: request.facts
    }
    this.byId.set(alert.id, alert)
    this.live.set(alert)
    this.announce({ alert, change: 'opened', previous: undefined, by: 'system', atMs })
    return { alert, opened: true }
  }

  /** The condition behind a live alert is gone: resolve it, unless it is a task for a person. */
  clear (cabinetId: string, kind: AlertKind, atMs: number, by = 'system'): Alert | undefined {
    const alert = this.live.get(cabinetId, kind)
    if (alert === undefined || alert.task) return undefined
    return this.resolveAlert(alert, by, atMs)
  }

  acknowledge (alertId: string, by: string, atMs: number): Alert {
    const alert = this.require(alertId)
    if (alert.status !== 'open') return alert
    const previous = alert.status
    alert.status = 'acknowledged'
    alert.acknowledgedAt = iso(atMs)
    alert.acknowledgedBy = by
    alert.updatedAt = iso(atMs)
    this.announce({ alert, change: 'acknowledged', previous, by, atMs })
    return alert
  }

  resolve (alertId: string, by: string, atMs: number): Alert {
    const alert = this.require(alertId)
    if (alert.status === 'resolved') return alert
    return this.resolveAlert(alert, by, atMs)
  }

  /** Moves an alert nobody acknowledged to the next level of people. */
  escalate (alertId: string, level: number, atMs: number): Alert {
    const alert = this.require(alertId)
    if (alert.escalationLevel === level) return alert
    alert.escalationLevel = level
    alert.updatedAt = iso(atMs)
    this.announce({ alert, change: 'escalated', previous: alert.status, by: 'system', atMs })
    return alert
  }

  get (alertId: string): Alert | undefined {
    return this.byId.get(alertId)
  }

  liveFor (cabinetId: string, kind: AlertKind): Alert | undefined {
    return this.live.get(cabinetId, kind)
  }

  list (filter: AlertFilter = {}): Alert[] {
    const result: Alert[] = []
    for (const alert of this.byId.values()) {
      if (filter.status === 'live' ? alert.status === 'resolved' : filter.status !== undefined && alert.status !== filter.status) continue
      if (filter.cabinetId !== undefined && alert.cabinetId !== filter.cabinetId) continue
      if (filter.kind !== undefined && alert.kind !== filter.kind) continue
      const opened = Date.parse(alert.openedAt)
      if (filter.sinceMs !== undefined && opened < filter.sinceMs) continue
      if (filter.untilMs !== undefined && opened > filter.untilMs) continue
      result.push(alert)
    }
    return result.sort((a, b) => b.openedAt.localeCompare(a.openedAt))
  }

  /**
   * Takes in another replica's view of an alert, without emitting: the
   * state of a cabinet this process does not speak for. The alert object
   * already held is updated in place, so whoever holds it sees the change.
   */
  mirror (alert: Alert): void {
    const held = this.byId.get(alert.id)
    if (held === undefined) {
      this.restore({ ...alert })
      return
    }
    const wasResolved = held.status === 'resolved'
    for (const key of Object.keys(held) as Array<keyof Alert>) {
      if (!(key in alert)) Reflect.deleteProperty(held, key)
    }
    Object.assign(held, alert)
    if (held.status === 'resolved') {
      this.live.delete(held)
      if (!wasResolved) this.rememberResolved(held.id)
    } else {
      this.live.set(held)
    }
  }

  /** Puts back an alert from the journal after a restart, without emitting. */
  restore (alert: Alert): void {
    this.byId.set(alert.id, alert)
    if (alert.status === 'resolved') {
      // The journal may hold another object of the same alert: it is the id that says which one is live.
      const current = this.live.get(alert.cabinetId, alert.kind)
      if (current?.id === alert.id) this.live.delete(current)
      this.rememberResolved(alert.id)
    } else {
      this.live.set(alert)
    }
  }

  private resolveAlert (alert: Alert, by: string, atMs: number): Alert {
    const previous = alert.status
    alert.status = 'resolved'
    alert.resolvedAt = iso(atMs)
    alert.resolvedBy = by
    alert.updatedAt = iso(atMs)
    this.live.delete(alert)
    this.rememberResolved(alert.id)
    this.announce({ alert, change: 'resolved', previous, by, atMs })
    return alert
  }

  /**
   * Delivers a transition to every listener before the next one. A listener
   * that throws does not keep the transitions after it from the others; the
   * first error is rethrown once the queue is empty.
   */
  private announce (transition: AlertTransition): void {
    this.queued.push(transition)
    if (this.delivering) return
    this.delivering = true
    let failure: unknown
    try {
      for (let next = this.queued.shift(); next !== undefined; next = this.queued.shift()) {
        for (const listener of this.listeners('transition') as Array<(t: AlertTransition) => void>) {
          try {
            listener(next)
          } catch (err) {
            failure ??= err
          }
        }
      }
    } finally {
      this.delivering = false
    }
    if (failure !== undefined) throw failure
  }

  /** Resolved alerts are kept for the API up to a bound; their history lives in InfluxDB. */
  private rememberResolved (alertId: string): void {
    this.resolvedOrder.push(alertId)
    while (this.resolvedOrder.length > RESOLVED_KEPT) this.byId.delete(this.resolvedOrder.shift()!)
  }

  private require (alertId: string): Alert {
    const alert = this.byId.get(alertId)
    if (alert === undefined) throw new AlertNotFoundError(alertId)
    return alert
  }
}

/**
 * The live alert of each cabinet and kind. Looked up for every rule of
 * every cabinet on every tick: a map per cabinet answers without building
 * a key string each time.
 */
class LiveIndex {
  private readonly byCabinet = new Map<string, Map<AlertKind, Alert>>()

  get (cabinetId: string, kind: AlertKind): Alert | undefined {
    return this.byCabinet.get(cabinetId)?.get(kind)
  }

  set (alert: Alert): void {
    let kinds = this.byCabinet.get(alert.cabinetId)
    if (kinds === undefined) this.byCabinet.set(alert.cabinetId, kinds = new Map())
    kinds.set(alert.kind, alert)
  }

  /** Forgets `alert` if it is the live one of its cabinet and kind. */
  delete (alert: Alert): void {
    const kinds = this.byCabinet.get(alert.cabinetId)
    if (kinds?.get(alert.kind) !== alert) return
    kinds.delete(alert.kind)
    if (kinds.size === 0) this.byCabinet.delete(alert.cabinetId)
  }
}

function iso (ms: number): string {
  return new Date(ms).toISOString()
}

/** Short, URL-safe and unguessable: it appears in SMS links. */
function newAlertId (): string {
  return randomBytes(6).toString('base64url')
}

function sameFacts (a: AlertFacts, b: AlertFacts): boolean {
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every(k => a[k] === b[k])
}
