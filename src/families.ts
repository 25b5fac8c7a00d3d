import { setImmediate as nextTurn } from 'node:timers/promises'
import type { Metric, MetricType } from './const-metric.js'
import type { Desc } from './desc.js'
import { type ErrorCode, PromkitError, quote } from './errors.js'
import { type DescSeries, type Series, seriesOf } from './series-cache.js'

/** All series of one metric name, as a scrape exposes them: the data encoders work from. */
export interface MetricFamily {
  readonly name: string
  readonly help: string
  readonly type: MetricType
  /** The OpenMetrics unit, or `''`. */
  readonly unit: string
  /** Sorted by label pairs; no two have the same labels. */
  readonly metrics: readonly Metric[]
}

/** A problem found while gathering, attributed to the collector (or gatherer) it came from. */
export class GatherError extends PromkitError {
  /** The collector or gatherer whose output had the problem. */
  readonly source: string
  /** How many times the same problem happened for the same source and metric name in this gather. */
  occurrences = 1

  constructor(source: string, code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, `${source}: ${message}`, options)
    this.name = 'GatherError'
    this.source = source
  }
}

/** Collects gather errors, keeping the first of each kind per source and metric name so one bad collector cannot flood the log. */
export class GatherErrors {
  readonly list: GatherError[] = []
  private readonly seen = new Map<string, GatherError>()

  report(source: string, code: ErrorCode, family: string, message: string, cause?: unknown): void {
    const key = JSON.stringify([source, code, family])
    const known = this.seen.get(key)
    if (known) {
      known.occurrences++
      return
    }
    const error = new GatherError(source, code, message, cause === undefined ? undefined : { cause })
    this.seen.set(key, error)
    this.list.push(error)
  }
}

/** The metrics one source produced in one gather. */
export interface MetricBatch {
  readonly source: string
  readonly metrics: readonly Metric[]
  /** Pedantic mode: the `id` and `dimensions` of every descriptor the source described. */
  readonly described?: ReadonlySet<string>
}

/** The key under which a descriptor is found in {@link MetricBatch.described}. */
export function describedKey(desc: Desc): string {
  return `${desc.id}\n${desc.dimensions}`
}

interface FamilyBuilder {
  readonly name: string
  readonly help: string
  readonly type: MetricType
  readonly unit: string
  readonly firstSource: string
  readonly metrics: Metric[]
  /** The cached series of each metric. */
  readonly series: Series[]
  /** Source index of each metric, or a single index when every metric came from one source. */
  sources: number[] | number
  /** The one descriptor all its metrics share (the common case, sorted by cached rank), or undefined when there are several. */
  desc: Desc | undefined
}

/** A family's series in exposition order, with their cached series. */
interface SortedSeries {
  readonly metrics: Metric[]
  readonly series: Series[]
}

/** The sample and family names a family occupies in either exposition format. */
export function claimedNames(name: string, type: MetricType): string[] {
  switch (type) {
    case 'counter': {
      const base = name.endsWith('_total') ? name.slice(0, -'_total'.length) : name
      return [...new Set([name, base, `${base}_total`])]
    }
    case 'histogram':
      return [name, `${name}_bucket`, `${name}_count`, `${name}_sum`]
    case 'summary':
      return [name, `${name}_count`, `${name}_sum`]
    default:
      return [name]
  }
}

/** The value of the i-th label (in `desc.labelNames` order) of a metric. */
export function labelValueAt(metric: Metric, i: number): string {
  const slot = metric.desc.labelSlots[i] as number
  return (slot >= 0 ? metric.labelValues[slot] : metric.desc.constValues[~slot]) as string
}

/** Orders series by their label pairs (name, then value), as client_golang does. */
export function compareSeries(a: Metric, b: Metric): number {
  const namesA = a.desc.labelNames
  const namesB = b.desc.labelNames
  const sameNames = namesA === namesB
  const shared = Math.min(namesA.length, namesB.length)
  for (let i = 0; i < shared; i++) {
    if (!sameNames) {
      const nameA = namesA[i] as string
      const nameB = namesB[i] as string
      if (nameA !== nameB) return nameA < nameB ? -1 : 1
    }
    const valueA = labelValueAt(a, i)
    const valueB = labelValueAt(b, i)
    if (valueA !== valueB) return valueA < valueB ? -1 : 1
  }
  return namesA.length - namesB.length
}

/** The cached series of each metric of a family that buildFamilies made, in the same order. */
const familySeries = new WeakMap<MetricFamily, readonly Series[]>()

/** The cached series (and so the encoded label blocks) of a family's metrics, when buildFamilies made it. */
export function seriesOfFamily(family: MetricFamily): readonly Series[] | undefined {
  return familySeries.get(family)
}

function seriesText(metric: Metric): string {
  const pairs = metric.desc.labelNames.map((name, i) => `${name}=${quote(labelValueAt(metric, i))}`)
  return `${metric.desc.fqName}{${pairs.join(',')}}`
}

/** How many metrics buildFamilies checks (or sorts) before it lets the event loop run: about 5 ms of work. */
const metricsPerTurn = 8192

/** Whether a family came out of buildFamilies (a Registry or mergeGatherers), so its own series are known to be consistent. */
export function isCheckedFamily(family: MetricFamily): boolean {
  return familySeries.has(family)
}

/**
 * Merges the metrics of several sources into families sorted by name, with
 * series sorted by labels, and checks what came back: one type, help and unit per
 * name; no name colliding with another family's `_bucket`/`_count`/`_sum`/`_total`
 * samples; no hand-made `le` on histograms or `quantile` on summaries; no duplicate
 * series; in pedantic mode, no metric from an undescribed descriptor. A metric that
 * fails a check is dropped and reported; the first one of a name or series wins,
 * in source order. Large gathers let the event loop run every few thousand
 * metrics, so a 100k-series scrape does not stall timers and other requests.
 */
export async function buildFamilies(batches: readonly MetricBatch[], errors: GatherErrors): Promise<MetricFamily[]> {
  const families = new Map<string, FamilyBuilder>()
  const claims = new Map<string, string>()
  // The series caches this gather uses: each is held from its first lookup until every family is sorted.
  const caches = new Set<DescSeries>()
  // Counts the metrics handled since the event loop last ran; true when it is time to let it run again.
  let sinceTurn = 0
  const turnDue = (handled: number): boolean => {
    sinceTurn += handled
    if (sinceTurn < metricsPerTurn) return false
    sinceTurn = 0
    return true
  }
  try {
    for (let sourceIndex = 0; sourceIndex < batches.length; sourceIndex++) {
      const batch = batches[sourceIndex] as MetricBatch
      let lastDesc: Desc | undefined
      let lastType: MetricType | undefined
      let lastFamily: FamilyBuilder | undefined
      let lastCache: DescSeries | undefined
      for (const metric of batch.metrics) {
        if (turnDue(1)) await nextTurn()
        if (metric.desc !== lastDesc || metric.type !== lastType) {
          lastDesc = metric.desc
          lastType = metric.type
          lastFamily = familyFor(metric, batch, sourceIndex, families, claims, errors)
          lastCache = seriesOf(lastDesc)
          if (!caches.has(lastCache)) {
            caches.add(lastCache)
            lastCache.acquire()
          }
          if (lastFamily !== undefined && lastFamily.desc !== lastDesc) lastFamily.desc = undefined
        }
        if (lastFamily === undefined) continue
        lastFamily.metrics.push(metric)
        lastFamily.series.push((lastCache as DescSeries).lookupAt(metric.labelValues, lastFamily.series.length))
        if (typeof lastFamily.sources !== 'number') {
          lastFamily.sources.push(sourceIndex)
        } else if (lastFamily.sources !== sourceIndex) {
          const sources: number[] = new Array<number>(lastFamily.metrics.length - 1).fill(lastFamily.sources)
          sources.push(sourceIndex)
          lastFamily.sources = sources
        }
      }
    }
    const result: MetricFamily[] = []
    for (const family of families.values()) {
      if (turnDue(family.metrics.length)) await nextTurn()
      const sorted = sortSeries(family, batches, errors)
      const built: MetricFamily = { name: family.name, help: family.help, type: family.type, unit: family.unit, metrics: sorted.metrics }
      familySeries.set(built, sorted.series)
      result.push(built)
    }
    // Family names are unique, so two never compare equal.
    return result.sort((a, b) => (a.name < b.name ? -1 : 1))
  } finally {
    for (const cache of caches) cache.release()
  }
}

/** Finds or creates the family a new descriptor's metrics belong to, or reports why they cannot join one. */
function familyFor(
  metric: Metric,
  batch: MetricBatch,
  sourceIndex: number,
  families: Map<string, FamilyBuilder>,
  claims: Map<string, string>,
  errors: GatherErrors,
): FamilyBuilder | undefined {
  const { desc, type } = metric
  const name = desc.fqName
  const report = (code: ErrorCode, message: string): undefined => {
    errors.report(batch.source, code, name, message)
    return undefined
  }
  if (batch.described && !batch.described.has(describedKey(desc))) {
    return report('PROMKIT_ERR_UNDESCRIBED_METRIC', `collected metric ${quote(name)} has descriptor ${desc} that the collector did not describe`)
  }
  const reserved = type === 'histogram' ? 'le' : type === 'summary' ? 'quantile' : undefined
  if (reserved !== undefined && desc.labelNames.includes(reserved)) {
    return report('PROMKIT_ERR_RESERVED_LABEL', `${type} ${quote(name)} has a label named ${quote(reserved)}, which the ${type} sets itself`)
  }
  const existing = families.get(name)
  if (existing) {
    const conflict =
      existing.type !== type
        ? `type ${quote(type)}`
        : existing.help !== desc.help
          ? `help ${quote(desc.help)}`
          : existing.unit !== desc.unit
            ? `unit ${quote(desc.unit)}`
            : undefined
    if (conflict === undefined) return existing
    const expected =
      existing.type !== type ? `type ${quote(existing.type)}` : existing.help !== desc.help ? `help ${quote(existing.help)}` : `unit ${quote(existing.unit)}`
    return report(
      'PROMKIT_ERR_FAMILY_CONFLICT',
      `collected metric ${quote(name)} has ${conflict} but should have ${expected} (as first collected from ${existing.firstSource})`,
    )
  }
  const names = claimedNames(name, type)
  for (const claimed of names) {
    const holder = claims.get(claimed)
    if (holder !== undefined) {
      const other = families.get(holder) as FamilyBuilder
      return report(
        'PROMKIT_ERR_NAME_COLLISION',
        `${type} ${quote(name)} collides with ${other.type} ${quote(holder)} (from ${other.firstSource}) on the sample name ${quote(claimed)}`,
      )
    }
  }
  for (const claimed of names) claims.set(claimed, name)
  const family: FamilyBuilder = {
    name,
    help: desc.help,
    type,
    unit: desc.unit,
    firstSource: batch.source,
    metrics: [],
    series: [],
    sources: sourceIndex,
    desc,
  }
  families.set(name, family)
  return family
}

/** The source that emitted the i-th metric of a family. */
function sourceOf(family: FamilyBuilder, batches: readonly MetricBatch[], i: number): string {
  const index = typeof family.sources === 'number' ? family.sources : (family.sources[i] as number)
  return (batches[index] as MetricBatch).source
}

function reportDuplicate(family: FamilyBuilder, batches: readonly MetricBatch[], i: number, errors: GatherErrors): void {
  errors.report(
    sourceOf(family, batches, i),
    'PROMKIT_ERR_DUPLICATE_SERIES',
    family.name,
    `collected metric ${seriesText(family.metrics[i] as Metric)} was collected before with the same name and label values`,
  )
}

/** Sorts a family's series and drops (and reports) every duplicate after the first, in emission order. */
function sortSeries(family: FamilyBuilder, batches: readonly MetricBatch[], errors: GatherErrors): SortedSeries {
  return family.desc === undefined ? sortMixed(family, batches, errors) : sortByRank(family, family.desc, batches, errors)
}

let rankSlots = new Int32Array(1024)

/**
 * One descriptor: every series has a cached rank in label order, so sorting
 * is placing each in its slot (linear), and a slot taken twice is a duplicate.
 */
function sortByRank(family: FamilyBuilder, desc: Desc, batches: readonly MetricBatch[], errors: GatherErrors): SortedSeries {
  const { metrics, series } = family
  const cache = seriesOf(desc)
  cache.rank()
  let ordered = true
  for (let i = 1; i < series.length && ordered; i++) {
    ordered = (series[i - 1] as Series).rank < (series[i] as Series).rank
  }
  if (ordered) return family
  // slots[rank] is one more than the index of the metric of that rank, or 0; one scratch array serves every family (this runs synchronously).
  if (rankSlots.length < cache.rankLimit) rankSlots = new Int32Array(cache.rankLimit * 2)
  const slots = rankSlots
  for (let i = 0; i < series.length; i++) {
    const rank = (series[i] as Series).rank
    if (slots[rank] === 0) slots[rank] = i + 1
    else reportDuplicate(family, batches, i, errors)
  }
  const sorted: SortedSeries = { metrics: [], series: [] }
  for (let rank = 0; rank < cache.rankLimit; rank++) {
    const index = (slots[rank] as number) - 1
    if (index < 0) continue
    slots[rank] = 0
    sorted.metrics.push(metrics[index] as Metric)
    sorted.series.push(series[index] as Series)
  }
  return sorted
}

/** Several descriptors (const labels telling them apart): a comparison sort over all label pairs. */
function sortMixed(family: FamilyBuilder, batches: readonly MetricBatch[], errors: GatherErrors): SortedSeries {
  const { metrics, series } = family
  const order = metrics.map((_, i) => i)
  // Array.prototype.sort is stable, so among equal series the first emitted stays first.
  order.sort((a, b) => compareSeries(metrics[a] as Metric, metrics[b] as Metric))
  const sorted: SortedSeries = { metrics: [], series: [] }
  for (const index of order) {
    const metric = metrics[index] as Metric
    const previous = sorted.metrics[sorted.metrics.length - 1]
    if (previous !== undefined && compareSeries(previous, metric) === 0) {
      reportDuplicate(family, batches, index, errors)
    } else {
      sorted.metrics.push(metric)
      sorted.series.push(series[index] as Series)
    }
  }
  return sorted
}
