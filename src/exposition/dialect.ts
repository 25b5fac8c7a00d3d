import type { HistogramMetric, ScalarMetric, SummaryMetric } from '../const-metric.js'
import type { Exemplar } from '../exemplar.js'
import { isLegacyLabelName, isLegacyMetricName } from '../names.js'
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

/** Bound labels (`le="0.5"} `) remembered per dialect: a scrape's histograms share a few bounds. */
const boundPieceCaches = new WeakMap<Dialect, { le: Map<number, string>; quantile: Map<number, string> }>()
/** At most this many per dialect and label, however many different bounds a scrape has. */
const maxBoundPieces = 4096

function boundPieces(dialect: Dialect, label: 'le' | 'quantile'): Map<number, string> {
  let caches = boundPieceCaches.get(dialect)
  if (caches === undefined) {
    caches = { le: new Map(), quantile: new Map() }
    boundPieceCaches.set(dialect, caches)
  }
  return caches[label]
}

/**
 * Appends the sample lines of a histogram or summary (buckets or quantiles,
 * then sum, count and `_created`) to `out` as pieces, the way {@link
 * appendValueLine} does: the name, the series' labels and each bound are
 * strings that already exist, so a line allocates only its value. `labels` is
 * the series' label block; `legacyName` whether the family's name is of the
 * classic character set (else it is quoted inside the braces). Returns the
 * characters appended.
 */
export function appendAggregate(
  dialect: Dialect,
  name: string,
  legacyName: boolean,
  metric: HistogramMetric | SummaryMetric,
  labels: string,
  out: string[],
): number {
  const timestamp = dialect.timestamp(metric.timestampMs)
  // Each bucket or quantile line is the series' start (`<name>{<labels>,`, made once), the bound's label (made once per
  // bound and dialect), the value, and what follows it.
  const histogram = metric.type === 'histogram'
  const boundName = histogram ? `${name}_bucket` : name
  const named = legacyName ? [boundName, '{'] : ['{"', escapeLabelValue(boundName), '",']
  // Joined, not concatenated: one flat string, which the chunk's join copies at once instead of walking a tree of
  // pieces for every line that repeats it.
  const start = (labels === ' ' ? named : [...named, labels.slice(1, -2), ',']).join('')
  const pieces = boundPieces(dialect, histogram ? 'le' : 'quantile')
  let size = 0
  const line = (bound: number, value: number, exemplar: Exemplar | undefined) => {
    let piece = pieces.get(bound)
    if (piece === undefined) {
      piece = [histogram ? 'le="' : 'quantile="', dialect.bound(bound), '"} '].join('')
      if (pieces.size < maxBoundPieces) pieces.set(bound, piece)
    }
    const text = formatValue(value)
    const end = timestamp === '' && exemplar === undefined ? '\n' : `${timestamp}${dialect.exemplar(exemplar)}\n`
    out.push(start, piece, text, end)
    size += start.length + piece.length + text.length + end.length
  }
  if (metric.type === 'histogram') {
    const { bounds, cumulativeCounts, exemplars } = metric
    for (let i = 0; i < bounds.length; i++) {
      line(bounds[i] as number, cumulativeCounts[i] as number, exemplars === undefined ? undefined : exemplars[i])
    }
  } else {
    for (const quantile of metric.quantiles) line(quantile.quantile, quantile.value, undefined)
  }
  const sumName = `${name}_sum`
  const countName = `${name}_count`
  size += appendValueLine(
    legacyName ? sumName : '',
    legacyName ? labels : quotedSample(sumName, labels),
    metric.sum,
    out,
    timestamp,
  )
  size += appendValueLine(
    legacyName ? countName : '',
    legacyName ? labels : quotedSample(countName, labels),
    metric.count,
    out,
    timestamp,
  )
  const created = dialect.created(name, labels, metric.createdTimestampMs)
  if (created !== '') {
    out.push(created)
    size += created.length
  }
  return size
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
