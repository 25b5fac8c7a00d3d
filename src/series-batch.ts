import type { Metric, MetricType } from './const-metric.js'
import type { Desc } from './desc.js'
import type { DescSeries, Series, SeriesLease } from './series-cache.js'

/** Consecutive metrics of one descriptor and type: what the gather-time family checks look at. */
export interface Run {
  readonly desc: Desc
  readonly type: MetricType
  /** Index of its first metric in the batch. */
  readonly start: number
}

/**
 * The metrics one source emitted in one gather, held compactly: each as its
 * cached series and its value, so the emitted objects (and their label arrays)
 * die young instead of surviving, and being copied by, every garbage
 * collection until the scrape is written. A metric that carries more than a
 * value (a timestamp, a created timestamp, an exemplar, buckets or quantiles)
 * is kept as it is.
 */
export class SeriesBatch {
  readonly runs: Run[] = []
  readonly series: Series[] = []
  /** The value of each plain counter, gauge or untyped metric; 0 where `kept` holds the metric. */
  readonly values: number[] = []
  /** The metrics that carry more than a value, by index: few or none, so a map rather than a column. */
  readonly kept = new Map<number, Metric>()
  private cache: DescSeries | undefined
  /** Metrics of each descriptor so far: the position at which a series is looked up. */
  private readonly positions = new Map<DescSeries, number>()
  private position = 0

  constructor(private readonly lease: SeriesLease) {}

  /** How many metrics it holds. */
  get length(): number {
    return this.series.length
  }

  add(metric: Metric): void {
    const last = this.runs[this.runs.length - 1]
    if (last === undefined || metric.desc !== last.desc || metric.type !== last.type) this.startRun(metric)
    this.series.push((this.cache as DescSeries).lookupAt(metric.labelValues, this.position++))
    if (
      metric.type === 'histogram' ||
      metric.type === 'summary' ||
      metric.timestampMs !== undefined ||
      metric.exemplar !== undefined ||
      metric.createdTimestampMs !== undefined
    ) {
      this.kept.set(this.values.length, metric)
      this.values.push(0)
    } else {
      this.values.push(metric.value)
    }
  }

  private startRun(metric: Metric): void {
    if (this.cache !== undefined) this.positions.set(this.cache, this.position)
    this.cache = this.lease.use(metric.desc)
    this.position = this.positions.get(this.cache) ?? 0
    this.runs.push({ desc: metric.desc, type: metric.type, start: this.series.length })
  }
}
