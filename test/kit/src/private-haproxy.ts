import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { freePort } from './private-influxd.ts'

/** An HAProxy of our own in front of brokers on loopback, as infra/haproxy/haproxy.cfg puts one in front of a fleet's brokers. */
export interface PrivateHaproxy {
  url: string
  port: number
  stop (): Promise<void>
  /** The end of what it has written, for a failure message. */
  output (): string
}

export interface PrivateHaproxyOptions {
  /** Ports of the brokers on 127.0.0.1. */
  backends: number[]
  /** Between health checks of each broker; 2 failed checks mark it down. */
  checkIntervalMs?: number
  /**
   * Writes a PROXY protocol v2 header naming the client before its bytes,
   * and a LOCAL one before each health check, as infra/haproxy/haproxy.cfg
   * does (send-proxy-v2 check-send-proxy). The brokers must trust the
   * address it connects from (MQTT_TRUSTED_PROXIES).
   */
  sendProxyV2?: boolean
  /**
   * The loopback address it connects to the brokers from (HAProxy's
   * `source`); the kernel's choice, 127.0.0.1, by default. Another one
   * (127.0.0.9) lets the brokers trust the balancer and nothing else on the
   * machine.
   */
  sourceAddress?: string
}

/** Debian installs haproxy in /usr/sbin, which a user's PATH may not have. */
export function findHaproxy (): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin']) {
    const candidate = join(dir, 'haproxy')
    if (dir !== '' && existsSync(candidate)) return candidate
  }
  return undefined
}

/**
 * Starts haproxy (Debian's haproxy package) in the foreground on a free
 * loopback port, with the settings of infra/haproxy/haproxy.cfg that
 * matter for failover (TCP mode, leastconn, health checks, a refused
 * connection sent to another broker) and short check intervals.
 */
export async function startPrivateHaproxy (options: PrivateHaproxyOptions, binary = findHaproxy()): Promise<PrivateHaproxy> {
  if (binary === undefined) throw new Error('haproxy is not on PATH nor in /usr/sbin (Debian: apt-get install haproxy)')
  const dir = await mkdtemp(join(tmpdir(), 'aed-haproxy-'))
  const port = await freePort()
  const inter = options.checkIntervalMs ?? 500
  const config = join(dir, 'haproxy.cfg')
  await writeFile(config, [
    'global',
    '  maxconn 2000',
    'defaults',
    '  mode tcp',
    '  timeout connect 2s',
    '  timeout client 3m',
    '  timeout server 3m',
    '  retries 3',
    '  option redispatch',
    'frontend mqtt',
    `  bind 127.0.0.1:${port}`,
    '  default_backend brokers',
    'backend brokers',
    '  balance leastconn',
    `  default-server inter ${inter}ms fall 2 rise 2`,
    ...(options.sourceAddress !== undefined ? [`  source ${options.sourceAddress}`] : []),
    ...options.backends.map((backend, i) => `  server broker-${i + 1} 127.0.0.1:${backend} check${options.sendProxyV2 === true ? ' send-proxy-v2 check-send-proxy' : ''}`),
    ''
  ].join('\n'))
  const child = spawn(binary, ['-f', config, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const keep = (chunk: Buffer): void => { output = (output + chunk.toString()).slice(-8000) }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>(resolve => {
        child.once('exit', () => resolve())
        child.kill('SIGKILL')
      })
    }
    await rm(dir, { recursive: true, force: true })
  }
  try {
    await waitForListener(port, child, () => output)
  } catch (err) {
    await stop()
    throw err
  }
  return { url: `mqtt://127.0.0.1:${port}`, port, stop, output: () => output }
}

function accepts (port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
  })
}

async function waitForListener (port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}: ${output()}`)
    if (await accepts(port)) return
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  throw new Error(`haproxy did not listen on port ${port} within 30 s: ${output()}`)
}
