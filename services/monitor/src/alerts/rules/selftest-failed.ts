import { NO_DATA, type AlertRule } from './rule.ts'

/** The AED's last self-test failed: it is not rescue-ready. Clears when a later self-test passes. */
export const selftestFailedRule: AlertRule = {
  kind: 'selftest_failed',
  evaluate ({ cabinet: { state } }) {
    if (state.selftestResult === undefined) return NO_DATA
    if (state.selftestResult !== 'fail') return undefined
    return {
      severity: 'critical',
      facts: { faults: (state.selftestFaults ?? []).join(', '), testedAt: new Date(state.selftestAt.atMs).toISOString(), ...(state.selftestKind ? { selftestKind: state.selftestKind } : {}) }
    }
  }
}
