import * as units from '@grafana/grafana-foundation-sdk/units'
import type { DashboardText } from './dashboard-text.ts'

/** The dashboards in English: the second set, for visitors and the national roll-out. */
export const en: DashboardText = {
  languageName: 'English',
  folder: 'AED fleet (English)',
  dashboardsLink: 'AED dashboards',
  openCabinet: 'Open cabinet ${__value.raw}',
  allCabinets: 'All',

  units: {
    days: units.Days,
    hours: units.Hours,
    duration: units.Seconds
  },

  values: {
    readiness: {
      ready: 'Ready',
      in_use: 'In use',
      maintenance: 'Maintenance',
      unknown: 'Unknown',
      offline: 'Offline',
      not_ready: 'Not ready'
    },
    door: { open: 'Open', closed: 'Closed', unknown: 'Unknown' },
    selftestResult: { pass: 'Pass', fail: 'Fail', none: 'None yet' },
    selftestKind: { daily: 'Daily', weekly: 'Weekly', monthly: 'Monthly', manual: 'Manual' },
    cabinetStatus: { active: 'Active', planned: 'Planned', retired: 'Retired' },
    alertKind: {
      door_open: 'Door open',
      post_use_inspection: 'Inspection after use',
      selftest_failed: 'Self-test failed',
      selftest_overdue: 'Self-test overdue',
      battery_low: 'Battery low',
      battery_critical: 'Battery critical',
      battery_expiring: 'Battery expiring',
      battery_expired: 'Battery expired',
      pads_expiring: 'Pads expiring',
      pads_expired: 'Pads expired',
      offline: 'Offline',
      temperature_out_of_range: 'Temperature out of range',
      clock_skew: 'Clock wrong'
    },
    severity: { critical: 'Critical', warning: 'Warning', info: 'Info' },
    alertStatus: { open: 'Open', acknowledged: 'Acknowledged', resolved: 'Resolved' },
    channel: { sms: 'SMS', email: 'E-mail' },
    outcome: { sent: 'sent', failed: 'failed' }
  },

  columns: {
    cabinet: 'Cabinet',
    readiness: 'Readiness',
    why: 'Why',
    lastSeen: 'Last seen',
    battery: 'Battery',
    padsExpireIn: 'Pads expire in',
    batteryExpiresIn: 'Battery expires in',
    selftest: 'Self-test',
    selftestAge: 'Self-test age',
    lastSelftest: 'Last self-test',
    temperature: 'Temperature',
    door: 'Door',
    site: 'Site',
    location: 'Location',
    status: 'Status',
    when: 'When',
    lastChange: 'Last change',
    alert: 'Alert',
    severity: 'Severity',
    event: 'Event',
    by: 'By',
    acknowledgedBy: 'Acknowledged by',
    acknowledgedAfter: 'Acknowledged after',
    after: 'After',
    message: 'Message',
    alertId: 'Alert id',
    result: 'Result',
    kind: 'Kind',
    faultCodes: 'Fault codes',
    faults: 'Faults',
    person: 'Person',
    alertsAcknowledged: 'Alerts acknowledged',
    meanTime: 'Mean time',
    longest: 'Longest',
    channel: 'Channel',
    recipient: 'Recipient',
    attempt: 'Attempt',
    error: 'Error'
  },

  fleetOverview: {
    title: 'AED fleet overview',
    description: 'Readiness of every AED cabinet now, what needs doing, and open alerts.',
    rows: { now: 'Right now', whereAndOpen: 'Where, and what is open' },
    ready: { title: 'Ready', description: 'Active cabinets that are rescue-ready now.' },
    notReady: {
      title: 'Not ready',
      description: 'Active cabinets with a failed self-test, an expired or low consumable, or a temperature out of range. See "Why" in the table.'
    },
    inUse: { title: 'In use', description: 'Active cabinets whose door is open: the AED may be on its way to a patient.' },
    offline: { title: 'Offline', description: 'Active cabinets that stopped reporting.' },
    planned: { title: 'Planned', description: 'Cabinets declared in the fleet file but not installed yet.' },
    cabinets: { title: 'Cabinets', description: 'One row per cabinet, from its latest readiness snapshot. Click a cabinet for its history.' },
    map: { title: 'Map', description: 'Cabinets at their surveyed coordinates, coloured by readiness.', layer: 'Cabinets' },
    openAlerts: {
      title: 'Open alerts',
      description: 'Alerts not resolved yet, newest change first. "Acknowledged" means someone took it on; it stays here until the cabinet is ready again.',
      empty: 'No open alerts'
    }
  },

  cabinetDetail: {
    title: 'AED cabinet',
    description: 'One cabinet in detail: readiness, door, battery, temperature, self-tests and alerts.',
    rows: { now: 'Now', overTime: 'Over time', records: 'Records' },
    alertAnnotations: 'Alerts',
    readiness: { title: 'Readiness', description: 'The monitor\'s verdict from the latest snapshot, and why it is not ready.' },
    consumables: {
      title: 'Consumables and checks',
      description: 'Battery charge, days until pads and battery expire, time since the last self-test and since the cabinet was last heard from.'
    },
    readinessOverTime: { title: 'Readiness over time', description: 'When the cabinet was ready, in use, not ready or offline: how long a fault lasted before it was fixed.' },
    door: {
      title: 'Door',
      description: 'Open and closed as the cabinet reported them. A door that did not move in the range shows no bar; its current state is on the fleet overview.'
    },
    battery: { title: 'Battery', description: 'The AED battery\'s charge; a fast drop means a battery to replace before its date.' },
    temperature: {
      title: 'Temperature',
      description: (minC, maxC) => `Inside the cabinet, from its heartbeats. The green band is the allowed range (${minC} to ${maxC} °C); outside it the AED's battery and pads suffer.`
    },
    selftests: {
      title: 'Self-tests',
      description: 'Every self-test result the AED reported, newest first, with its fault codes.',
      empty: 'No self-test in this range'
    },
    alertHistory: {
      title: 'Alert history',
      description: 'Every alert event of this cabinet: opened, acknowledged (by whom, how fast) and resolved.',
      empty: 'No alerts in this range'
    }
  },

  alertsResponse: {
    title: 'AED alerts and response',
    description: 'Alerts over time, how fast people acknowledge them, and whether notifications get through.',
    rows: { alerts: 'Alerts', response: 'Response', notifications: 'Notifications' },
    alertsOpened: { title: 'Alerts opened', description: 'Alerts raised in the time range.' },
    acknowledged: { title: 'Acknowledged', description: 'Alerts someone took on in the time range.' },
    medianTimeToAcknowledge: { title: 'Median time to acknowledge', description: 'From an alert being raised to a person acknowledging it.' },
    failedNotifications: {
      title: 'Failed notifications',
      description: 'SMS and e-mails the provider refused or that timed out. Each failure is retried; check recipients and provider credentials if this grows.'
    },
    alertsByKind: { title: 'Alerts opened, by kind', description: 'Which problems recur: the same cabinet going offline every night points to its power supply.' },
    timeToAcknowledgeByKind: { title: 'Mean time to acknowledge, by kind', description: 'Which alerts people are slow to take on.' },
    acknowledgements: {
      title: 'Acknowledgements',
      description: 'Who acknowledged which alert, and how long after it was raised.',
      empty: 'No acknowledgements in this range'
    },
    acknowledgedByPerson: {
      title: 'Acknowledged by person',
      description: 'How many alerts each person took on, and how fast on average.',
      empty: 'No acknowledgements in this range'
    },
    notificationsOverTime: { title: 'Notifications, by channel and outcome', description: 'SMS and e-mails sent and failed over time.' },
    notificationTotals: { title: 'Sent and failed, by channel', description: 'SMS and e-mails sent and failed in the time range.' },
    failedAttempts: {
      title: 'Failed attempts',
      description: 'Each failed attempt with the provider\'s error.',
      empty: 'No failed notifications in this range'
    }
  }
}
