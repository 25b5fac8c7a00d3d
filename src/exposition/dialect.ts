import type { HistogramMetric, Metric, ScalarMetric, SummaryMetric } from '../const-metric.js'
import type { Desc } from '../desc.js'
import type { Exemplar } from '../exemplar.js'
import { type MetricFamily, labelValueAt } from '../families.js'
import { escapeLabelValue } from './escape.js'
import { formatValue } from './numbers.js'

/** What differs between the Prometheus text format and OpenMetrics; the sample lines are written once, in {@link appendScalarLine} and {@link writeAggregate}. */
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

/** `{a="x",b="y"` for a metric's labels (no closing brace), or `''` when it has none. */
function openLabels(metric: Metric): string {
  const names = metric.desc.labelNames
  let text = ''
  for (let i = 0; i < names.length; i++) {
    text += `${i === 0 ? '{' : ','}${names[i]}="${escapeLabelValue(labelValueAt(metric, i))}"`
  }
  return text
}

function withBound(open: string, name: string, value: string): string {
  return `${open === '' ? '{' : `${open},`}${name}="${value}"}`
}

/** `{a="`, `",b="`, … before each label value of a descriptor's series: built once per descriptor. */
const labelOpeners = new WeakMap<Desc, readonly string[]>()

function openersOf(desc: Desc): readonly string[] {
  let openers = labelOpeners.get(desc)
  if (openers === undefined) {
    openers = desc.labelNames.map((name, i) => `${i === 0 ? '{' : '",'}${name}="`)
    labelOpeners.set(desc, openers)
  }
  return openers
}

/**
 * Appends the sample line of a counter, gauge or untyped metric to `out` as
 * pieces (shared name and label strings, the label values as they are), so
 * that writing a series allocates almost nothing but its value's text; the
 * pieces are joined once per chunk. Returns the characters appended.
 */
export function appendScalarLine(dialect: Dialect, name: string, metric: ScalarMetric, out: string[]): number {
  const openers = openersOf(metric.desc)
  out.push(name)
  let size = name.length
  for (let i = 0; i < openers.length; i++) {
    const opener = openers[i] as string
    const value = escapeLabelValue(labelValueAt(metric, i))
    out.push(opener, value)
    size += opener.length + value.length
  }
  const value = formatValue(metric.value)
  const tail = `${dialect.timestamp(metric.timestampMs)}${dialect.exemplar(metric.exemplar)}\n`
  out.push(openers.length === 0 ? ' ' : '"} ', value, tail)
  return size + (openers.length === 0 ? 1 : 3) + value.length + tail.length
}

/** The sample lines of a histogram or summary (buckets or quantiles, then sum and count), each ending in a line feed. */
export function writeAggregate(dialect: Dialect, family: MetricFamily, metric: HistogramMetric | SummaryMetric): string {
  const timestamp = dialect.timestamp(metric.timestampMs)
  const open = openLabels(metric)
  const labels = open === '' ? '' : `${open}}`
  let text = ''
  if (metric.type === 'histogram') {
    for (const bucket of metric.buckets) {
      const bound = withBound(open, 'le', dialect.bound(bucket.upperBound))
      text += `${family.name}_bucket${bound} ${formatValue(bucket.cumulativeCount)}${timestamp}${dialect.exemplar(bucket.exemplar)}\n`
    }
  } else {
    for (const { quantile, value } of metric.quantiles) {
      text += `${family.name}${withBound(open, 'quantile', dialect.bound(quantile))} ${formatValue(value)}${timestamp}\n`
    }
  }
  return `${text}${family.name}_sum${labels} ${formatValue(metric.sum)}${timestamp}\n${family.name}_count${labels} ${formatValue(metric.count)}${timestamp}\n`
}

/** An exemplar's label block, `{trace_id="abc"}` (or `{}`), in the order its labels were given. */
export function exemplarLabels(exemplar: Exemplar): string {
  const pairs = Object.entries(exemplar.labels).map(([name, value]) => `${name}="${escapeLabelValue(value)}"`)
  return `{${pairs.join(',')}}`
}
