import type { HistogramMetric, Quantile, ScalarMetric, SummaryMetric } from '../const-metric.js'
import type { Series } from '../series-cache.js'
import type { Exemplar } from '../exemplar.js'
import { isLegacyLabelName, isLegacyMetricName } from '../names.js'
import type { MetricFamily } from '../families.js'
import type { ByteWriter } from './byte-writer.js'
import { escapeLabelValue } from './escape.js'
import { formatValue } from './numbers.js'

/**
 * What differs between the Prometheus text format and OpenMetrics; the sample lines are written once, in {@link
 * writeScalarLine} and {@link writeAggregate}.
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

const lineFeed = 0x0a

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

/** A sample value as {@link formatValue} writes it; a safe integer, the common case, digit by digit. */
export function writeSampleValue(out: ByteWriter, value: number): void {
  if (Number.isSafeInteger(value)) out.integer(value)
  else out.text(formatValue(value))
}

/**
 * Writes the sample line of a counter, gauge or untyped value: the name (as bytes when written often), the series'
 * label block (encoded once and cached across scrapes, see series-cache), the value and whatever follows it
 * (`suffix`: a timestamp and exemplar, or nothing), and the line feed.
 */
export function writeValueLine(
  out: ByteWriter,
  name: string | Uint8Array,
  labels: string,
  value: number,
  suffix = '',
): void {
  if (typeof name === 'string') out.text(name)
  else out.raw(name)
  out.text(labels)
  writeSampleValue(out, value)
  if (suffix !== '') out.text(suffix)
  out.byte(lineFeed)
}

/** Like {@link writeValueLine}, for a metric that may carry a timestamp or an exemplar. */
export function writeScalarLine(
  out: ByteWriter,
  dialect: Dialect,
  name: string,
  metric: ScalarMetric,
  labels: string,
): void {
  writeValueLine(
    out,
    name,
    labels,
    metric.value,
    `${dialect.timestamp(metric.timestampMs)}${dialect.exemplar(metric.exemplar)}`,
  )
}

/** The bounds (`le` or `quantile` values) of a histogram or summary, in order. */
function boundsOf(metric: HistogramMetric | SummaryMetric): readonly number[] {
  return metric.type === 'histogram' ? metric.bounds : metric.quantiles.map((quantile) => quantile.quantile)
}

function sameBounds(known: readonly number[], metric: HistogramMetric | SummaryMetric): boolean {
  if (metric.type === 'histogram') {
    if (known === metric.bounds) return true
    return known.length === metric.bounds.length && known.every((bound, i) => Object.is(bound, metric.bounds[i]))
  }
  const { quantiles } = metric
  return known.length === quantiles.length && known.every((bound, i) => Object.is(bound, quantiles[i]?.quantile))
}

/**
 * The start of each sample line of a histogram or summary series, up to its value: one per bucket or quantile
 * (`name_bucket{a="x",le="0.5"} `), then the sum's and the count's. Joined, not concatenated: flat strings, which
 * every scrape writes out at once instead of walking a tree of pieces.
 */
function lineStarts(
  dialect: Dialect,
  name: string,
  legacyName: boolean,
  metric: HistogramMetric | SummaryMetric,
  labels: string,
): readonly Buffer[] {
  const histogram = metric.type === 'histogram'
  const boundName = histogram ? `${name}_bucket` : name
  const named = legacyName ? [boundName, '{'] : ['{"', escapeLabelValue(boundName), '",']
  const start = labels === ' ' ? named : [...named, labels.slice(1, -2), ',']
  const starts = boundsOf(metric).map((bound) =>
    [...start, histogram ? 'le="' : 'quantile="', dialect.bound(bound), '"} '].join(''),
  )
  for (const suffix of ['_sum', '_count']) {
    starts.push(legacyName ? [name, suffix, labels].join('') : quotedSample(`${name}${suffix}`, labels))
  }
  return starts.map((start) => Buffer.from(start))
}

/**
 * Writes the sample lines of a histogram or summary (buckets or quantiles, then sum, count and `_created`), each as
 * its start, made on the series' first scrape in this format and kept in the series cache (`series`) while its
 * bounds stay the same, and its value with what follows. `labels` is the series' label block; `legacyName` whether
 * the family's name is of the classic character set (else it is quoted inside the braces).
 */
export function writeAggregate(
  out: ByteWriter,
  dialect: Dialect,
  name: string,
  legacyName: boolean,
  metric: HistogramMetric | SummaryMetric,
  labels: string,
  series?: Series,
): void {
  let starts = series?.aggregate?.dialect === dialect ? series.aggregate.starts : undefined
  if (starts === undefined || !sameBounds(series?.aggregate?.bounds as readonly number[], metric)) {
    starts = lineStarts(dialect, name, legacyName, metric, labels)
    if (series !== undefined) series.aggregate = { dialect, bounds: boundsOf(metric), starts }
  }
  const timestamp = dialect.timestamp(metric.timestampMs)
  const line = (start: Buffer, value: number, exemplar: Exemplar | undefined) => {
    out.raw(start)
    writeSampleValue(out, value)
    if (timestamp !== '') out.text(timestamp)
    if (exemplar !== undefined) out.text(dialect.exemplar(exemplar))
    out.byte(lineFeed)
  }
  const bounds = starts.length - 2
  if (metric.type === 'histogram') {
    const { cumulativeCounts, exemplars } = metric
    for (let i = 0; i < bounds; i++) {
      line(starts[i] as Buffer, cumulativeCounts[i] as number, exemplars === undefined ? undefined : exemplars[i])
    }
  } else {
    for (let i = 0; i < bounds; i++) line(starts[i] as Buffer, (metric.quantiles[i] as Quantile).value, undefined)
  }
  line(starts[bounds] as Buffer, metric.sum, undefined)
  line(starts[bounds + 1] as Buffer, metric.count, undefined)
  const created = dialect.created(name, labels, metric.createdTimestampMs)
  if (created !== '') out.text(created)
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
