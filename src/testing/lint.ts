import type { TextFamily } from '../exposition/parse-text.js'

/** One finding of the linter: the metric family it is about and what is wrong, in promlint's words. */
export interface LintProblem {
  readonly metric: string
  readonly text: string
}

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
  const texts: string[] = []
  if (family.help === undefined) texts.push('no help text')
  const unit = unitOf(name)
  if (unit !== undefined && unit.unit !== unit.base)
    texts.push(`use base unit "${unit.base}" instead of "${unit.unit}"`)
  if (type === 'counter' && !name.endsWith('_total')) texts.push('counter metrics should have "_total" suffix')
  const labelNames = new Set(family.metrics.flatMap((metric) => metric.labels.map(([label]) => label)))
  if (type !== 'histogram' && labelNames.has('le')) texts.push('non-histogram metrics should not have "le" label')
  if (type !== 'summary' && labelNames.has('quantile'))
    texts.push('non-summary metrics should not have "quantile" label')
  if (type !== 'histogram' && name.endsWith('_bucket'))
    texts.push('non-histogram metrics should not have "_bucket" suffix')
  for (const suffix of ['_count', '_sum']) {
    if (type !== 'histogram' && type !== 'summary' && name.endsWith(suffix))
      texts.push(`non-histogram and non-summary metrics should not have "${suffix}" suffix`)
  }
  if (type !== 'untyped' && hasWord(name.toLowerCase(), type))
    texts.push(`metric name should not include type '${type}'`)
  if (name.includes(':')) texts.push("metric names should not contain ':'")
  if (camelCase.test(name)) texts.push("metric names should be written in 'snake_case' not 'camelCase'")
  if ([...labelNames].some((label) => camelCase.test(label)))
    texts.push("label names should be written in 'snake_case' not 'camelCase'")
  if (abbreviations.some((word) => hasWord(name.toLowerCase(), word)))
    texts.push('metric names should not contain abbreviated units')
  return texts.map((text) => ({ metric: name, text }))
}

/** The findings on some families, sorted by metric and then text, as promlint sorts them. */
export function lintFamilies(families: readonly TextFamily[]): LintProblem[] {
  return families
    .flatMap(lintFamily)
    .map((problem) => ({ problem, key: `${problem.metric}\u0000${problem.text}` }))
    .sort((a, b) => (a.key < b.key ? -1 : 1))
    .map(({ problem }) => problem)
}
