import type { Metric } from '../const-metric.js'
import type { Exemplar } from '../exemplar.js'
import { type MetricFamily, labelValueAt } from '../families.js'
import { escapeLabelValue } from './escape.js'
import { formatValue } from './numbers.js'

/** What differs between the Prometheus text format and OpenMetrics; the sample lines are written once, in {@link writeMetric}. */
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

/** The sample lines of one metric, each ending in a line feed. */
export function writeMetric(dialect: Dialect, family: MetricFamily, metric: Metric): string {
  const timestamp = dialect.timestamp(metric.timestampMs)
  const open = openLabels(metric)
  const labels = open === '' ? '' : `${open}}`
  if (metric.type !== 'histogram' && metric.type !== 'summary') {
    return `${dialect.valueName(family)}${labels} ${formatValue(metric.value)}${timestamp}${dialect.exemplar(metric.exemplar)}\n`
  }
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
