import type { Metric } from './const-metric.js'
import type { Desc } from './desc.js'

/** Hands one metric to the registry. Calls after collect() has settled are ignored. */
export type Emit = (metric: Metric) => void

/** What a collector gets with each collect() call. */
export interface CollectContext {
  /**
   * Fires at the scrape deadline. A collector should pass it to its I/O (fetch,
   * client calls) and stop; whatever it has not finished by then is dropped and
   * reported as `PROMKIT_ERR_COLLECT_TIMEOUT`, while the other collectors are served.
   */
  readonly signal: AbortSignal
  /**
   * When `signal` fires, in `Date.now()` milliseconds (`Infinity` without a
   * deadline), for a collector that must answer before it, e.g. to give up
   * waiting for a connection and still report its target as down.
   */
  readonly deadline: number
  /**
   * Records an error for this collector without dropping what it emitted, as
   * client_golang's `NewInvalidMetric` does: for a collector that still has
   * something true to say when its target fails (`redis_up 0`). The error is
   * reported like a thrown one (logged, `scrape_collector_success 0`).
   */
  readonly reportError: (error: unknown) => void
}

/**
 * Produces metrics for a registry on every scrape.
 *
 * Contract (as in client_golang):
 * - `describe()` returns every descriptor the collector may emit, and always the
 *   same ones. The registry checks them once, at registration. A collector whose
 *   `describe()` returns nothing is *unchecked*: it skips the register-time checks
 *   (its metrics are still checked at gather time). Use that only when the metric
 *   names are not known in advance.
 * - `collect()` builds const metrics fresh and emits them; it may be called
 *   concurrently by overlapping scrapes. If it throws or rejects, everything it
 *   emitted in that scrape is dropped and the error is reported for it alone.
 */
export interface Collector {
  /** Names the collector in errors and per-collector self-metrics; defaults to the class name. */
  readonly name?: string
  describe(): Iterable<Desc>
  collect(emit: Emit, context: CollectContext): Promise<void> | void
  /** Releases connections and timers; called once when the exporter shuts down. */
  close?(): Promise<void> | void
}

/**
 * A collector whose collect() needs no context and returns when it is done: one a reporter can run inside its own
 * report().
 */
export type SyncCollector = Collector & { collect(emit: Emit): void }

/** Marks a collector that wraps another (see `wrapRegisterer`), so errors can hand back the user's own. */
export const wrappedCollector: unique symbol = Symbol('promkit.wrappedCollector')

/** A collector that stands in for another one. */
export interface WrappingCollector extends Collector {
  readonly [wrappedCollector]: Collector
}

/** The collector a user registered, looking through any wrapping layers. */
export function unwrapCollector(collector: Collector): Collector {
  let current = collector
  while (wrappedCollector in current) current = (current as WrappingCollector)[wrappedCollector]
  return current
}

/** The name used for a collector in errors and self-metrics. */
export function collectorName(collector: Collector): string {
  if (collector.name) return collector.name
  const className = collector.constructor?.name
  return className && className !== 'Object' ? className : 'anonymous'
}
