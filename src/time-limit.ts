import { setTimeout as sleep } from 'node:timers/promises'
import { maxTimerMs } from './gather.js'

/**
 * Waits for `work`, but not longer than `ms`: then it returns what `late()`
 * gives instead (an Error to report, a fallback value); `late()` is called
 * only then. The work goes on, and its eventual rejection must be handled by
 * the caller as usual. `ms` of zero or less gives up at once; a limit longer
 * than a timer can wait (about 24.8 days, Infinity included) waits for the work.
 * For "this, or give up at the deadline": `withTimeLimit(query(), deadline - Date.now(), () => new Error('...'))`.
 */
export async function withTimeLimit<T, L>(work: Promise<T>, ms: number, late: () => L): Promise<T | L> {
  if (ms > maxTimerMs) return work
  const cancel = new AbortController()
  // Cancelled once the work has won: that rejection is not a timeout, so it settles to nothing.
  const timeout = sleep(Math.max(ms, 0), undefined, { signal: cancel.signal }).then(late, () => new Promise<never>(() => {}))
  try {
    return await Promise.race([work, timeout])
  } finally {
    cancel.abort()
  }
}
