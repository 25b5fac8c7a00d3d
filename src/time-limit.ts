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
  // A plain timer, cleared once the work has won: cancelling a timers/promises sleep through an AbortSignal would
  // build an AbortError, stack trace and all, on every call.
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<L>((resolve, reject) => {
    timer = setTimeout(
      () => {
        try {
          resolve(late())
        } catch (error) {
          reject(error)
        }
      },
      Math.max(ms, 0),
    )
  })
  try {
    return await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * How long before the scrape deadline a collector stops waiting on its
 * target, so that what it still has to say (`up 0`, what it read so far) makes
 * it into the answer instead of being dropped at the deadline.
 */
export const deadlineMarginMs = 100

/** {@link withTimeLimit} up to the scrape deadline (`Date.now()` ms) less {@link deadlineMarginMs}. */
export function beforeDeadline<T, L>(work: Promise<T>, deadline: number, late: () => L): Promise<T | L> {
  return withTimeLimit(work, deadline - deadlineMarginMs - Date.now(), late)
}
