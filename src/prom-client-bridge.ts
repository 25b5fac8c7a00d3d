import type { Metric as PromClientMetric, Registry as PromClientRegistry } from 'prom-client'
import type { Collector, Emit } from './collector.js'
import { constHistogram, constMetric, constSummary } from './const-metric.js'
import { Desc } from './desc.js'
import { cachedDescs } from './desc-cache.js'

/** One metric as prom-client reports it from `get()` or `getMetricsAsJSON()`. */
type Snapshot = Awaited<ReturnType<PromClientRegistry['getMetricsAsJSON']>>[number]
type SnapshotValue = Snapshot['values'][number] & { metricName?: string }

/** What can be bridged: a whole prom-client Registry, or some of its metrics. */
export type PromClientSource = PromClientRegistry | readonly PromClientMetric[]

/** Options of {@link promClientCollector}. */
export interface PromClientCollectorOptions {
  /** Names the collector in errors and self-metrics. Default `prom-client`. */
  readonly name?: string
}

/** Labels prom-client adds itself to histogram and summary samples. */
const bucketLabels = new Set(['le', 'quantile'])

/**
 * What every prom-client metric object carries at runtime, though its typings do not say (labelNames is always an
 * array, empty by default).
 */
interface PromClientFields {
  readonly name: string
  readonly help: string
  readonly labelNames: readonly string[]
}

function fields(metric: PromClientMetric): PromClientFields {
  return metric as unknown as PromClientFields
}

function isRegistry(source: PromClientSource): source is PromClientRegistry {
  return !Array.isArray(source)
}

function labelText(value: string | number | undefined): string {
  return value === undefined ? '' : String(value)
}

function upperBound(le: string | number | undefined): number {
  return le === '+Inf' ? Infinity : Number(le)
}

/**
 * The label names of a snapshot: the declared ones, then any others its values carry (prom-client's default labels),
 * sorted.
 */
function snapshotLabels(values: readonly SnapshotValue[], declared: readonly string[]): string[] {
  const extra = new Set<string>()
  for (const value of values) {
    for (const name of Object.keys(value.labels))
      if (!declared.includes(name) && !bucketLabels.has(name)) extra.add(name)
  }
  return [...declared, ...[...extra].sort()]
}

/**
 * One histogram or summary series, gathered from prom-client's flat values (buckets or quantiles, `_sum`, `_count`).
 */
interface Aggregate {
  readonly labelValues: string[]
  count: number
  sum: number
  readonly points: [number, number][]
}

/** A histogram's or summary's flat values grouped into series by label values. */
function aggregates(snapshot: Snapshot, labelValuesOf: (value: SnapshotValue) => string[]): Aggregate[] {
  const series = new Map<string, Aggregate>()
  for (const value of snapshot.values as SnapshotValue[]) {
    const labelValues = labelValuesOf(value)
    const key = JSON.stringify(labelValues)
    let entry = series.get(key)
    if (entry === undefined) {
      entry = { labelValues, count: 0, sum: 0, points: [] }
      series.set(key, entry)
    }
    const suffix = value.metricName === undefined ? '' : value.metricName.slice(snapshot.name.length)
    const point = value.labels as Record<string, string | number | undefined>
    if (suffix === '_sum') entry.sum = value.value
    else if (suffix === '_count') entry.count = value.value
    else
      entry.points.push([
        String(snapshot.type) === 'histogram' ? upperBound(point.le) : Number(point.quantile),
        value.value,
      ])
  }
  return [...series.values()]
}

/**
 * Emits one prom-client metric's snapshot as const metrics, under the descriptor `descFor` gives for its name, help and
 * labels.
 */
function emitSnapshot(
  emit: Emit,
  snapshot: Snapshot,
  declared: readonly string[],
  descFor: (name: string, help: string, labels: readonly string[]) => Desc,
): void {
  const values = snapshot.values as SnapshotValue[]
  const labels = snapshotLabels(values, declared)
  const desc = descFor(snapshot.name, snapshot.help, labels)
  const labelValuesOf = (value: SnapshotValue): string[] =>
    labels.map((name) => labelText((value.labels as Record<string, string | number | undefined>)[name]))
  const type = String(snapshot.type)
  if (type === 'counter' || type === 'gauge') {
    for (const value of values) emit(constMetric(desc, type, value.value, labelValuesOf(value)))
    return
  }
  for (const { labelValues, count, sum, points } of aggregates(snapshot, labelValuesOf)) {
    emit(
      type === 'histogram'
        ? constHistogram(desc, { count, sum, buckets: points }, labelValues)
        : constSummary(desc, { count, sum, quantiles: points }, labelValues),
    )
  }
}

/**
 * Serves prom-client metrics from a promkit Registry: a whole prom-client
 * Registry (including what `collectDefaultMetrics()` registered into it) or a
 * list of Counter/Gauge/Histogram/Summary objects. prom-client keeps doing what
 * it does (instrumentation, default Node metrics, its collect() hooks); on each
 * scrape its values become const metrics and go through promkit's checks.
 *
 * `describe()` reports the metrics the source holds when it is called, with
 * their declared label names, so register after creating the metrics. Labels
 * that show up only in values (prom-client's registry default labels) are added
 * as extra labels at collect time. Exemplars are not carried over.
 */
export function promClientCollector(source: PromClientSource, options: PromClientCollectorOptions = {}): Collector {
  const cached = cachedDescs((key) => {
    const [name, help, labels] = JSON.parse(key) as [string, string, string[]]
    return new Desc({ name, help, variableLabels: labels })
  })
  const descFor = (name: string, help: string, labels: readonly string[]): Desc =>
    cached(JSON.stringify([name, help, labels]))
  const metrics = (): readonly PromClientMetric[] =>
    isRegistry(source) ? (source.getMetricsAsArray() as unknown as PromClientMetric[]) : source
  return {
    name: options.name ?? 'prom-client',
    describe(): Desc[] {
      return metrics().map((metric) => {
        const { name, help, labelNames } = fields(metric)
        return descFor(name, help, labelNames)
      })
    },
    async collect(emit: Emit): Promise<void> {
      // getMetricsAsJSON() reads the same metric list synchronously, so every snapshot has an entry here.
      const current = metrics()
      const declared = new Map(current.map((metric) => [fields(metric).name, fields(metric).labelNames]))
      const snapshots = isRegistry(source)
        ? await source.getMetricsAsJSON()
        : await Promise.all(current.map((metric) => metric.get()))
      for (const snapshot of snapshots as Snapshot[])
        emitSnapshot(emit, snapshot, declared.get(snapshot.name) as readonly string[], descFor)
    },
  }
}
