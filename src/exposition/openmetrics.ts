import type { Exemplar } from '../exemplar.js'
import type { MetricFamily } from '../families.js'
import { type Dialect, exemplarLabels, metricNameToken, noCreatedLine, quotedSample } from './dialect.js'
import { isLegacyMetricName } from '../names.js'
import { escapeOpenMetricsHelp } from './escape.js'
import { formatCanonical, formatValue, memoizeBounds } from './numbers.js'

/** The OpenMetrics family name: a counter's name without its `_total`. */
export function openMetricsName(family: MetricFamily): string {
  return family.type === 'counter' && family.name.endsWith('_total')
    ? family.name.slice(0, -'_total'.length)
    : family.name
}

function seconds(timestampMs: number): string {
  return formatValue(timestampMs / 1000)
}

/**
 * OpenMetrics 1.0.0 text: `# TYPE`, `# UNIT`, `# HELP` (quotes escaped), counters
 * as `<name>_total`, untyped as `unknown`, canonical `le`/`quantile` values,
 * timestamps in seconds, exemplars, and a closing `# EOF`.
 */
export const openMetricsDialect: Dialect = {
  header(family: MetricFamily): string {
    const name = metricNameToken(openMetricsName(family))
    const type = family.type === 'untyped' ? 'unknown' : family.type
    const unit = family.unit === '' ? '' : `# UNIT ${name} ${family.unit}\n`
    return `# TYPE ${name} ${type}\n${unit}# HELP ${name} ${escapeOpenMetricsHelp(family.help)}\n`
  },
  valueName: (family: MetricFamily) => (family.type === 'counter' ? `${openMetricsName(family)}_total` : family.name),
  bound: memoizeBounds(formatCanonical),
  timestamp: (timestampMs: number | undefined) => (timestampMs === undefined ? '' : ` ${seconds(timestampMs)}`),
  exemplar(exemplar: Exemplar | undefined): string {
    if (exemplar === undefined) return ''
    const timestamp = exemplar.timestampMs === undefined ? '' : ` ${seconds(exemplar.timestampMs)}`
    return ` # ${exemplarLabels(exemplar)} ${formatValue(exemplar.value)}${timestamp}`
  },
  created: noCreatedLine,
  trailer: '# EOF\n',
}

/**
 * OpenMetrics with a `_created` line (in seconds) after each counter, histogram and summary that has a created
 * timestamp: client_golang's `EnableOpenMetricsTextCreatedSamples`.
 */
export const openMetricsCreatedDialect: Dialect = {
  ...openMetricsDialect,
  created: (name: string, labels: string, createdTimestampMs: number | undefined) =>
    createdTimestampMs === undefined
      ? ''
      : `${isLegacyMetricName(name) ? `${name}_created${labels}` : quotedSample(`${name}_created`, labels)}` +
        `${seconds(createdTimestampMs)}\n`,
}
