import { type Collector, collectorName, unwrapCollector } from './collector.js'
import { Desc } from './desc.js'
import { PromkitError, errorMessage, quote } from './errors.js'
import {
  type MetricBatch,
  type MetricFamily,
  GatherErrors,
  buildFamilies,
  claimedNames,
  describedKey,
} from './families.js'
import { SeriesBatch } from './series-batch.js'
import { SeriesLease } from './series-cache.js'
import {
  type GatherOptions,
  type GatherResult,
  type Gatherer,
  type ScrapeReporter,
  checkConcurrency,
  checkTimeout,
  runCollectors,
} from './gather.js'

/** Where collectors are registered: a Registry, or a wrapper around one (`wrapRegisterer`). */
export interface Registerer {
  /** Adds a collector after checking its descriptors; throws a PromkitError naming the conflict. */
  register(collector: Collector): void
  /** Removes a collector registered before (matched by its descriptors, or by identity when unchecked). */
  unregister(collector: Collector): boolean
}

/**
 * Thrown when the same collector (the same set of descriptors) is registered
 * twice. It carries the collector already registered, so a caller can reuse it:
 * `catch (e) { if (e instanceof AlreadyRegisteredError) collector = e.existing }`.
 */
export class AlreadyRegisteredError extends PromkitError {
  /** The collector that was registered first (unwrapped). */
  readonly existing: Collector
  /** The collector that was refused (unwrapped). */
  readonly attempted: Collector

  constructor(existing: Collector, attempted: Collector, where: string) {
    super(
      'PROMKIT_ERR_ALREADY_REGISTERED',
      `${where}: a collector with the same descriptors (${collectorName(existing)}) is already registered`,
    )
    this.name = 'AlreadyRegisteredError'
    this.existing = existing
    this.attempted = attempted
  }
}

/** Options of a {@link Registry}. */
export interface RegistryOptions {
  /** At most this many collect() calls run at once in a gather (the worker budget). Default 16. */
  readonly concurrency?: number
  /**
   * Default scrape deadline in milliseconds when a gather names none. Default 10000, Prometheus' default scrape
   * timeout.
   */
  readonly timeoutMs?: number
  /** Also check every collected metric against the descriptors its collector described. Default false. */
  readonly pedantic?: boolean
}

/**
 * The default worker budget: enough to run a typical exporter's collectors at once while bounding sockets and file
 * descriptors.
 */
export const defaultConcurrency = 16
/** The default scrape deadline, matching Prometheus' default `scrape_timeout`. */
export const defaultTimeoutMs = 10_000

interface Entry {
  readonly collector: Collector
  readonly name: string
  /** The sorted descriptor ids, or undefined for an unchecked collector. */
  readonly id: string | undefined
  readonly descs: readonly Desc[]
  readonly described: ReadonlySet<string>
  /** Set for a {@link ScrapeReporter}, which runs after the collectors instead of with them. */
  readonly reporter?: ScrapeReporter
}

/**
 * Holds collectors, checks them at registration the way client_golang does, and
 * gathers them concurrently under a worker budget and a deadline.
 *
 * Register-time checks: every descriptor is valid; no descriptor repeats the
 * full name and const label values of one already registered; all descriptors of
 * one name (over the registry's whole lifetime, unregistered ones included) have
 * the same help, unit and label names; the same collector is not registered twice.
 */
export class Registry implements Registerer, Gatherer {
  readonly concurrency: number
  readonly timeoutMs: number
  readonly pedantic: boolean
  private readonly entries: Entry[] = []
  private readonly byCollectorId = new Map<string, Entry>()
  private readonly descOwners = new Map<string, Entry>()
  /** The first descriptor registered under each name; kept after unregistering, as client_golang does. */
  private readonly firstDescByName = new Map<string, Desc>()

  constructor(options: RegistryOptions = {}) {
    this.concurrency = checkConcurrency(options.concurrency ?? defaultConcurrency)
    this.timeoutMs = checkTimeout(options.timeoutMs ?? defaultTimeoutMs)
    this.pedantic = options.pedantic ?? false
  }

  register(collector: Collector): void {
    this.admit(collector, undefined)
  }

  /**
   * Adds a reporter, checked like a collector: on every gather it runs once the
   * collectors are done and have been checked, and emits what it has to say
   * about them (node_exporter's `scrape_collector_success` comes from one). It
   * runs whatever `include` says, and its own success is not reported.
   */
  registerReporter(reporter: ScrapeReporter): void {
    // Checked through a collector's shape; gather() never calls collect() on a reporter's entry, so it has none.
    this.admit({ name: reporter.name ?? 'reporter', describe: () => reporter.describe() } as Collector, reporter)
  }

  private admit(collector: Collector, reporter: ScrapeReporter | undefined): void {
    const name = collectorName(collector)
    const where = `registering ${name}`
    const descs = this.describe(collector, where)
    const newDescs = new Map<string, Desc>()
    const newByName = new Map<string, Desc>()
    let duplicate: PromkitError | undefined
    for (const desc of descs) {
      if (desc.error) throw new PromkitError(desc.error.code, `${where}: ${desc.error.message}`, { cause: desc.error })
      const owner = this.descOwners.get(desc.id)
      duplicate ??= owner
        ? new PromkitError(
            'PROMKIT_ERR_DUPLICATE_DESCRIPTOR',
            `${where}: descriptor ${desc} already exists with the same fully-qualified name and const label values ` +
              `(registered by ${owner.name})`,
          )
        : undefined
      newDescs.set(desc.id, desc)
      const known = this.firstDescByName.get(desc.fqName) ?? newByName.get(desc.fqName)
      if (known === undefined) {
        newByName.set(desc.fqName, desc)
      } else if (known.dimensions !== desc.dimensions) {
        throw new PromkitError(
          'PROMKIT_ERR_DESCRIPTOR_CONFLICT',
          `${where}: descriptor ${desc} has different label names, help or unit than the previously registered ` +
            `${known}`,
        )
      }
    }
    if (newDescs.size === 0) {
      const same = this.entries.find((entry) => entry.collector === collector)
      if (same) throw new AlreadyRegisteredError(unwrapCollector(same.collector), unwrapCollector(collector), where)
      this.entries.push({ collector, name, id: undefined, descs: [], described: new Set(), reporter })
      return
    }
    const id = JSON.stringify([...newDescs.keys()].sort())
    const existing = this.byCollectorId.get(id)
    if (existing)
      throw new AlreadyRegisteredError(unwrapCollector(existing.collector), unwrapCollector(collector), where)
    if (duplicate) throw duplicate
    const entry: Entry = {
      collector,
      name,
      id,
      descs: [...newDescs.values()],
      described: new Set([...newDescs.values()].map(describedKey)),
      reporter,
    }
    this.entries.push(entry)
    this.byCollectorId.set(id, entry)
    for (const descId of newDescs.keys()) this.descOwners.set(descId, entry)
    for (const [fqName, desc] of newByName) this.firstDescByName.set(fqName, desc)
  }

  unregister(collector: Collector): boolean {
    const descs = this.describe(collector, `unregistering ${collectorName(collector)}`)
    const entry =
      descs.length === 0
        ? this.entries.find((candidate) => candidate.collector === collector)
        : this.byCollectorId.get(JSON.stringify([...new Set(descs.map((desc) => desc.id))].sort()))
    if (entry === undefined) return false
    this.entries.splice(this.entries.indexOf(entry), 1)
    if (entry.id !== undefined) this.byCollectorId.delete(entry.id)
    for (const desc of entry.descs) this.descOwners.delete(desc.id)
    return true
  }

  /**
   * Runs every collector (at most `concurrency` at once, all under one deadline)
   * and returns the families that passed the gather-time checks together with
   * every error, each attributed to its collector. It never rejects because of
   * a collector.
   */
  async gather(options: GatherOptions = {}): Promise<GatherResult> {
    const timeoutMs = options.timeoutMs === undefined ? this.timeoutMs : checkTimeout(options.timeoutMs)
    const started = performance.now()
    // Snapshot before the first await: a register() during the gather affects the next one.
    const { include } = options
    const entries = this.entries.filter(
      (entry) => entry.reporter === undefined && (include === undefined || include(entry.name)),
    )
    const reporters = this.entries.filter((entry) => entry.reporter !== undefined)
    const errors = new GatherErrors()
    const lease = new SeriesLease()
    try {
      const yields = await runCollectors(entries, this.concurrency, timeoutMs, errors, lease, options.signal)
      const batches: MetricBatch[] = []
      yields.forEach(({ batch }, index) => {
        const entry = entries[index] as Entry
        if (batch === undefined) return
        const described = this.pedantic && entry.id !== undefined ? entry.described : undefined
        batches.push(described ? { source: entry.name, batch, described } : { source: entry.name, batch })
      })
      const claims = new Map<string, string>()
      const families = await buildFamilies(batches, errors, claims)
      const faulty = new Set(errors.list.map((error) => error.source))
      const collectors = yields.map(({ outcome }) =>
        outcome.success && faulty.has(outcome.name) ? { ...outcome, success: false } : outcome,
      )
      if (reporters.length === 0) return { families, errors: errors.list, collectors }
      const summary = { collectors, errors: [...errors.list], durationSeconds: (performance.now() - started) / 1000 }
      const reported = await buildFamilies(
        reporters.map((entry) => this.report(entry, summary, lease, errors)),
        errors,
      )
      const ownerOf = (name: string): string =>
        (reporters.find((entry) => entry.descs.some((desc) => desc.fqName === name)) as Entry).name
      return { families: addReported(families, claims, reported, ownerOf, errors), errors: errors.list, collectors }
    } finally {
      lease.release()
    }
  }

  /** Runs one reporter; what it emits before a throw is dropped and the throw reported. */
  private report(
    entry: Entry,
    summary: Parameters<ScrapeReporter['report']>[1],
    lease: SeriesLease,
    errors: GatherErrors,
  ): MetricBatch {
    const batch = new SeriesBatch(lease)
    try {
      ;(entry.reporter as ScrapeReporter).report((metric) => batch.add(metric), summary)
      return { source: entry.name, batch }
    } catch (error) {
      errors.report(entry.name, 'PROMKIT_ERR_COLLECT_FAILED', '', `report() failed: ${errorMessage(error)}`, error)
      return { source: entry.name, batch: new SeriesBatch(lease) }
    }
  }

  private describe(collector: Collector, where: string): Desc[] {
    const descs = [...collector.describe()]
    for (const desc of descs) {
      if (!(desc instanceof Desc)) {
        throw new PromkitError(
          'PROMKIT_ERR_INVALID_OPTION',
          `${where}: describe() returned ${quote(desc)}, which is not a Desc`,
        )
      }
    }
    return descs
  }
}

/**
 * The collectors' families with the reporters' added in name order. A reported family taking a sample name a
 * collector's family already holds (`claims`: sample name to family name) is dropped and reported: the collectors'
 * metrics come first, as in any conflict.
 */
function addReported(
  families: MetricFamily[],
  claims: ReadonlyMap<string, string>,
  reported: readonly MetricFamily[],
  ownerOf: (name: string) => string,
  errors: GatherErrors,
): MetricFamily[] {
  for (const family of reported) {
    const clash = claimedNames(family.name, family.type).find((name) => claims.has(name))
    if (clash === undefined) {
      families.push(family)
    } else {
      const holderName = claims.get(clash) as string
      const holder = families.find((candidate) => candidate.name === holderName) as MetricFamily
      const message =
        `${family.type} ${quote(family.name)} collides with ${holder.type} ${quote(holder.name)} (from a collector) ` +
        `on the sample name ${quote(clash)}`
      errors.report(ownerOf(family.name), 'PROMKIT_ERR_NAME_COLLISION', family.name, message)
    }
  }
  return families.sort((a, b) => (a.name < b.name ? -1 : 1))
}
