import type { HistogramMetric, ScalarMetric, SummaryMetric } from '../const-metric.js'
import type { Exemplar } from '../exemplar.js'
import type { MetricFamily } from '../families.js'
import { escapeLabelValue } from './escape.js'
import { formatValue } from './numbers.js'

/**
 * What differs between the Prometheus text format and OpenMetrics; the sample lines are written once, in {@link
 * appendScalarLine} and {@link writeAggregate}.
 */
export interface Dialect {
  /** The HELP/TYPE/UNIT lines of a family. */
  header(family: MetricFamily): string
  /** The sample name of a counter, gauge or untyped value (OpenMetrics counters end in `_total`). */
  valueName(family: MetricFamily): string
  /** An `le` or `quantile` label value. */
  bound(value: number): string
  /** A sample's timestamp with its leading space, or `''`. */
  timestamp(timestampMs: number | undefined): string
  /** An exemplar with its leading ` # `, or `''` (always `''` where the format has none). */
  exemplar(exemplar: Exemplar | undefined): string
  /** What ends the exposition. */
  readonly trailer: string
}

function withBound(labels: string, name: string, value: string): string {
  return `${labels === ' ' ? '{' : `${labels.slice(0, -2)},`}${name}="${value}"}`
}

/**
 * Appends the sample line of a counter, gauge or untyped value to `out` as
 * three pieces: the name, the series' label block (encoded once and cached
 * across scrapes, see series-cache), and the value with whatever follows it
 * (`suffix`: a timestamp and exemplar, or nothing) and the line feed. Writing
 * a series allocates nothing but that last piece; the pieces are joined once
 * per chunk. Returns the characters appended.
 */
export function appendValueLine(name: string, labels: string, value: number, out: string[], suffix = ''): number {
  const end = `${formatValue(value)}${suffix}\n`
  out.push(name, labels, end)
  return name.length + labels.length + end.length
}

/** Like {@link appendValueLine}, for a metric that may carry a timestamp or an exemplar. */
export function appendScalarLine(
  dialect: Dialect,
  name: string,
  metric: ScalarMetric,
  labels: string,
  out: string[],
): number {
  return appendValueLine(
    name,
    labels,
    metric.value,
    out,
    `${dialect.timestamp(metric.timestampMs)}${dialect.exemplar(metric.exemplar)}`,
  )
}

/**
 * The sample lines of a histogram or summary (buckets or quantiles, then sum and count), each ending in a line feed;
 * `labels` is the series' label block.
 */
export function writeAggregate(
  dialect: Dialect,
  family: MetricFamily,
  metric: HistogramMetric | SummaryMetric,
  labels: string,
): string {
  const timestamp = dialect.timestamp(metric.timestampMs)
  let text = ''
  if (metric.type === 'histogram') {
    for (const bucket of metric.buckets) {
      const bound = withBound(labels, 'le', dialect.bound(bucket.upperBound))
      const exemplar = dialect.exemplar(bucket.exemplar)
      text += `${family.name}_bucket${bound} ${formatValue(bucket.cumulativeCount)}${timestamp}${exemplar}\n`
    }
  } else {
    for (const { quantile, value } of metric.quantiles) {
      const bound = withBound(labels, 'quantile', dialect.bound(quantile))
      text += `${family.name}${bound} ${formatValue(value)}${timestamp}\n`
    }
  }
  const sum = `${family.name}_sum${labels}${formatValue(metric.sum)}${timestamp}\n`
  return `${text}${sum}${family.name}_count${labels}${formatValue(metric.count)}${timestamp}\n`
}

/** An exemplar's label block, `{trace_id="abc"}` (or `{}`), in the order its labels were given. */
export function exemplarLabels(exemplar: Exemplar): string {
  const pairs = Object.entries(exemplar.labels).map(([name, value]) => `${name}="${escapeLabelValue(value)}"`)
  return `{${pairs.join(',')}}`
}
