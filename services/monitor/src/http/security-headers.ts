import helmet, { type FastifyHelmetOptions } from '@fastify/helmet'
import type { FastifyInstance } from 'fastify'

/**
 * The headers every answer carries (helmet's, with a policy for what this
 * service serves). The API answers JSON, which no browser should render,
 * frame or let load anything: its Content-Security-Policy allows nothing.
 * Routes that serve a page set their own policy (the acknowledgement pages:
 * ack-page.ts). Strict-Transport-Security is sent as helmet has it;
 * browsers heed it only over HTTPS, directly or through a proxy.
 */
export const SECURITY_HEADERS = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' }
} as const satisfies FastifyHelmetOptions

export async function registerSecurityHeaders (app: FastifyInstance): Promise<void> {
  await app.register(helmet, SECURITY_HEADERS)
}
