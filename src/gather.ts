import { AsyncLocalStorage } from 'node:async_hooks'
import type { CollectContext, Collector, Emit } from './collector.js'
import { SeriesBatch } from './series-batch.js'
import type { SeriesLease } from './series-cache.js'
import { Desc } from './desc.js'
import { type ErrorCode, PromkitError, errorMessage, quote } from './errors.js'
import type { GatherError, GatherErrors, MetricFamily } from './families.js'

/** Per-gather options. */
export interface GatherOptions {
  /** The scrape deadline in milliseconds from now; overrides the registry's default. `Infinity` waits forever. */
  readonly timeoutMs?: number
  /** Aborting it ends the gather early, as the deadline would (e.g. the HTTP client went away). */
  readonly signal?: AbortSignal
  /** Runs only the collectors whose name it accepts (e.g. `?collect[]=cpu`); default all. */
  readonly include?: (collectorName: string) => boolean
}

const collectorContext = new AsyncLocalStorage<string>()

/**
 * The name of the collector whose collect() is running in the current async
 * context, or undefined. The exporter runtime uses it to attribute an unhandled
 * rejection to the collector that left it behind.
 */
export function currentCollector(): string | undefined {
  return collectorContext.getStore()
}

/** How one collector did in one gather: the data behind per-collector self-metrics. */
export interface CollectorOutcome {
  readonly name: string
  readonly durationSeconds: number
  /**
   * False when collect() failed, reported an error or missed the deadline, or when the gather-time checks dropped any
   * of its metrics.
   */
  readonly success: boolean
}

/** What a gather returns: everything that succeeded, and what went wrong, side by side. */
export interface GatherResult {
  readonly families: readonly MetricFamily[]
  readonly errors: readonly GatherError[]
  readonly collectors: readonly CollectorOutcome[]
}

/** What a {@link ScrapeReporter} learns about the gather it reports on. */
export interface ScrapeSummary {
  /** How each collector did, after the gather-time checks. */
  readonly collectors: readonly CollectorOutcome[]
  readonly errors: readonly GatherError[]
  /** From the start of the gather until the collectors' metrics were checked. */
  readonly durationSeconds: number
}

/**
 * Emits metrics about a gather once its collectors are done: per-collector
 * success and duration, scrape counts. Registered with
 * `registry.registerReporter()`, it runs in the same gather, after the
 * collectors, and must not wait for anything.
 */
export interface ScrapeReporter {
  /** Names it in errors; default `reporter`. */
  readonly name?: string
  describe(): Iterable<Desc>
  report(emit: Emit, summary: ScrapeSummary): void
}

/** Anything that can be scraped: a Registry, or several merged with `mergeGatherers`. */
export interface Gatherer {
  gather(options?: GatherOptions): Promise<GatherResult>
}

/** One collector as the gather loop sees it. */
export interface CollectorRun {
  readonly collector: Collector
  readonly name: string
}

/** The metrics one collector emitted in one gather, or `undefined` when it failed. */
export interface CollectorYield {
  readonly batch: SeriesBatch | undefined
  readonly outcome: CollectorOutcome
}

/** Why a collector's output was dropped. */
interface Failure {
  readonly code: ErrorCode
  readonly message: string
  readonly cause?: unknown
}

/** Checks a worker budget: a positive integer. */
export function checkConcurrency(value: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new PromkitError('PROMKIT_ERR_INVALID_OPTION', `concurrency must be a positive integer, got ${quote(value)}`)
  }
  return value
}

/** The longest a Node timer can wait (2^31-1 ms, about 24.8 days); a longer one fires after 1 ms. */
export const maxTimerMs = 2 ** 31 - 1

/** Checks a scrape timeout: a positive number of milliseconds a timer can wait, or Infinity for none. */
export function checkTimeout(value: number): number {
  if (typeof value !== 'number' || !(value > 0) || (value > maxTimerMs && value !== Infinity)) {
    throw new PromkitError(
      'PROMKIT_ERR_INVALID_OPTION',
      `timeoutMs must be a positive number of milliseconds up to ${maxTimerMs} (or Infinity), got ${quote(value)}`,
    )
  }
  return value
}

/** What {@link GatherDeadline.reached} resolves with. */
const deadlineReached = Symbol('deadline reached')

/**
 * One gather's deadline: its timer, or the caller's signal (the client went away), whichever comes first. Its
 * AbortSignal is made only when a collector asks for it: most never do, and making one costs more than the rest of a
 * small gather's bookkeeping.
 */
class GatherDeadline {
  private controller: AbortController | undefined
  /** Whether the deadline has passed (or the caller aborted). */
  passed = false
  /** Resolves when the deadline passes, to race collect() against. */
  readonly reached: Promise<typeof deadlineReached>
  /** When the timer fires, in `Date.now()` ms. */
  readonly at: number
  private readonly timer: NodeJS.Timeout | undefined
  private arrive!: (reached: typeof deadlineReached) => void
  // Passing twice (the caller's abort, then the timer before dispose()) repeats nothing: abort() and a settled
  // promise ignore it.
  private readonly pass = (): void => {
    this.passed = true
    this.controller?.abort()
    this.arrive(deadlineReached)
  }

  constructor(
    private readonly timeoutMs: number,
    private readonly outer: AbortSignal | undefined,
  ) {
    this.reached = new Promise((resolve) => {
      this.arrive = resolve
    })
    this.timer = Number.isFinite(timeoutMs) ? setTimeout(this.pass, timeoutMs) : undefined
    this.at = Date.now() + timeoutMs
    if (outer?.aborted) this.pass()
    outer?.addEventListener('abort', this.pass, { once: true })
  }

  /** Fires at the deadline; collectors get it. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController()
      if (this.passed) this.controller.abort()
    }
    return this.controller.signal
  }

  /** What ended the gather, for messages. */
  describe(): string {
    return this.outer?.aborted ? 'the scrape was aborted' : `the scrape deadline (${this.timeoutMs} ms)`
  }

  dispose(): void {
    clearTimeout(this.timer)
    this.outer?.removeEventListener('abort', this.pass)
  }
}

/**
 * What a collect() gets. A class, not an object literal: a literal with a getter makes a new hidden class on every
 * call, which V8's transition tree holds on to until a full collection; each minor collection then copied, and
 * promoted, everything the getter's closure reached (the gather's batches): about 1.3 MB every few scrapes of the
 * system exporter, and 5 ms a minor collection.
 */
class GatherContext implements CollectContext {
  readonly #deadline: GatherDeadline

  constructor(
    deadline: GatherDeadline,
    readonly reportError: (error: unknown) => void,
  ) {
    this.#deadline = deadline
  }

  get signal(): AbortSignal {
    return this.#deadline.signal
  }

  get deadline(): number {
    return this.#deadline.at
  }
}

/** What one collect() gave: its metrics and outcome, and why they were dropped or what it reported. */
interface Collected {
  readonly yielded: CollectorYield
  readonly failure: Failure | undefined
}

/** Runs one collector's collect() against the gather's deadline; see {@link runCollectors}. */
async function collectOne(run: CollectorRun, deadline: GatherDeadline, lease: SeriesLease): Promise<Collected> {
  const batch = new SeriesBatch(lease)
  let open = true
  let misuse: PromkitError | undefined
  const emit: Emit = (metric) => {
    if (!open) return
    if (typeof metric !== 'object' || metric === null || !(metric.desc instanceof Desc)) {
      misuse ??= new PromkitError(
        'PROMKIT_ERR_COLLECT_FAILED',
        `emitted ${quote(metric)}, which is not a metric built by constMetric, constHistogram or constSummary`,
      )
      return
    }
    batch.add(metric)
  }
  const reported: unknown[] = []
  const reportError = (error: unknown): void => void reported.push(error)
  const started = performance.now()
  const outcome = (success: boolean): CollectorOutcome => ({
    name: run.name,
    durationSeconds: (performance.now() - started) / 1000,
    success,
  })
  try {
    const context = new GatherContext(deadline, reportError)
    const collecting = collectorContext.run(run.name, () =>
      Promise.resolve().then(() => run.collector.collect(emit, context)),
    )
    const winner = await Promise.race([collecting, deadline.reached])
    open = false
    if (winner === deadlineReached) {
      const message = `collect() did not finish before ${deadline.describe()}`
      return {
        yielded: { batch: undefined, outcome: outcome(false) },
        failure: { code: 'PROMKIT_ERR_COLLECT_TIMEOUT', message },
      }
    }
    if (misuse) throw misuse
    const failure: Failure | undefined =
      reported.length === 0
        ? undefined
        : {
            code: 'PROMKIT_ERR_COLLECT_FAILED',
            message: `collect() reported: ${reported.map(errorMessage).join('; ')}`,
            cause: reported[0],
          }
    return { yielded: { batch, outcome: outcome(reported.length === 0) }, failure }
  } catch (error) {
    open = false
    const code: ErrorCode =
      error instanceof PromkitError && error.code !== 'PROMKIT_ERR_COLLECT_FAILED'
        ? error.code
        : 'PROMKIT_ERR_COLLECT_FAILED'
    const failure = { code, message: `collect() failed: ${errorMessage(error)}`, cause: error }
    return { yielded: { batch: undefined, outcome: outcome(false) }, failure }
  }
}

/**
 * Runs collectors with at most `concurrency` collect() calls in flight and one
 * shared deadline. Each collector's output is all-or-nothing: a throw, a
 * rejection or a missed deadline drops what it emitted and records an error for
 * it alone. An error it reports with `reportError` is recorded the same way,
 * but keeps what it emitted. The result keeps the collectors' order, whatever order they finish in.
 */
export async function runCollectors(
  runs: readonly CollectorRun[],
  concurrency: number,
  timeoutMs: number,
  errors: GatherErrors,
  lease: SeriesLease,
  outerSignal?: AbortSignal,
): Promise<CollectorYield[]> {
  const deadline = new GatherDeadline(timeoutMs, outerSignal)
  const collected = new Array<Collected>(runs.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < runs.length && !deadline.passed) {
      const index = next++
      collected[index] = await collectOne(runs[index] as CollectorRun, deadline, lease)
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, runs.length) }, worker))
  } finally {
    deadline.dispose()
  }
  for (let index = next; index < runs.length; index++) {
    const run = runs[index] as CollectorRun
    const waited = `came while it waited for one of ${concurrency} workers`
    const message = `collect() never started: ${deadline.describe()} ${waited}`
    collected[index] = {
      yielded: { batch: undefined, outcome: { name: run.name, durationSeconds: 0, success: false } },
      failure: { code: 'PROMKIT_ERR_COLLECT_TIMEOUT', message },
    }
  }
  // Failures are reported once all collectors are done, in registration order, so logs do not depend on timing.
  collected.forEach(({ failure }, index) => {
    if (failure) errors.report((runs[index] as CollectorRun).name, failure.code, '', failure.message, failure.cause)
  })
  return collected.map(({ yielded }) => yielded)
}
