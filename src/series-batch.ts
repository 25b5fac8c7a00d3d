import type { Metric, MetricType } from './const-metric.js'
import type { Desc } from './desc.js'
import type { DescSeries, Series, SeriesLease } from './series-cache.js'

/**
 * The metrics of one descriptor and type that one source emitted in one gather, in the order emitted: each as its
 * cached series and its value. A metric that carries more than a value (a timestamp, a created timestamp, an
 * exemplar, buckets or quantiles) is kept as it is.
 */
export interface SeriesGroup {
  readonly desc: Desc
  readonly type: MetricType
  readonly series: Series[]
  /** The value of each plain counter, gauge or untyped metric; 0 where `kept` holds the metric. */
  readonly values: number[]
  /** The metrics that carry more than a value, by index: few or none, so a map rather than a column. */
  readonly kept: Map<number, Metric>
  /** The descriptor's series cache, where each metric's series is looked up. */
  readonly cache: DescSeries
  /**
   * How many entries of `series` and `values` are written. Both are made as long as the descriptor's latest gather
   * (so they are not copied as they grow), and cut to this when the batch's groups are read.
   */
  filled: number
}

/**
 * The metrics one source emitted in one gather, held compactly and grouped by descriptor and type: the emitted
 * objects (and their label arrays) die young instead of surviving, and being copied by, every garbage collection
 * until the scrape is written. A collector that emits per object, several families each (a VM's gauges, then the
 * next VM's), fills each family's group in turn, at the cost of a comparison per metric.
 */
export class SeriesBatch {
  private readonly written: SeriesGroup[] = []
  private readonly byDesc = new Map<Desc, SeriesGroup[]>()
  private last: SeriesGroup | undefined

  constructor(private readonly lease: SeriesLease) {}

  /** The groups in the order of their first metric, each cut to what was written. */
  get groups(): readonly SeriesGroup[] {
    for (const group of this.written) {
      group.series.length = group.filled
      group.values.length = group.filled
    }
    return this.written
  }

  add(metric: Metric): void {
    let group = this.last
    if (group === undefined || metric.desc !== group.desc || metric.type !== group.type) group = this.groupOf(metric)
    const at = group.filled++
    group.series[at] = group.cache.lookupAt(metric.labelValues, at)
    if (
      metric.type === 'histogram' ||
      metric.type === 'summary' ||
      metric.timestampMs !== undefined ||
      metric.exemplar !== undefined ||
      metric.createdTimestampMs !== undefined
    ) {
      group.kept.set(at, metric)
      group.values[at] = 0
    } else {
      group.values[at] = metric.value
    }
  }

  private groupOf({ desc, type }: Metric): SeriesGroup {
    const ofDesc = this.byDesc.get(desc)
    let group = ofDesc?.find((each) => each.type === type)
    if (group === undefined) {
      const cache = this.lease.use(desc)
      // Arrays made at their length at once: growing one of 50,000 entries copies it several times, each time into
      // memory the process faults in anew (over a quarter of a 450,000-series scrape's page faults).
      const expected = cache.emittedCount
      group = {
        desc,
        type,
        series: new Array(expected),
        values: new Array(expected),
        kept: new Map(),
        cache,
        filled: 0,
      }
      this.written.push(group)
      if (ofDesc === undefined) this.byDesc.set(desc, [group])
      else ofDesc.push(group)
    }
    this.last = group
    return group
  }
}
