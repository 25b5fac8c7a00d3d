import type { MetricType } from '../const-metric.js'

/** One label pair, in the order the line wrote it. */
export type LabelPair = readonly [name: string, value: string]

/**
 * One metric of a parsed family: its labels (without `le` and `quantile`) and its value, or, for a histogram or
 * summary, its buckets or quantiles, count and sum.
 */
export interface TextMetric {
  readonly labels: readonly LabelPair[]
  /** Counters, gauges and untyped metrics. */
  readonly value?: number
  /** Histograms: `[upper bound, cumulative count]` in the order written, `+Inf` included when written. */
  readonly buckets?: readonly (readonly [number, number])[]
  /** Summaries: `[quantile, value]` in the order written. */
  readonly quantiles?: readonly (readonly [number, number])[]
  readonly count?: number
  readonly sum?: number
  /** A client-side timestamp in milliseconds, when any of its lines carried one. */
  readonly timestampMs?: number
}

/** One metric family of a text exposition. */
export interface TextFamily {
  readonly name: string
  /** The HELP text, unescaped; undefined without a HELP line (or with an empty one). */
  readonly help: string | undefined
  /** From its TYPE line; `untyped` without one. */
  readonly type: MetricType
  readonly metrics: readonly TextMetric[]
}

/** Why a text exposition could not be read: the line and what is wrong with it. */
export class TextParseError extends Error {
  constructor(
    readonly line: number,
    problem: string,
  ) {
    super(`line ${line}: ${problem}`)
    this.name = 'TextParseError'
  }
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*/
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*/
const decimal = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/
const types = new Set<string>(['counter', 'gauge', 'histogram', 'summary', 'untyped'])

/** A sample value as Go's ParseFloat reads the text format's: decimals, `NaN`, `Inf` and `Infinity` with a sign. */
function parseValue(text: string): number | undefined {
  if (decimal.test(text)) return Number(text)
  const word = text.toLowerCase()
  if (word === 'nan') return Number.NaN
  const sign = word.startsWith('-') ? -1 : 1
  const unsigned = word.replace(/^[+-]/, '')
  return unsigned === 'inf' || unsigned === 'infinity' ? sign * Number.POSITIVE_INFINITY : undefined
}

/** A family being built: its declared HELP and TYPE, and its metrics by label set. */
interface Building {
  help: string | undefined
  helpSeen: boolean
  type: MetricType | undefined
  sampled: boolean
  readonly metrics: Map<string, MutableMetric>
}

interface MutableMetric {
  labels: LabelPair[]
  value?: number
  buckets?: [number, number][]
  quantiles?: [number, number][]
  count?: number
  sum?: number
  timestampMs?: number
}

/** The parts of one sample line. */
interface Sample {
  readonly name: string
  readonly labels: LabelPair[]
  readonly value: number
  readonly timestampMs: number | undefined
}

/** Reads one sample line, or throws what is wrong with it (without the line number, added by the caller). */
function parseSample(line: string): Sample {
  let position = 0
  const blanks = () => {
    while (line[position] === ' ' || line[position] === '\t') position++
  }
  const name = metricName.exec(line)?.[0]
  if (name === undefined) throw new Error(`${JSON.stringify(line.slice(0, 40))} does not start with a metric name`)
  position = name.length
  const labels: LabelPair[] = []
  if (line[position] === '{') {
    position++
    for (;;) {
      blanks()
      if (line[position] === '}') break
      const label = labelName.exec(line.slice(position))?.[0]
      if (label === undefined) throw new Error(`${name}: expected a label name at column ${position + 1}`)
      if (labels.some(([seen]) => seen === label)) throw new Error(`${name}: label ${label} given twice`)
      position += label.length
      blanks()
      if (line[position] !== '=') throw new Error(`${name}: expected "=" after label ${label}`)
      position++
      blanks()
      if (line[position] !== '"') throw new Error(`${name}: the value of label ${label} is not quoted`)
      position++
      let value = ''
      for (;;) {
        const character = line[position++]
        if (character === undefined) throw new Error(`${name}: the value of label ${label} is not closed`)
        if (character === '"') break
        if (character === '\\') {
          const escaped = line[position++]
          if (escaped === 'n') value += '\n'
          else if (escaped === '\\' || escaped === '"') value += escaped
          else throw new Error(`${name}: invalid escape \\${escaped ?? ''} in the value of label ${label}`)
        } else value += character
      }
      labels.push([label, value])
      blanks()
      if (line[position] === ',') position++
      else if (line[position] !== '}') throw new Error(`${name}: expected "," or "}" after label ${label}`)
    }
    position++
  } else if (line[position] !== ' ' && line[position] !== '\t') {
    throw new Error(`${name}: expected labels or a value after the name`)
  }
  const [valueText, timestampText, extra] = line
    .slice(position)
    .trim()
    .split(/[ \t]+/)
  if (valueText === undefined || valueText === '') throw new Error(`${name}: no value`)
  const value = parseValue(valueText)
  if (value === undefined) throw new Error(`${name}: ${JSON.stringify(valueText)} is not a number`)
  if (timestampText !== undefined && !/^-?\d+$/.test(timestampText)) {
    throw new Error(`${name}: ${JSON.stringify(timestampText)} is not a timestamp in milliseconds`)
  }
  if (extra !== undefined) throw new Error(`${name}: ${JSON.stringify(extra)} after the timestamp`)
  return { name, labels, value, timestampMs: timestampText === undefined ? undefined : Number(timestampText) }
}

/** Unescapes HELP text: `\\` and `\n`. */
function unescapeHelp(text: string): string {
  return text.replace(/\\([\\n])/g, (_, escaped: string) => (escaped === 'n' ? '\n' : '\\'))
}

/**
 * Parses the Prometheus text format (0.0.4) as Prometheus' own parser does: HELP and TYPE at most once per family and
 * TYPE before its samples, `_bucket`/`_sum`/`_count` (and `_sum`/`_count`) joined to their histogram (summary), `le`
 * and `quantile` read as numbers, escapes in label values and HELP. For reading what others wrote (textfiles,
 * Pushgateway bodies, expected expositions in tests); throws a TextParseError naming the line.
 */
export function parseText(text: string): TextFamily[] {
  const families = new Map<string, Building>()
  const family = (name: string): Building => {
    let found = families.get(name)
    if (found === undefined) {
      found = { help: undefined, helpSeen: false, type: undefined, sampled: false, metrics: new Map() }
      families.set(name, found)
    }
    return found
  }
  /** The family a sample belongs to, and which part of it the sample is. */
  const owner = (name: string): { base: string; part: 'value' | 'bucket' | 'sum' | 'count' } => {
    for (const part of ['bucket', 'sum', 'count'] as const) {
      if (!name.endsWith(`_${part}`)) continue
      const base = name.slice(0, -part.length - 1)
      const type = families.get(base)?.type
      if (type === 'histogram' || (type === 'summary' && part !== 'bucket')) return { base, part }
    }
    return { base: name, part: 'value' }
  }
  const lines = text.split('\n')
  lines.forEach((raw, index) => {
    const number = index + 1
    const line = raw.replace(/\r$/, '')
    if (line.trim() === '') return
    if (line.startsWith('#')) {
      const [, keyword, name, ...rest] = line.split(/[ \t]+/)
      if (keyword !== 'HELP' && keyword !== 'TYPE') return
      if (name === undefined || !metricName.test(name) || metricName.exec(name)?.[0] !== name) {
        throw new TextParseError(number, `${keyword} line without a valid metric name`)
      }
      const declared = family(name)
      if (keyword === 'HELP') {
        if (declared.helpSeen) throw new TextParseError(number, `second HELP line for ${name}`)
        declared.helpSeen = true
        const help = unescapeHelp(line.replace(/^#[ \t]+HELP[ \t]+\S+[ \t]?/, ''))
        declared.help = help === '' ? undefined : help
        return
      }
      const type = rest[0]
      if (declared.type !== undefined) throw new TextParseError(number, `second TYPE line for ${name}`)
      if (declared.sampled) throw new TextParseError(number, `TYPE line for ${name} after its samples`)
      if (type === undefined || !types.has(type)) {
        throw new TextParseError(
          number,
          `${JSON.stringify(type ?? '')} is not a metric type (${[...types].join(', ')})`,
        )
      }
      declared.type = type as MetricType
      return
    }
    let sample: Sample
    try {
      sample = parseSample(line)
    } catch (error) {
      throw new TextParseError(number, (error as Error).message)
    }
    const { base, part } = owner(sample.name)
    const building = family(base)
    building.sampled = true
    const special = building.type === 'histogram' && part === 'bucket' ? 'le' : undefined
    const quantile = building.type === 'summary' && part === 'value' ? 'quantile' : undefined
    const marker = special ?? quantile
    const labels = sample.labels.filter(([name]) => name !== marker)
    const key = JSON.stringify([...labels].sort(([a], [b]) => (a < b ? -1 : 1)))
    let metric = building.metrics.get(key)
    if (metric === undefined || (building.type !== 'histogram' && building.type !== 'summary')) {
      if (metric !== undefined) throw new TextParseError(number, `${sample.name}: the same labels twice`)
      metric = { labels }
      building.metrics.set(key, metric)
    }
    if (sample.timestampMs !== undefined) metric.timestampMs = sample.timestampMs
    if (part === 'sum') metric.sum = sample.value
    else if (part === 'count') metric.count = sample.value
    else if (marker === undefined) {
      if (building.type === 'histogram') throw new TextParseError(number, `${sample.name}: a histogram's own name`)
      metric.value = sample.value
    } else {
      const text = sample.labels.find(([name]) => name === marker)?.[1]
      const bound = text === undefined ? undefined : parseValue(text)
      if (bound === undefined) throw new TextParseError(number, `${sample.name}: no numeric ${marker} label`)
      if (marker === 'le') {
        metric.buckets ??= []
        metric.buckets.push([bound, sample.value])
      } else {
        metric.quantiles ??= []
        metric.quantiles.push([bound, sample.value])
      }
    }
  })
  return [...families].map(([name, { help, type, metrics }]) => ({
    name,
    help,
    type: type ?? 'untyped',
    metrics: [...metrics.values()],
  }))
}
