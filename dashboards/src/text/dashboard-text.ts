import type { CabinetStatus } from '@aed/core/fleet'
import type { DoorState, Selftest } from '@aed/core/protocol'
import type { Channel } from '@aed/monitor/notifier'
// Type-only imports of the monitor's own vocabularies: a new alert kind,
// severity or readiness state without a text in every language is a type error.
import type { AlertKind, AlertStatus, Severity } from '../../../services/monitor/src/alerts/alert.ts'
import type { Readiness } from '../../../services/monitor/src/readiness/readiness.ts'
import type { NotificationPoint } from '../../../services/monitor/src/recording/influx-points.ts'

/** A panel's title and the text behind its (i) icon. */
export interface PanelText {
  title: string
  description: string
}

/** A table panel: also what it says when the range holds no row. */
export interface TableText extends PanelText {
  empty: string
}

/**
 * Every word the dashboards show, in one language. Each language is one
 * object of this type (`bg.ts`, `en.ts`), so a text missing in one of them
 * fails the type check. Values the monitor writes (states, kinds, channels)
 * are keyed by the monitor's own types. Nothing here reaches InfluxDB: the
 * queries are the same in every language, and these texts are panel titles,
 * column names, display names and value mappings.
 */
export interface DashboardText {
  /** The language's own name: the text of the link to this language's dashboards from the others. */
  languageName: string
  /** The Grafana folder this language's set is provisioned into (infra/grafana/provisioning/dashboards/aed-fleet.yaml). */
  folder: string
  /** The top-right drop-down listing this language's dashboards. */
  dashboardsLink: string
  /** A link from a cabinet id to its detail dashboard; `${__value.raw}` is Grafana's placeholder for the id. */
  openCabinet: string
  /** The "All" choice of the cabinet variable (its label is `columns.cabinet`). */
  allCabinets: string

  /**
   * Grafana unit ids where a unit carries a word. Grafana spells its own
   * units in English ("day", "hour"), so a language may choose a custom
   * suffix ("suffix: дни") or a language-neutral format instead.
   */
  units: {
    /** Days until an expiry. */
    days: string
    /** Hours since the last self-test. */
    hours: string
    /** Seconds until an acknowledgement, shown as a duration. */
    duration: string
  }

  /** Value mappings: what the monitor writes → what people read. */
  values: {
    readiness: Record<Readiness, string>
    door: Record<DoorState | 'unknown', string>
    /** `none`: the monitor's word for a cabinet that reported no self-test yet. */
    selftestResult: Record<Selftest['result'] | 'none', string>
    selftestKind: Record<NonNullable<Selftest['kind']>, string>
    cabinetStatus: Record<CabinetStatus, string>
    alertKind: Record<AlertKind, string>
    severity: Record<Severity, string>
    alertStatus: Record<AlertStatus, string>
    channel: Record<Channel, string>
    outcome: Record<NotificationPoint['outcome'], string>
  }

  /** Column and field names that several panels share. */
  columns: {
    cabinet: string
    readiness: string
    why: string
    lastSeen: string
    battery: string
    padsExpireIn: string
    batteryExpiresIn: string
    selftest: string
    selftestAge: string
    lastSelftest: string
    temperature: string
    door: string
    site: string
    location: string
    status: string
    when: string
    lastChange: string
    alert: string
    severity: string
    event: string
    by: string
    acknowledgedBy: string
    acknowledgedAfter: string
    after: string
    message: string
    alertId: string
    result: string
    kind: string
    faultCodes: string
    faults: string
    person: string
    alertsAcknowledged: string
    meanTime: string
    longest: string
    channel: string
    recipient: string
    attempt: string
    error: string
  }

  fleetOverview: {
    title: string
    description: string
    rows: { now: string, whereAndOpen: string }
    ready: PanelText
    notReady: PanelText
    inUse: PanelText
    offline: PanelText
    planned: PanelText
    cabinets: PanelText
    map: PanelText & { layer: string }
    openAlerts: TableText
  }

  cabinetDetail: {
    title: string
    description: string
    rows: { now: string, overTime: string, records: string }
    /** The annotation layer of alert events. */
    alertAnnotations: string
    readiness: PanelText
    consumables: PanelText
    readinessOverTime: PanelText
    door: PanelText
    battery: PanelText
    /** Its description gets the allowed band, e.g. (0, 50). */
    temperature: { title: string, description: (minC: number, maxC: number) => string }
    selftests: TableText
    alertHistory: TableText
  }

  alertsResponse: {
    title: string
    description: string
    rows: { alerts: string, response: string, notifications: string }
    alertsOpened: PanelText
    acknowledged: PanelText
    medianTimeToAcknowledge: PanelText
    failedNotifications: PanelText
    alertsByKind: PanelText
    timeToAcknowledgeByKind: PanelText
    acknowledgements: TableText
    acknowledgedByPerson: TableText
    notificationsOverTime: PanelText
    notificationTotals: PanelText
    failedAttempts: TableText
  }
}
