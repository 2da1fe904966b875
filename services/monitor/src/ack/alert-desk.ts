import type { Alert } from '../alerts/alert.ts'

/**
 * What the acknowledgement page needs from the alert lifecycle. The alert
 * manager implements it; acknowledging records who and when, and answers
 * with the alert as it now stands.
 */
export interface AlertDesk {
  find (alertId: string): Alert | undefined
  acknowledge (alertId: string, by: string): Promise<Alert>
}
