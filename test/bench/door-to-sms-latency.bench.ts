import { connect } from 'node:net'
import mqtt from 'mqtt'
import { cabinetTopic } from '@aed/core/protocol'
import type { SimulatedCabinet } from '@aed/firmware-sim'
import { TEST_PEOPLE, waitFor, type TestStack } from '../support/stack.ts'
import type { AlertTransition } from '../../services/monitor/src/alerts/alert-book.ts'
import { ArrivalClock } from './support/arrival-clock.ts'
import { doorCabinetIds } from './support/bench-fleet.ts'
import { memoryNow } from './support/memory.ts'
import type { BenchmarkReport } from './support/report.ts'
import type { BenchSettings } from './support/settings.ts'
import { percentiles, type Percentiles } from './support/stats.ts'

/**
 * Door open → SMS and email: a simulated cabinet opens its door and the clock
 * runs until the Twilio stand-in has the SMS and the SMTP server the email
 * for the on-call person. Between openings the alert is acknowledged through
 * the API, the door closes, and the post-use inspection task is resolved, so
 * every opening raises a new door_open alert. Baseline: one QoS 1 publish from
 * a cabinet to a subscriber through the same broker, round trip.
 */

const DELIVERY_TIMEOUT_MS = 10_000
const QUIET_MS = 150

export async function runDoorToSmsLatency (stack: TestStack, settings: BenchSettings): Promise<BenchmarkReport> {
  const started = performance.now()
  const monitor = stack.service.monitor
  const ids = doorCabinetIds(settings.BENCH_DOOR_CABINETS)
  const cabinets = await Promise.all(ids.map(id => stack.cabinet(id)))
  await waitFor(() => cabinets.every(c => c.connected), 'door cabinets connected')
  await waitFor(() => ids.every(id => monitor.fleet.get(id)?.readiness.state === 'ready'), 'door cabinets ready', 20_000)

  const baseline = await measureTransportRoundTrip(stack, settings.BENCH_RTT_SAMPLES)
  const greeting = await measureSmtpGreeting(stack.smtp.port, 5)

  const sms = new ArrivalClock(stack.sms.messages)
  const mail = new ArrivalClock(stack.smtp.mails)
  const raised = new Map<string, { alertId: string, at: number }>()
  const onTransition = ({ alert, previous }: AlertTransition): void => {
    if (alert.kind === 'door_open' && previous === undefined) raised.set(alert.cabinetId, { alertId: alert.id, at: performance.now() })
  }
  monitor.book.on('transition', onTransition)

  const toRaise: number[] = []
  const toSms: number[] = []
  const toMail: number[] = []
  const primary = TEST_PEOPLE.primary
  const memoryBefore = memoryNow({ collect: true })
  try {
    for (let run = 0; run < settings.BENCH_DOOR_RUNS; run++) {
      const cabinet = cabinets[run % cabinets.length]!
      await quiet(sms, mail)
      raised.delete(cabinet.id)
      const smsFrom = sms.count
      const mailFrom = mail.count
      const t0 = performance.now()
      cabinet.openDoor()
      const [text, email] = await Promise.all([
        sms.next(smsFrom, m => m.to === primary.phone && /Взет АЕД/.test(m.body), DELIVERY_TIMEOUT_MS, `door_open SMS for ${cabinet.id}`),
        mail.next(mailFrom, m => m.envelopeTo.includes(primary.email) && !/^Приключено/.test(m.subject) && /112/.test(m.text ?? ''), DELIVERY_TIMEOUT_MS, `door_open email for ${cabinet.id}`)
      ])
      const alert = raised.get(cabinet.id)
      if (alert === undefined) throw new Error(`no door_open alert was raised for ${cabinet.id}`)
      toRaise.push(alert.at - t0)
      toSms.push(text.at - t0)
      toMail.push(email.at - t0)
      await reset(stack, cabinet, alert.alertId, sms, smsFrom)
    }
  } finally {
    monitor.book.off('transition', onTransition)
  }
  const memoryAfter = memoryNow({ collect: true })

  const rows: Array<[string, Percentiles]> = [
    ['MQTT QoS 1 round trip (baseline)', baseline],
    ['door open → door_open alert raised', percentiles(toRaise)],
    ['door open → SMS at the Twilio stand-in', percentiles(toSms)],
    ['door open → email at the SMTP server', percentiles(toMail)],
    ['SMTP server greeting after TCP connect (context)', greeting]
  ]
  const sms50 = percentiles(toSms)
  const mail50 = percentiles(toMail)
  const label = 'MQTT QoS 1 publish → subscriber, same broker'
  return {
    name: 'door-sms',
    title: 'Door open → SMS and email latency',
    tables: [{
      caption: 'latency, ms',
      table: { columns: ['path', 'n', 'mean', 'p50', 'p95', 'p99', 'max'], rows: rows.map(([name, p]) => [name, p.count, p.mean, p.p50, p.p95, p.p99, p.max]) }
    }, {
      caption: 'memory of this process (stack included), MB',
      table: { columns: ['when', 'RSS', 'heap used'], rows: [['before the runs', memoryBefore.rssMB, memoryBefore.heapUsedMB], ['after the runs', memoryAfter.rssMB, memoryAfter.heapUsedMB]] }
    }],
    comparisons: [
      { metric: 'door → SMS p50', unit: 'ms', value: sms50.p50, baseline: baseline.p50, baselineLabel: label, higherIsBetter: false },
      { metric: 'door → SMS p99', unit: 'ms', value: sms50.p99, baseline: baseline.p99, baselineLabel: label, higherIsBetter: false },
      { metric: 'door → email p50', unit: 'ms', value: mail50.p50, baseline: baseline.p50, baselineLabel: label, higherIsBetter: false },
      { metric: 'door → email p99', unit: 'ms', value: mail50.p99, baseline: baseline.p99, baselineLabel: label, higherIsBetter: false }
    ],
    notes: [
      `${settings.BENCH_DOOR_RUNS} openings over ${ids.length} simulated cabinets (firmware-sim), each acknowledged, closed and its inspection task resolved before the next; flap window 0`,
      'the clock stops when the stand-in stores the SMS and the SMTP server the email (their lists are stamped on append, not polled)',
      `the SMTP test server (smtp-server) holds its 220 greeting for a fixed 100 ms to catch clients that talk too early (real MTAs pause too): ${greeting.p50.toFixed(0)} ms of every email passes before the monitor's mail is even started`,
      `baseline: ${baseline.count} sequential round trips of a heartbeat from an authenticated cabinet to a service-account subscriber`
    ],
    figures: { runs: settings.BENCH_DOOR_RUNS, cabinets: ids.length, baseline, smtpGreeting: greeting, toRaise: percentiles(toRaise), toSms: sms50, toMail: mail50, samplesMs: { toRaise, toSms, toMail }, memoryBefore, memoryAfter },
    elapsedS: (performance.now() - started) / 1000
  }
}

/** Waits until neither server has received anything for a moment, so one run's all-clear cannot land in the next. */
async function quiet (sms: ArrivalClock<unknown>, mail: ArrivalClock<unknown>): Promise<void> {
  await waitFor(() => performance.now() - Math.max(sms.lastArrival, mail.lastArrival) >= QUIET_MS, 'notifications settled', DELIVERY_TIMEOUT_MS)
}

/** As the on-call person and a technician would: acknowledge, close the door, sign off the inspection. */
async function reset (stack: TestStack, cabinet: SimulatedCabinet, alertId: string, sms: ArrivalClock<{ to: string, body: string }>, smsFrom: number): Promise<void> {
  const monitor = stack.service.monitor
  const ack = await stack.api('POST', `/api/v1/alerts/${alertId}/ack`, {})
  if (ack.status !== 200) throw new Error(`acknowledging ${alertId} failed: ${ack.status} ${JSON.stringify(ack.body)}`)
  cabinet.closeDoor()
  await waitFor(() => monitor.alerts.get(alertId)?.status === 'resolved', `door_open ${alertId} resolved`)
  await sms.next(smsFrom, m => m.to === TEST_PEOPLE.primary.phone && /затворен/.test(m.body), DELIVERY_TIMEOUT_MS, `all-clear SMS for ${cabinet.id}`)
  let taskId: string | undefined
  await waitFor(() => {
    taskId = monitor.alerts.list({ status: 'open', kind: 'post_use_inspection', cabinetId: cabinet.id })[0]?.id
    return taskId !== undefined
  }, `post-use inspection task for ${cabinet.id}`)
  const resolved = await stack.api('POST', `/api/v1/alerts/${taskId}/resolve`, {})
  if (resolved.status !== 200) throw new Error(`resolving ${taskId} failed: ${resolved.status} ${JSON.stringify(resolved.body)}`)
}

/** Pure transport: a cabinet's QoS 1 publish to a service-account subscriber through the stack's broker. */
async function measureTransportRoundTrip (stack: TestStack, samples: number): Promise<Percentiles> {
  const cabinetId = 'bench-rtt'
  const secret = await stack.broker.addCabinet(cabinetId)
  const service = await stack.broker.addService('bench-rtt')
  const topic = cabinetTopic(cabinetId, 'heartbeat')
  const subscriber = await mqtt.connectAsync(stack.broker.url, { clientId: 'bench-rtt-subscriber', username: service.username, password: service.password, clean: true, protocolVersion: 4, reconnectPeriod: 0 })
  const publisher = await mqtt.connectAsync(stack.broker.url, { clientId: cabinetId, username: cabinetId, password: secret, clean: true, protocolVersion: 4, reconnectPeriod: 0 })
  try {
    // A service account may hold only fleet-wide subscriptions (broker authorize.ts).
    await subscriber.subscribeAsync('aed/v1/+/heartbeat', { qos: 1 })
    let arrived: (() => void) | undefined
    subscriber.on('message', received => { if (received === topic) arrived?.() })
    const roundTrips: number[] = []
    for (let i = 0; i < samples + 10; i++) {
      const payload = JSON.stringify({ ts: new Date().toISOString(), seq: i, temperatureC: 21.5, fw: '2.4.1', mains: true, rssiDbm: -71, uptimeS: 86_400 + i })
      const received = new Promise<void>(resolve => { arrived = resolve })
      const t0 = performance.now()
      publisher.publish(topic, payload, { qos: 1 })
      await received
      // The first ten are a warm-up.
      if (i >= 10) roundTrips.push(performance.now() - t0)
      await new Promise(resolve => setTimeout(resolve, 2))
    }
    return percentiles(roundTrips)
  } finally {
    await Promise.all([subscriber.endAsync(), publisher.endAsync()])
  }
}

/** Time from TCP connect to the SMTP server's 220 greeting, which every email waits for. */
async function measureSmtpGreeting (port: number, samples: number): Promise<Percentiles> {
  const times: number[] = []
  for (let i = 0; i < samples; i++) {
    times.push(await new Promise<number>((resolve, reject) => {
      const t0 = performance.now()
      const socket = connect(port, '127.0.0.1')
      socket.once('error', reject)
      socket.once('data', () => { resolve(performance.now() - t0); socket.end('QUIT\r\n') })
    }))
  }
  return percentiles(times)
}
