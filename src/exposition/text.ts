import type { MetricFamily } from '../families.js'
import { type Dialect, metricNameToken, noCreatedLine } from './dialect.js'
import { escapeTextHelp } from './escape.js'
import { formatGoFloat, memoizeBounds } from './numbers.js'

/**
 * The Prometheus text format 0.0.4: `# HELP` then `# TYPE`, names as given,
 * timestamps in integer milliseconds, no units and no exemplars.
 */
export const textDialect: Dialect = {
  header(family: MetricFamily): string {
    const name = metricNameToken(family.name)
    return `# HELP ${name} ${escapeTextHelp(family.help)}\n# TYPE ${name} ${family.type}\n`
  },
  valueName: (family: MetricFamily) => family.name,
  bound: memoizeBounds(formatGoFloat),
  timestamp: (timestampMs: number | undefined) => (timestampMs === undefined ? '' : ` ${Math.round(timestampMs)}`),
  exemplar: () => '',
  created: noCreatedLine,
  trailer: '',
}
