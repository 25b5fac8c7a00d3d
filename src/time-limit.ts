import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Waits for `work`, but not longer than `ms`: then it returns what `late()`
 * gives instead (an Error to report, a fallback value). The work goes on, and
 * its eventual rejection must be handled by the caller as usual. `ms` of zero
 * or less gives up at once; an infinite `ms` (no deadline) waits for the work.
 * For "this, or give up at the deadline": `withTimeLimit(query(), deadline - Date.now(), () => new Error('...'))`.
 */
export async function withTimeLimit<T, L>(work: Promise<T>, ms: number, late: () => L): Promise<T | L> {
  if (ms === Infinity) return work
  const cancel = new AbortController()
  const timeout = sleep(Math.max(ms, 0), undefined, { signal: cancel.signal }).then(late, () => late())
  try {
    return await Promise.race([work, timeout])
  } finally {
    cancel.abort()
  }
}
