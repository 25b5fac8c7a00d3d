// UTF-8 metric and label names in expositions: the escaping schemes a scraper negotiates (`escaping=` in Accept), and
// the families renamed by them. Names of the classic character set pass through every scheme but `dots` unchanged.
import type { Metric } from '../const-metric.js'
import { Desc } from '../desc.js'
import type { Exemplar } from '../exemplar.js'
import type { MetricFamily } from '../families.js'
import { isLegacyMetricName, nameValidationScheme } from '../names.js'

/**
 * How names outside the classic character set are written (Prometheus' escaping schemes): `allow-utf-8` as they are
 * (quoted in the text formats), `underscores` with each other character as `_`, `dots` with `.` as `_dot_`, `_` as
 * `__` and each other character as `__`, `values` prefixed with `U__`, `_` as `__` and each other character as its
 * code point in hexadecimal between underscores.
 */
export const escapingSchemes = ['allow-utf-8', 'underscores', 'dots', 'values'] as const
/** One of {@link escapingSchemes}. */
export type EscapingScheme = (typeof escapingSchemes)[number]

/** What a scraper that names no scheme gets, as Prometheus' spec says. */
export const defaultEscapingScheme: EscapingScheme = 'underscores'

function isLegacyCharacter(character: string, first: boolean): boolean {
  return /^[a-zA-Z_:]$/.test(character) || (!first && /^[0-9]$/.test(character))
}

/**
 * A name escaped by a scheme, as prometheus/common's `EscapeName` does it (the `dots` and `values` schemes can be
 * undone with {@link unescapeName}).
 */
export function escapeName(name: string, scheme: EscapingScheme): string {
  if (name === '' || scheme === 'allow-utf-8') return name
  if (scheme !== 'dots' && isLegacyMetricName(name)) return name
  let escaped = scheme === 'values' ? 'U__' : ''
  let first = true
  for (const character of name) {
    if (scheme === 'underscores') escaped += isLegacyCharacter(character, first) ? character : '_'
    else if (character === '_') escaped += '__'
    else if (scheme === 'dots' && character === '.') escaped += '_dot_'
    else if (isLegacyCharacter(character, first)) escaped += character
    else if (scheme === 'dots') escaped += '__'
    else escaped += `_${(character.codePointAt(0) as number).toString(16)}_`
    first = false
  }
  return escaped
}

/**
 * The name a `dots` or `values` escaping was made from, as prometheus/common's `UnescapeName`; a name that is not a
 * valid escaping is returned as it is (and so is every name under the other schemes, which cannot be undone).
 */
export function unescapeName(name: string, scheme: EscapingScheme): string {
  if (scheme === 'dots') return name.replace(/_dot_|__/g, (match) => (match === '__' ? '_' : '.'))
  if (scheme !== 'values' || !name.startsWith('U__')) return name
  let unescaped = ''
  const escaped = name.slice(3)
  for (let i = 0; i < escaped.length; i++) {
    if (escaped[i] !== '_') {
      unescaped += escaped[i]
      continue
    }
    if (escaped[i + 1] === '_') {
      unescaped += '_'
      i++
      continue
    }
    const end = escaped.indexOf('_', i + 1)
    const hex = escaped.slice(i + 1, end)
    const codePoint = /^[0-9a-fA-F]{1,6}$/.test(hex) ? Number.parseInt(hex, 16) : Number.NaN
    if (end === -1 || !(codePoint <= 0x10ffff)) return name
    unescaped += String.fromCodePoint(codePoint)
    i = end
  }
  return unescaped
}

/** A family's unit once its name is escaped: escaped too, or gone when the escaped name no longer ends with it. */
function renamedUnit(name: string, unit: string, scheme: EscapingScheme): string {
  const escaped = escapeName(unit, scheme)
  const base = name.endsWith('_total') ? name.slice(0, -'_total'.length) : name
  return base.endsWith(`_${escaped}`) ? escaped : ''
}

/** Descriptors renamed by a scheme, made once per descriptor and scheme; undefined where nothing changes. */
const renamed = new WeakMap<Desc, Map<EscapingScheme, Desc | undefined>>()

function renamedDesc(desc: Desc, scheme: EscapingScheme): Desc | undefined {
  let byScheme = renamed.get(desc)
  if (byScheme === undefined) {
    byScheme = new Map()
    renamed.set(desc, byScheme)
  }
  if (byScheme.has(scheme)) return byScheme.get(scheme)
  const names = [desc.fqName, ...desc.labelNames]
  let result: Desc | undefined
  if (names.some((name) => escapeName(name, scheme) !== name)) {
    const name = escapeName(desc.fqName, scheme)
    result = new Desc({
      name,
      help: desc.help,
      constLabels: Object.fromEntries(
        Object.entries(desc.constLabels).map(([label, value]) => [escapeName(label, scheme), value]),
      ),
      variableLabels: desc.variableLabels.map((label) => escapeName(label, scheme)),
      unit: renamedUnit(name, desc.unit, scheme),
    })
  }
  byScheme.set(scheme, result)
  return result
}

function renamedExemplar(exemplar: Exemplar | undefined, scheme: EscapingScheme): Exemplar | undefined {
  if (exemplar === undefined || Object.keys(exemplar.labels).every((name) => escapeName(name, scheme) === name)) {
    return exemplar
  }
  const labels = Object.fromEntries(Object.entries(exemplar.labels).map(([name, v]) => [escapeName(name, scheme), v]))
  return { ...exemplar, labels }
}

function renamedMetric(metric: Metric, scheme: EscapingScheme): Metric {
  const desc = renamedDesc(metric.desc, scheme) ?? metric.desc
  if (metric.type === 'summary') return { ...metric, desc }
  if (metric.type === 'histogram') {
    const exemplars = metric.exemplars?.map((exemplar) => renamedExemplar(exemplar, scheme))
    const native =
      metric.native === undefined
        ? undefined
        : {
            ...metric.native,
            exemplars: metric.native.exemplars.map((exemplar) => renamedExemplar(exemplar, scheme) as Exemplar),
          }
    return { ...metric, desc, exemplars, native }
  }
  return { ...metric, desc, exemplar: renamedExemplar(metric.exemplar, scheme) }
}

function needsRenaming(family: MetricFamily, scheme: EscapingScheme): boolean {
  if (escapeName(family.name, scheme) !== family.name) return true
  return family.metrics.some((metric) => {
    if (renamedDesc(metric.desc, scheme) !== undefined) return true
    const exemplars =
      metric.type === 'histogram'
        ? [...(metric.exemplars ?? []), ...(metric.native?.exemplars ?? [])]
        : metric.type === 'summary'
          ? []
          : [metric.exemplar]
    return exemplars.some((exemplar) => renamedExemplar(exemplar, scheme) !== exemplar)
  })
}

/**
 * Families with their metric and label names escaped by a scheme. A family whose names the scheme leaves as they are
 * is passed through untouched, so it keeps its cached label blocks: under legacy name validation, that is every
 * family under every scheme but `dots`, checked at no cost; `allow-utf-8` changes nothing.
 */
export function escapeFamilies(families: readonly MetricFamily[], scheme: EscapingScheme): readonly MetricFamily[] {
  if (scheme === 'allow-utf-8' || (scheme !== 'dots' && nameValidationScheme() === 'legacy')) return families
  return families.map((family) => {
    if (!needsRenaming(family, scheme)) return family
    const name = escapeName(family.name, scheme)
    return {
      name,
      help: family.help,
      type: family.type,
      unit: renamedUnit(name, family.unit, scheme),
      metrics: family.metrics.map((metric) => renamedMetric(metric, scheme)),
    }
  })
}
