import { NotifierError } from '@aed/monitor/notifier'

/** The NotifierError a send rejects with; anything else (or no rejection) fails the test. */
export async function notifierRejection (promise: Promise<unknown>): Promise<NotifierError> {
  try {
    await promise
  } catch (err) {
    if (err instanceof NotifierError) return err
    throw err
  }
  throw new Error('expected a NotifierError')
}
