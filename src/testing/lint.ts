import type { TextFamily } from '../exposition/parse-text.js'

/** One finding of the linter: the family it is about, the rule it breaks, and what is wrong in promlint's words. */
export interface LintProblem {
  readonly metric: string
  readonly rule: LintRule
  readonly text: string
}

/** promlint's rules, by a short name. */
export type LintRule =
  | 'help'
  | 'base-unit'
  | 'counter-suffix'
  | 'histogram-label'
  | 'summary-label'
  | 'histogram-suffix'
  | 'aggregate-suffix'
  | 'type-in-name'
  | 'reserved-character'
  | 'camel-case-name'
  | 'camel-case-label'
  | 'abbreviated-unit'

/** Base units by unit word, and the base unit a non-base one should be (promlint's table). */
const units: Readonly<Record<string, string>> = {
  amperes: 'amperes',
  bytes: 'bytes',
  celsius: 'celsius',
  grams: 'grams',
  joules: 'joules',
  kelvin: 'kelvin',
  meters: 'meters',
  metres: 'metres',
  seconds: 'seconds',
  volts: 'volts',
  minutes: 'seconds',
  hours: 'seconds',
  days: 'seconds',
  weeks: 'seconds',
  kelvins: 'kelvin',
  fahrenheit: 'celsius',
  rankine: 'celsius',
  inches: 'meters',
  yards: 'meters',
  miles: 'meters',
  bits: 'bytes',
  calories: 'joules',
  pounds: 'grams',
  ounces: 'grams',
}

const unitPrefixes = [
  'pico',
  'nano',
  'micro',
  'milli',
  'centi',
  'deci',
  'deca',
  'hecto',
  'kilo',
  'kibi',
  'mega',
  'mibi',
  'giga',
  'gibi',
  'tera',
  'tebi',
  'peta',
  'pebi',
]

/** The unit words of a name promlint refuses as abbreviations. */
const abbreviations = ['s', 'ms', 'us', 'ns', 'sec', 'b', 'kb', 'mb', 'gb', 'tb', 'pb', 'm', 'h', 'd']

/** The first unit word of a name (`milliseconds`, `bits`), with the base unit it should be, if it has one. */
function unitOf(name: string): { unit: string; base: string } | undefined {
  for (const word of name.split('_')) {
    const base = units[word]
    if (base !== undefined) return { unit: word, base }
    for (const prefix of unitPrefixes) {
      const prefixed = word.startsWith(prefix) ? units[word.slice(prefix.length)] : undefined
      if (prefixed !== undefined) return { unit: word, base: prefixed }
    }
  }
  return undefined
}

const camelCase = /[a-z][A-Z]/

/** A name that contains `_<word>_` or ends with `_<word>`. */
const hasWord = (name: string, word: string) => name.includes(`_${word}_`) || name.endsWith(`_${word}`)

/**
 * The findings of Prometheus's metric linter (client_golang's promlint, which `promtool check metrics` runs) on one
 * family: help present; counters end in `_total`; base units (`seconds`, not `milliseconds`), unabbreviated; no type,
 * `:` or camelCase in the name; no camelCase label names; the `_bucket`, `_count`, `_sum` suffixes and the `le` and
 * `quantile` labels only where histograms and summaries use them.
 */
export function lintFamily(family: TextFamily): LintProblem[] {
  const { name, type } = family
  const found: [LintRule, string][] = []
  if (family.help === undefined) found.push(['help', 'no help text'])
  const unit = unitOf(name)
  if (unit !== undefined && unit.unit !== unit.base)
    found.push(['base-unit', `use base unit "${unit.base}" instead of "${unit.unit}"`])
  if (type === 'counter' && !name.endsWith('_total'))
    found.push(['counter-suffix', 'counter metrics should have "_total" suffix'])
  const labelNames = new Set(family.metrics.flatMap((metric) => metric.labels.map(([label]) => label)))
  if (type !== 'histogram' && labelNames.has('le'))
    found.push(['histogram-label', 'non-histogram metrics should not have "le" label'])
  if (type !== 'summary' && labelNames.has('quantile'))
    found.push(['summary-label', 'non-summary metrics should not have "quantile" label'])
  if (type !== 'histogram' && name.endsWith('_bucket'))
    found.push(['histogram-suffix', 'non-histogram metrics should not have "_bucket" suffix'])
  for (const suffix of ['_count', '_sum']) {
    if (type !== 'histogram' && type !== 'summary' && name.endsWith(suffix))
      found.push(['aggregate-suffix', `non-histogram and non-summary metrics should not have "${suffix}" suffix`])
  }
  if (type !== 'untyped' && hasWord(name.toLowerCase(), type))
    found.push(['type-in-name', `metric name should not include type '${type}'`])
  if (name.includes(':')) found.push(['reserved-character', "metric names should not contain ':'"])
  if (camelCase.test(name))
    found.push(['camel-case-name', "metric names should be written in 'snake_case' not 'camelCase'"])
  if ([...labelNames].some((label) => camelCase.test(label)))
    found.push(['camel-case-label', "label names should be written in 'snake_case' not 'camelCase'"])
  if (abbreviations.some((word) => hasWord(name.toLowerCase(), word)))
    found.push(['abbreviated-unit', 'metric names should not contain abbreviated units'])
  return found.map(([rule, text]) => ({ metric: name, rule, text }))
}

/** The findings on some families, sorted by metric and then text, as promlint sorts them. */
export function lintFamilies(families: readonly TextFamily[]): LintProblem[] {
  return families
    .flatMap(lintFamily)
    .map((problem) => ({ problem, key: `${problem.metric}\u0000${problem.text}` }))
    .sort((a, b) => (a.key < b.key ? -1 : 1))
    .map(({ problem }) => problem)
}
