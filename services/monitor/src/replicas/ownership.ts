/**
 * What the alerting units need to know about a replica group, and nothing
 * more: whether this process is the one that speaks for a cabinet, and a
 * way to make sure one notification step goes out once across processes.
 * A single monitor process owns every cabinet and needs no claims.
 */
export interface Ownership {
  /** Whether this process raises, clears and notifies the alerts of the cabinet. */
  owns (cabinetId: string): boolean
}

/** A single monitor process speaks for every cabinet. */
export const SOLE_OWNER: Ownership = { owns: () => true }

export interface NotificationClaims {
  /**
   * Claims the right to send one notification (its key names the alert, the
   * step, the channel and the person). False: another replica sent it, or is
   * sending it.
   */
  claim (key: string): Promise<boolean>
  /** Gives a claim back after the notification failed every try, so whoever owns the alert next may try again. */
  release (key: string): void
}
