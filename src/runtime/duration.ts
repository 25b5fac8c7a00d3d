import { PromkitError, quote } from '../errors.js'
import { maxTimerMs } from '../gather.js'

/** Milliseconds per unit as [multiply, divide], so that sub-millisecond units stay exact (100ns is 0.0001 ms). */
const unitMs: Readonly<Record<string, readonly [number, number]>> = {
  ns: [1, 1e6],
  us: [1, 1e3],
  µs: [1, 1e3],
  ms: [1, 1],
  s: [1000, 1],
  m: [60_000, 1],
  h: [3_600_000, 1],
}
const durationPattern = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/
const partPattern = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g

/**
 * Parses a Go-style duration (`10s`, `1m30s`, `500ms`, `0`) into milliseconds;
 * `what` names the flag in the error. Durations longer than a Node timer can
 * wait (about 596h) are refused: such a timer would fire at once.
 */
export function parseDuration(text: string, what: string): number {
  if (text === '0') return 0
  if (!durationPattern.test(text)) {
    throw new PromkitError(
      'PROMKIT_ERR_INVALID_FLAG',
      `${what}: ${quote(text)} is not a duration (want e.g. 10s, 1m30s, 500ms)`,
    )
  }
  let total = 0
  for (const [, amount, unit] of text.matchAll(partPattern)) {
    const [multiply, divide] = unitMs[unit as string] as readonly [number, number]
    total += (Number(amount) * multiply) / divide
  }
  if (total > maxTimerMs)
    throw new PromkitError(
      'PROMKIT_ERR_INVALID_FLAG',
      `${what}: ${quote(text)} is longer than 596h, the longest a timer can wait`,
    )
  return total
}
