import type { MetricFamily } from '../families.js'
import type { Dialect } from './dialect.js'
import { escapeTextHelp } from './escape.js'
import { formatGoFloat, memoizeBounds } from './numbers.js'

/**
 * The Prometheus text format 0.0.4: `# HELP` then `# TYPE`, names as given,
 * timestamps in integer milliseconds, no units and no exemplars.
 */
export const textDialect: Dialect = {
  header: (family: MetricFamily) =>
    `# HELP ${family.name} ${escapeTextHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`,
  valueName: (family: MetricFamily) => family.name,
  bound: memoizeBounds(formatGoFloat),
  timestamp: (timestampMs: number | undefined) => (timestampMs === undefined ? '' : ` ${Math.round(timestampMs)}`),
  exemplar: () => '',
  trailer: '',
}
