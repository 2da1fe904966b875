import type { AuthenticateError, Client } from 'aedes'
import { sleep, systemTime, type Time } from '@aed/core/time'
import { isFailedLogin, type AuthenticationError } from './authenticate.ts'
import { clientAddressKey } from './connection-limits.ts'

export interface LoginThrottleSettings {
  /** Penalty after the first failure of a key; it doubles with each further failure. */
  loginDelayBaseMs: number
  /** Longest penalty. */
  loginDelayMaxMs: number
  /** A key's failures are forgotten after this long without a new one. */
  loginFailureMemoryMs: number
}

interface Penalty {
  failures: number
  lastFailureMs: number
  untilMs: number
}

/** Keys remembered at most; the oldest are forgotten first, so a client inventing ids cannot grow the map. */
const MAX_KEYS = 100_000

/**
 * Failed logins earn a penalty per key (a client id, an address): the base
 * delay after the first failure, doubling with each further one up to the
 * maximum. The refusal of a failed login is answered only when its penalty
 * ends, and a new attempt under a penalised key waits for the end before
 * its secret is even checked, so closing the socket early and retrying
 * gains nothing. Parallel attempts from one address are bounded by the
 * per-address connection cap: each wave waits out the penalty.
 *
 * A success clears the client id's failures but not the address's: many
 * cabinets may share one address behind a NAT, and one of them logging in
 * says nothing about the others.
 */
export class LoginThrottle {
  private readonly penalties = new Map<string, Penalty>()

  constructor (private readonly settings: LoginThrottleSettings, private readonly time: Time = systemTime) {}

  /** How long an attempt under these keys waits before its secret is checked, ms. */
  waitMs (keys: readonly string[]): number {
    const now = this.time.now()
    return Math.max(0, ...keys.map(key => (this.current(key, now)?.untilMs ?? now) - now))
  }

  /** Records a failed login under these keys; returns how long its refusal is held, ms. */
  failed (keys: readonly string[]): number {
    const now = this.time.now()
    let untilMs = now
    for (const key of keys) {
      const failures = (this.current(key, now)?.failures ?? 0) + 1
      const penalty = { failures, lastFailureMs: now, untilMs: now + this.delayMs(failures) }
      this.penalties.delete(key)
      this.penalties.set(key, penalty)
      untilMs = Math.max(untilMs, penalty.untilMs)
    }
    while (this.penalties.size > MAX_KEYS) this.penalties.delete(this.penalties.keys().next().value!)
    return untilMs - now
  }

  succeeded (key: string): void {
    this.penalties.delete(key)
  }

  private delayMs (failures: number): number {
    return Math.min(this.settings.loginDelayMaxMs, this.settings.loginDelayBaseMs * 2 ** Math.min(failures - 1, 30))
  }

  private current (key: string, now: number): Penalty | undefined {
    const penalty = this.penalties.get(key)
    if (penalty !== undefined && now - penalty.lastFailureMs > this.settings.loginFailureMemoryMs) {
      this.penalties.delete(key)
      return undefined
    }
    return penalty
  }
}

type AuthenticateHook = (client: Client, username: string | undefined, password: Buffer | undefined,
  done: (error: AuthenticateError | null, success: boolean | null) => void) => void

function after (time: Time, ms: number): Promise<void> {
  return ms > 0 ? sleep(time, ms) : Promise.resolve()
}

/**
 * Puts an authenticate hook behind the throttle. `onFailed` hears of each
 * failed login when it happens (for the log); the refusal (CONNACK 2, 4 or
 * 5) reaches the client when its penalty ends. A refusal that is the
 * broker's fault (CONNACK 3, the credentials file cannot be read) is
 * neither penalised nor held back.
 */
export function throttleAuthentication (authenticate: AuthenticateHook, throttle: LoginThrottle,
  onFailed: (client: Client, error: AuthenticationError) => void, time: Time = systemTime): AuthenticateHook {
  return function throttledAuthenticate (client, username, password, done) {
    const clientKey = `client:${client.id}`
    const keys = [clientKey, `address:${clientAddressKey(client)}`]
    after(time, throttle.waitMs(keys)).then(() => {
      // Gone while it waited: its secret is not worth a scrypt. Aedes ignores the answer of a closed client.
      if (client.closed) return done(null, false)
      authenticate(client, username, password, (error, success) => {
        if (!isFailedLogin(error)) {
          if (error === null && success === true) throttle.succeeded(clientKey)
          return done(error, success)
        }
        onFailed(client, error)
        void after(time, throttle.failed(keys)).then(() => done(error as unknown as AuthenticateError, false))
      })
    }).catch((err: unknown) => {
      // A fault of the hook itself; Aedes answers an error without a return code with CONNACK 5.
      done(err as AuthenticateError, false)
    })
  }
}
