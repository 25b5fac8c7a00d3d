import type { Collector } from '../collector.js'
import { encode } from '../exposition/encode.js'
import { type TextFamily, parseText } from '../exposition/parse-text.js'
import type { Gatherer } from '../gather.js'
import { Registry } from '../registry.js'
import { type LintProblem, lintFamilies } from './lint.js'

/** What the testing functions read metrics from: one collector, or a registry (any gatherer). */
export type Collectable = Collector | Gatherer

/**
 * The families a collector or gatherer gives (those named, or all), as the text format carries them: gathered, encoded
 * and read back. A collector is registered in a registry of its own, so its descriptors are checked as in an
 * exporter; a registration or gather error is thrown.
 */
async function collectFamilies(source: Collectable, names: readonly string[]): Promise<TextFamily[]> {
  let gatherer: Gatherer
  if ('gather' in source) gatherer = source
  else {
    const registry = new Registry()
    registry.register(source)
    gatherer = registry
  }
  const { families, errors } = await gatherer.gather()
  if (errors.length > 0) throw errors[0]
  const parsed = parseText(encode(families, 'text'))
  return names.length === 0 ? parsed : parsed.filter(({ name }) => names.includes(name))
}

/** A number as the text format writes it, so that `1e3` and `1000` compare equal. */
const numberText = (value: number) =>
  Number.isNaN(value)
    ? 'NaN'
    : value === Number.POSITIVE_INFINITY
      ? '+Inf'
      : value === -Infinity
        ? '-Inf'
        : String(value)

/** A family's lines in one order whatever the order they were written in: HELP, TYPE, then its sorted samples. */
function canonicalLines(family: TextFamily): string[] {
  const { name } = family
  const samples = family.metrics.flatMap((metric) => {
    const pairs = [...metric.labels].sort(([a], [b]) => (a < b ? -1 : 1))
    const labels = (extra: [string, string][] = []) => {
      const all = [...pairs, ...extra].map(([label, value]) => `${label}=${JSON.stringify(value)}`)
      return all.length === 0 ? '' : `{${all.join(',')}}`
    }
    if (metric.value !== undefined) return [`${name}${labels()} ${numberText(metric.value)}`]
    const parts = [
      ...(metric.buckets ?? []).map(
        ([bound, count]) => `${name}_bucket${labels([['le', numberText(bound)]])} ${count}`,
      ),
      ...(metric.quantiles ?? []).map(
        ([q, value]) => `${name}${labels([['quantile', numberText(q)]])} ${numberText(value)}`,
      ),
    ]
    // An exposition may leave a histogram's or summary's _sum or _count out.
    if (metric.sum !== undefined) parts.push(`${name}_sum${labels()} ${numberText(metric.sum)}`)
    if (metric.count !== undefined) parts.push(`${name}_count${labels()} ${metric.count}`)
    return parts
  })
  return [`# HELP ${name} ${family.help ?? ''}`, `# TYPE ${name} ${family.type}`, ...samples.sort()]
}

/**
 * Checks that a collector or gatherer gives exactly the metrics of `expected` (text format), as Prometheus would read
 * them: the order of families, series and label pairs does not matter, numbers compare as numbers (`1e3` is `1000`).
 * With metric names, only those families are compared (on both sides). Throws an error listing the lines that differ
 * (`-` expected only, `+` collected only); as client_golang's `testutil.CollectAndCompare`, for any test runner.
 */
export async function collectAndCompare(
  source: Collectable,
  expected: string,
  ...metricNames: string[]
): Promise<void> {
  const canonical = (families: TextFamily[]) =>
    families.sort((a, b) => (a.name < b.name ? -1 : 1)).flatMap((family) => canonicalLines(family))
  const got = canonical(await collectFamilies(source, metricNames))
  const wanted = canonical(
    parseText(expected).filter(({ name }) => metricNames.length === 0 || metricNames.includes(name)),
  )
  const gotSet = new Set(got)
  const wantedSet = new Set(wanted)
  const missing = wanted.filter((line) => !gotSet.has(line))
  const extra = got.filter((line) => !wantedSet.has(line))
  if (missing.length === 0 && extra.length === 0) return
  throw new Error(
    `collectAndCompare: the metrics differ (- expected, + collected):\n${[
      ...missing.map((line) => `- ${line}`),
      ...extra.map((line) => `+ ${line}`),
    ].join('\n')}`,
  )
}

/** How many series (a histogram's or summary's counting once) the named families, or all, have: `CollectAndCount`. */
export async function collectAndCount(source: Collectable, ...metricNames: string[]): Promise<number> {
  return (await collectFamilies(source, metricNames)).reduce((sum, { metrics }) => sum + metrics.length, 0)
}

/**
 * The value of the one counter, gauge or untyped series a collector or gatherer gives (client_golang's `ToFloat64`);
 * throws when it gives none, several, or a histogram or summary.
 */
export async function toFloat64(source: Collectable): Promise<number> {
  const metrics = (await collectFamilies(source, [])).flatMap((family) => family.metrics)
  const [only] = metrics
  if (metrics.length !== 1 || only === undefined)
    throw new Error(`toFloat64: collected ${metrics.length} series, want exactly one`)
  if (only.value === undefined)
    throw new Error('toFloat64: the series is a histogram or summary; toFloat64 reads counters, gauges and untyped')
  return only.value
}

/** promlint's findings on what a collector gives (the named families, or all): client_golang's `CollectAndLint`. */
export async function collectAndLint(collector: Collector, ...metricNames: string[]): Promise<LintProblem[]> {
  return lintFamilies(await collectFamilies(collector, metricNames))
}

/** promlint's findings on what a registry gathers (the named families, or all): client_golang's `GatherAndLint`. */
export async function gatherAndLint(gatherer: Gatherer, ...metricNames: string[]): Promise<LintProblem[]> {
  return lintFamilies(await collectFamilies(gatherer, metricNames))
}
