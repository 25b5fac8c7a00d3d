import type { HistogramMetric, ScalarMetric, SummaryMetric } from '../const-metric.js'
import type { Exemplar } from '../exemplar.js'
import type { MetricFamily } from '../families.js'
import { isLegacyLabelName, isLegacyMetricName } from '../names.js'
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
  /**
   * The `_created` line of a series that started counting at `createdTimestampMs` (`name` is the family's base name,
   * `labels` its label block), or `''` where the format, or the encoder's options, have none.
   */
  created(name: string, labels: string, createdTimestampMs: number | undefined): string
  /** What ends the exposition. */
  readonly trailer: string
}

/** A metric name as the text formats write it in HELP, TYPE and UNIT lines: as it is, or quoted when not classic. */
export function metricNameToken(name: string): string {
  return isLegacyMetricName(name) ? name : `"${escapeLabelValue(name)}"`
}

/** A label name as the text formats write it: as it is, or quoted when not of the classic character set. */
export function labelNameToken(name: string): string {
  return isLegacyLabelName(name) ? name : `"${escapeLabelValue(name)}"`
}

/**
 * The start of a sample line whose metric name is not classic: the name goes, quoted, inside the braces (text 1.0.0
 * and OpenMetrics with UTF-8 names), `{"name",a="x"} ` for the label block `{a="x"} `.
 */
export function quotedSample(name: string, labels: string): string {
  const quoted = `{"${escapeLabelValue(name)}"`
  return labels.startsWith('{') ? `${quoted},${labels.slice(1)}` : `${quoted}}${labels}`
}

/** The start of a sample line: name and label block, or {@link quotedSample} for a name that is not classic. */
function sampleStart(name: string, labels: string): string {
  return isLegacyMetricName(name) ? `${name}${labels}` : quotedSample(name, labels)
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
  const name = family.name
  let text = ''
  if (metric.type === 'histogram') {
    for (const bucket of metric.buckets) {
      const bound = withBound(labels, 'le', dialect.bound(bucket.upperBound))
      const exemplar = dialect.exemplar(bucket.exemplar)
      text += `${sampleStart(`${name}_bucket`, bound)} ${formatValue(bucket.cumulativeCount)}${timestamp}${exemplar}\n`
    }
  } else {
    for (const { quantile, value } of metric.quantiles) {
      const bound = withBound(labels, 'quantile', dialect.bound(quantile))
      text += `${sampleStart(name, bound)} ${formatValue(value)}${timestamp}\n`
    }
  }
  const sum = `${sampleStart(`${name}_sum`, labels)}${formatValue(metric.sum)}${timestamp}\n`
  const count = `${sampleStart(`${name}_count`, labels)}${formatValue(metric.count)}${timestamp}\n`
  return `${text}${sum}${count}${dialect.created(name, labels, metric.createdTimestampMs)}`
}

/** No `_created` lines: the Prometheus text format, and OpenMetrics unless asked for them. */
export function noCreatedLine(): string {
  return ''
}

/** An exemplar's label block, `{trace_id="abc"}` (or `{}`), in the order its labels were given. */
export function exemplarLabels(exemplar: Exemplar): string {
  const pairs = Object.entries(exemplar.labels).map(
    ([name, value]) => `${labelNameToken(name)}="${escapeLabelValue(value)}"`,
  )
  return `{${pairs.join(',')}}`
}
