// A small, strict parser for the two text formats, used by tests to read back what promkit wrote.
// It refuses anything it does not understand, so a test that round-trips through it can fail.
import { type TextFamily, parseText } from 'promkit'

export interface ParsedSample {
  name: string
  labels: Record<string, string>
  value: number
  timestamp?: number
  exemplar?: { labels: Record<string, string>; value: number; timestamp?: number }
}

export interface ParsedExposition {
  help: Map<string, string>
  type: Map<string, string>
  unit: Map<string, string>
  samples: ParsedSample[]
  sawEof: boolean
}

function parseNumber(text: string, line: string): number {
  // Case-insensitive, as Go's ParseFloat and the OpenMetrics ABNF are (prom-client writes "Nan").
  if (/^nan$/i.test(text)) return NaN
  if (/^\+?inf(inity)?$/i.test(text)) return Infinity
  if (/^-inf(inity)?$/i.test(text)) return -Infinity
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text))
    throw new Error(`bad number ${JSON.stringify(text)} in ${JSON.stringify(line)}`)
  return Number(text)
}

function unescapeText(text: string, quotes: boolean): string {
  return text.replace(quotes ? /\\(["\\n])/g : /\\([\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c))
}

/** Reads `{a="x",b="y"}` starting at `at`; returns the labels and the index after `}`. */
function parseLabels(line: string, at: number): [Record<string, string>, number] {
  const labels: Record<string, string> = {}
  let i = at + 1
  while (line[i] !== '}') {
    const name = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i))?.[0]
    if (!name || line[i + name.length] !== '=' || line[i + name.length + 1] !== '"')
      throw new Error(`bad label at ${i} in ${JSON.stringify(line)}`)
    i += name.length + 2
    let raw = ''
    while (line[i] !== '"') {
      if (i >= line.length) throw new Error(`unterminated label value in ${JSON.stringify(line)}`)
      if (line[i] === '\\') {
        raw += line.slice(i, i + 2)
        i += 2
      } else {
        raw += line[i]
        i++
      }
    }
    if (name in labels) throw new Error(`label ${name} twice in ${JSON.stringify(line)}`)
    labels[name] = unescapeText(raw, true)
    i++
    if (line[i] === ',') i++
  }
  return [labels, i + 1]
}

export function parseExposition(text: string, format: 'text' | 'openmetrics'): ParsedExposition {
  const result: ParsedExposition = { help: new Map(), type: new Map(), unit: new Map(), samples: [], sawEof: false }
  if (!text.endsWith('\n')) throw new Error('exposition does not end with a line feed')
  const lines = text.slice(0, -1).split('\n')
  for (const line of lines) {
    if (result.sawEof) throw new Error(`line after # EOF: ${JSON.stringify(line)}`)
    // The text format allows blank lines (prom-client writes them); OpenMetrics does not.
    if (line === '' && format === 'text') continue
    if (line === '# EOF') {
      result.sawEof = true
      continue
    }
    const meta = /^# (HELP|TYPE|UNIT) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line)
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string]
      if (kind === 'HELP') result.help.set(name, unescapeText(rest, format === 'openmetrics'))
      else if (kind === 'TYPE') result.type.set(name, rest)
      else result.unit.set(name, rest)
      continue
    }
    if (line.startsWith('#')) throw new Error(`unexpected comment ${JSON.stringify(line)}`)
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0]
    if (!name) throw new Error(`bad sample ${JSON.stringify(line)}`)
    let labels: Record<string, string> = {}
    let i = name.length
    if (line[i] === '{') [labels, i] = parseLabels(line, i)
    const [body, exemplarText] = line.slice(i).split(' # ') as [string, string | undefined]
    const fields = body.trim().split(' ')
    if (fields.length < 1 || fields.length > 2 || !body.startsWith(' '))
      throw new Error(`bad sample ${JSON.stringify(line)}`)
    const sample: ParsedSample = { name, labels, value: parseNumber(fields[0] as string, line) }
    if (fields[1] !== undefined) sample.timestamp = parseNumber(fields[1], line)
    if (exemplarText !== undefined) {
      if (format !== 'openmetrics') throw new Error(`exemplar in text format: ${JSON.stringify(line)}`)
      const [exemplarLabels, after] = parseLabels(exemplarText, 0)
      const [value, timestamp] = exemplarText.slice(after).trim().split(' ') as [string, string | undefined]
      sample.exemplar = { labels: exemplarLabels, value: parseNumber(value, line) }
      if (timestamp !== undefined) sample.exemplar.timestamp = parseNumber(timestamp, line)
    }
    result.samples.push(sample)
  }
  if (format === 'openmetrics' && !result.sawEof) throw new Error('OpenMetrics exposition without # EOF')
  return result
}

/** One family as parity tests compare it: its type, its sorted label names, and its samples. */
export interface ComparedFamily {
  readonly type: string
  readonly labelNames: string
  readonly samples: readonly { readonly labels: Record<string, string>; readonly value: number }[]
}

/** The families of a text exposition whose names start with `prefix`, for comparing two exporters. */
export function familiesOf(text: string, prefix: string): Map<string, ComparedFamily> {
  const parsed = parseExposition(text, 'text')
  const result = new Map<string, ComparedFamily>()
  for (const [name, type] of parsed.type) {
    if (!name.startsWith(prefix)) continue
    const own = parsed.samples.filter((sample) => sample.name === name)
    const labelNames = [...new Set(own.flatMap((sample) => Object.keys(sample.labels)))]
      .filter((label) => label !== 'quantile')
      .sort()
      .join(',')
    result.set(name, {
      type,
      labelNames,
      samples: own.map((sample) => ({ labels: sample.labels, value: sample.value })),
    })
  }
  return result
}

/**
 * The families of a text exposition (those `keep` accepts) as comparable data, read by promkit's parseText: sorted by
 * name, each metric's labels sorted, its metrics sorted, so two exporters' answers compare whatever their order.
 */
export function comparableFamilies(text: string, keep: (name: string) => boolean = () => true): TextFamily[] {
  return parseText(text)
    .filter(({ name }) => keep(name))
    .map((family) => ({
      ...family,
      metrics: family.metrics
        .map((metric) => ({ ...metric, labels: [...metric.labels].sort(([a], [b]) => (a < b ? -1 : 1)) }))
        .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : 1))
}
