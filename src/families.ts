import { setImmediate as nextTurn } from 'node:timers/promises'
import type { Metric, MetricType, ScalarType } from './const-metric.js'
import type { Desc } from './desc.js'
import { type ErrorCode, PromkitError, quote } from './errors.js'
import type { SeriesBatch, SeriesGroup } from './series-batch.js'
import { type Series, labelValueAt, seriesOf } from './series-cache.js'

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

/**
 * Collects gather errors, keeping the first of each kind per source and metric name so one bad collector cannot flood
 * the log.
 */
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
  readonly batch: SeriesBatch
  /** Pedantic mode: the `id` and `dimensions` of every descriptor the source described. */
  readonly described?: ReadonlySet<string>
}

/** The key under which a descriptor is found in {@link MetricBatch.described}. */
export function describedKey(desc: Desc): string {
  return `${desc.id}\n${desc.dimensions}`
}

/**
 * A family's series as parallel arrays, the cached series and the value of each plain metric, and the metrics kept
 * whole by index (few or none).
 */
interface SeriesColumns {
  readonly series: Series[]
  readonly values: number[]
  readonly kept: ReadonlyMap<number, Metric>
}

/** Kept metrics of the many families that have none. */
const noneKept: ReadonlyMap<number, Metric> = new Map()

interface FamilyBuilder {
  readonly name: string
  readonly help: string
  readonly type: MetricType
  readonly unit: string
  readonly firstSource: string
  /** Its metrics: the groups of the sources' batches, in source order. */
  readonly groups: SeriesGroup[]
  /** The source index of each group. */
  readonly groupSources: number[]
  /** How many metrics its groups hold. */
  count: number
  /**
   * The one descriptor all its metrics share (the common case, sorted by cached rank), or undefined when there are
   * several.
   */
  desc: Desc | undefined
}

/**
 * A family as a registry gathers it: the series in columns, which encoders
 * read directly; `metrics` is built from them on first use.
 */
export class GatheredFamily implements MetricFamily {
  private built: readonly Metric[] | undefined

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: MetricType,
    readonly unit: string,
    /** The columns, sorted by label pairs. */
    readonly columns: SeriesColumns,
  ) {}

  get metrics(): readonly Metric[] {
    this.built ??= this.columns.series.map((_, i) => metricAt(this.columns, this.type, i))
    return this.built
  }
}

/** The i-th metric of a family's columns: kept as emitted, or rebuilt from its series and value. */
function metricAt(columns: SeriesColumns, type: MetricType, i: number): Metric {
  const kept = columns.kept.get(i)
  if (kept !== undefined) return kept
  const series = columns.series[i] as Series
  return {
    desc: series.desc,
    labelValues: series.values,
    timestampMs: undefined,
    type: type as ScalarType,
    value: columns.values[i] as number,
    exemplar: undefined,
    createdTimestampMs: undefined,
  }
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

/** The sample names of each descriptor's family, by the type it was last emitted as: the same every scrape. */
const sampleNamesByDesc = new WeakMap<Desc, { readonly type: MetricType; readonly names: readonly string[] }>()

/** {@link claimedNames} of a descriptor's family, made once per descriptor and type. */
function sampleNamesOf(desc: Desc, type: MetricType): readonly string[] {
  const kept = sampleNamesByDesc.get(desc)
  if (kept?.type === type) return kept.names
  const names = claimedNames(desc.fqName, type)
  sampleNamesByDesc.set(desc, { type, names })
  return names
}

/** Orders series by their label pairs (name, then value), as client_golang does. */
function compareSeries(a: Series, b: Series): number {
  const namesA = a.desc.labelNames
  const namesB = b.desc.labelNames
  const shared = Math.min(namesA.length, namesB.length)
  for (let i = 0; i < shared; i++) {
    const nameA = namesA[i] as string
    const nameB = namesB[i] as string
    if (nameA !== nameB) return nameA < nameB ? -1 : 1
    const valueA = labelValueAt(a.desc, a.values, i)
    const valueB = labelValueAt(b.desc, b.values, i)
    if (valueA !== valueB) return valueA < valueB ? -1 : 1
  }
  return namesA.length - namesB.length
}

function seriesText(series: Series): string {
  const pairs = series.desc.labelNames.map((name, i) => `${name}=${quote(labelValueAt(series.desc, series.values, i))}`)
  return `${series.desc.fqName}{${pairs.join(',')}}`
}

/** How many metrics buildFamilies handles before it lets the event loop run: about 5 ms of work. */
const metricsPerTurn = 8192

/**
 * Whether a family came out of buildFamilies (a Registry or mergeGatherers), so its own series are known to be
 * consistent.
 */
export function isCheckedFamily(family: MetricFamily): boolean {
  return family instanceof GatheredFamily
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
 * `claims` receives every sample name the families occupy, with the family's name.
 */
export async function buildFamilies(
  batches: readonly MetricBatch[],
  errors: GatherErrors,
  claims: Map<string, string> = new Map(),
): Promise<MetricFamily[]> {
  const families = new Map<string, FamilyBuilder>()
  // Counts the metrics handled since the event loop last ran; true when it is time to let it run again.
  let sinceTurn = 0
  const turnDue = (handled: number): boolean => {
    sinceTurn += handled
    if (sinceTurn < metricsPerTurn) return false
    sinceTurn = 0
    return true
  }
  for (let sourceIndex = 0; sourceIndex < batches.length; sourceIndex++) {
    const { batch, source, described } = batches[sourceIndex] as MetricBatch
    for (const group of batch.groups) {
      if (turnDue(group.series.length)) await nextTurn()
      const family = familyFor(group.desc, group.type, source, described, families, claims, errors)
      if (family === undefined) continue
      if (family.desc !== group.desc) family.desc = undefined
      family.groups.push(group)
      family.groupSources.push(sourceIndex)
      family.count += group.series.length
    }
  }
  const result: MetricFamily[] = []
  for (const family of families.values()) {
    if (turnDue(family.count)) await nextTurn()
    const columns = sortSeries(family, familyColumns(family), batches, errors)
    result.push(new GatheredFamily(family.name, family.help, family.type, family.unit, columns))
  }
  // Family names are unique, so two never compare equal.
  return result.sort((a, b) => (a.name < b.name ? -1 : 1))
}

/** Why a metric cannot go into any family: undescribed (pedantic mode), or setting the label its type sets itself. */
function metricProblem(
  desc: Desc,
  type: MetricType,
  described: ReadonlySet<string> | undefined,
): [ErrorCode, string] | undefined {
  const name = desc.fqName
  if (described && !described.has(describedKey(desc))) {
    return [
      'PROMKIT_ERR_UNDESCRIBED_METRIC',
      `collected metric ${quote(name)} has descriptor ${desc} that the collector did not describe`,
    ]
  }
  const reserved = type === 'histogram' ? 'le' : type === 'summary' ? 'quantile' : undefined
  if (reserved !== undefined && desc.labelNames.includes(reserved)) {
    return [
      'PROMKIT_ERR_RESERVED_LABEL',
      `${type} ${quote(name)} has a label named ${quote(reserved)}, which the ${type} sets itself`,
    ]
  }
  return undefined
}

/** How a metric disagrees with the family of its name already built (type, then help, then unit), or undefined. */
function familyConflict(existing: FamilyBuilder, desc: Desc, type: MetricType): string | undefined {
  const [found, expected] =
    existing.type !== type
      ? [`type ${quote(type)}`, `type ${quote(existing.type)}`]
      : existing.help !== desc.help
        ? [`help ${quote(desc.help)}`, `help ${quote(existing.help)}`]
        : existing.unit !== desc.unit
          ? [`unit ${quote(desc.unit)}`, `unit ${quote(existing.unit)}`]
          : [undefined, undefined]
  if (found === undefined) return undefined
  const first = `(as first collected from ${existing.firstSource})`
  return `collected metric ${quote(desc.fqName)} has ${found} but should have ${expected} ${first}`
}

/** Which family already holds one of the sample names a new family would take, as a message, or undefined. */
function nameCollision(
  name: string,
  type: MetricType,
  sampleNames: readonly string[],
  families: Map<string, FamilyBuilder>,
  claims: Map<string, string>,
): string | undefined {
  for (const claimed of sampleNames) {
    const holder = claims.get(claimed)
    if (holder === undefined) continue
    const other = families.get(holder) as FamilyBuilder
    const holding = `${other.type} ${quote(holder)} (from ${other.firstSource})`
    return `${type} ${quote(name)} collides with ${holding} on the sample name ${quote(claimed)}`
  }
  return undefined
}

/** Finds or creates the family a new descriptor's metrics belong to, or reports why they cannot join one. */
function familyFor(
  desc: Desc,
  type: MetricType,
  source: string,
  described: ReadonlySet<string> | undefined,
  families: Map<string, FamilyBuilder>,
  claims: Map<string, string>,
  errors: GatherErrors,
): FamilyBuilder | undefined {
  const name = desc.fqName
  const problem = metricProblem(desc, type, described)
  if (problem) return void errors.report(source, problem[0], name, problem[1])
  const existing = families.get(name)
  if (existing) {
    const conflict = familyConflict(existing, desc, type)
    if (conflict === undefined) return existing
    return void errors.report(source, 'PROMKIT_ERR_FAMILY_CONFLICT', name, conflict)
  }
  const sampleNames = sampleNamesOf(desc, type)
  const collision = nameCollision(name, type, sampleNames, families, claims)
  if (collision !== undefined) return void errors.report(source, 'PROMKIT_ERR_NAME_COLLISION', name, collision)
  for (const claimed of sampleNames) claims.set(claimed, name)
  const family: FamilyBuilder = {
    name,
    help: desc.help,
    type,
    unit: desc.unit,
    firstSource: source,
    groups: [],
    groupSources: [],
    count: 0,
    desc,
  }
  families.set(name, family)
  return family
}

/** The source that emitted the i-th metric of a family. */
function sourceOf(family: FamilyBuilder, batches: readonly MetricBatch[], i: number): string {
  let g = 0
  for (let first = 0; first + (family.groups[g] as SeriesGroup).series.length <= i; g++) {
    first += (family.groups[g] as SeriesGroup).series.length
  }
  return (batches[family.groupSources[g] as number] as MetricBatch).source
}

function reportDuplicate(
  family: FamilyBuilder,
  columns: SeriesColumns,
  batches: readonly MetricBatch[],
  i: number,
  errors: GatherErrors,
): void {
  errors.report(
    sourceOf(family, batches, i),
    'PROMKIT_ERR_DUPLICATE_SERIES',
    family.name,
    `collected metric ${seriesText(columns.series[i] as Series)} was collected before with the same name and label ` +
      `values`,
  )
}

/**
 * A family's metrics as columns: its one group's own (the common case: one descriptor, one source), or the groups'
 * gathered into columns of their final size (a grown array is copied, and at 100k series each copy is megabytes).
 */
function familyColumns(family: FamilyBuilder): SeriesColumns {
  const [only] = family.groups
  if (family.groups.length === 1 && only !== undefined) return only
  const series = new Array<Series>(family.count)
  const values = new Array<number>(family.count)
  let kept: Map<number, Metric> | undefined
  let at = 0
  for (const group of family.groups) {
    for (const [index, metric] of group.kept) {
      kept ??= new Map()
      kept.set(at + index, metric)
    }
    for (let i = 0; i < group.series.length; i++, at++) {
      series[at] = group.series[i] as Series
      values[at] = group.values[i] as number
    }
  }
  return { series, values, kept: kept ?? noneKept }
}

/**
 * Scratch space for putting a family's series in order: where each series goes, and the columns copied out while they
 * are written back. One set serves every family, as a family is sorted synchronously; they grow to the largest
 * family. Sorting in place instead of into new columns spares a 100k-series scrape megabytes of arrays that the
 * garbage collector would copy while the scrape is written.
 */
let orderScratch = new Int32Array(1024)
// Plain arrays, not a Float64Array: a value read from one comes back a double, and writing it into a column of small
// integers would turn that column into doubles, leaving the encoder columns of two kinds to read.
const valueScratch: number[] = []
const seriesScratch: (Series | undefined)[] = []

/** Room for `count` entries in the scratch arrays. */
function scratchFor(count: number): void {
  if (orderScratch.length < count) orderScratch = new Int32Array(count * 2)
}

/**
 * Sorts a family's series in place and drops (and reports) every duplicate after the first, in emission order. The
 * columns are the gather's own (its batch's, or gathered by {@link familyColumns}), used by nothing else once the
 * families are built.
 */
function sortSeries(
  family: FamilyBuilder,
  columns: SeriesColumns,
  batches: readonly MetricBatch[],
  errors: GatherErrors,
): SeriesColumns {
  const count =
    family.desc === undefined
      ? orderMixed(family, columns, batches, errors)
      : orderByRank(family, columns, family.desc, batches, errors)
  if (count < 0) return columns
  const { series, values } = columns
  const order = orderScratch
  for (let i = 0; i < count; i++) {
    const index = order[i] as number
    seriesScratch[i] = series[index] as Series
    valueScratch[i] = values[index] as number
  }
  for (let i = 0; i < count; i++) {
    series[i] = seriesScratch[i] as Series
    values[i] = valueScratch[i] as number
  }
  if (count < series.length) {
    series.length = count
    values.length = count
  }
  // The scratch holds no series past the sort, so none evicted from the cache stays reachable through it.
  seriesScratch.fill(undefined, 0, count)
  if (columns.kept.size === 0) return columns
  const sortedKept = new Map<number, Metric>()
  for (let i = 0; i < count; i++) {
    const metric = columns.kept.get(order[i] as number)
    if (metric !== undefined) sortedKept.set(i, metric)
  }
  return { series, values, kept: sortedKept }
}

let rankSlots = new Int32Array(1024)

/**
 * One descriptor: every series has a cached rank in label order, so sorting
 * is placing each in its slot (linear), and a slot taken twice is a duplicate.
 * Writes the indices of the series to keep, in order, into the order scratch
 * and returns how many, or -1 when they already are in order.
 */
function orderByRank(
  family: FamilyBuilder,
  columns: SeriesColumns,
  desc: Desc,
  batches: readonly MetricBatch[],
  errors: GatherErrors,
): number {
  const { series } = columns
  const cache = seriesOf(desc)
  cache.rank()
  let ordered = true
  for (let i = 1; i < series.length && ordered; i++) {
    ordered = (series[i - 1] as Series).rank < (series[i] as Series).rank
  }
  if (ordered) return -1
  // slots[rank] is one more than the index of the series of that rank, or 0; one scratch array serves every family
  // (this runs synchronously).
  if (rankSlots.length < cache.size) rankSlots = new Int32Array(cache.size * 2)
  const slots = rankSlots
  for (let i = 0; i < series.length; i++) {
    const rank = (series[i] as Series).rank
    if (slots[rank] === 0) slots[rank] = i + 1
    else reportDuplicate(family, columns, batches, i, errors)
  }
  scratchFor(series.length)
  let count = 0
  for (let rank = 0; rank < cache.size; rank++) {
    const index = (slots[rank] as number) - 1
    if (index < 0) continue
    slots[rank] = 0
    orderScratch[count++] = index
  }
  return count
}

/**
 * Several descriptors (const labels telling them apart): a comparison sort over all label pairs. Writes the order
 * into the order scratch, as {@link orderByRank} does, and returns its length.
 */
function orderMixed(
  family: FamilyBuilder,
  columns: SeriesColumns,
  batches: readonly MetricBatch[],
  errors: GatherErrors,
): number {
  const { series } = columns
  const sorted = series.map((_, i) => i)
  // Array.prototype.sort is stable, so among equal series the first emitted stays first.
  sorted.sort((a, b) => compareSeries(series[a] as Series, series[b] as Series))
  scratchFor(series.length)
  let count = 0
  for (const index of sorted) {
    if (
      count > 0 &&
      compareSeries(series[orderScratch[count - 1] as number] as Series, series[index] as Series) === 0
    ) {
      reportDuplicate(family, columns, batches, index, errors)
    } else {
      orderScratch[count++] = index
    }
  }
  return count
}
