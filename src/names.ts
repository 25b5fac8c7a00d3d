import { PromkitError, quote } from './errors.js'

const metricNamePattern = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const labelNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const unitPattern = /^[a-zA-Z0-9_:]+$/

/**
 * Which metric and label names are valid: `legacy`, the classic character sets ([a-zA-Z_:][a-zA-Z0-9_:]* and
 * [a-zA-Z_][a-zA-Z0-9_]*), or `utf8`, any non-empty UTF-8 string, as Prometheus 3 allows. Like client_golang's
 * `model.NameValidationScheme`.
 */
export type NameValidationScheme = 'legacy' | 'utf8'

let validation: NameValidationScheme = 'legacy'

/** The names this process accepts; `legacy` unless {@link setNameValidationScheme} said otherwise. */
export function nameValidationScheme(): NameValidationScheme {
  return validation
}

/**
 * Chooses, for the whole process, which names descriptors accept. Descriptors check their names when they are built,
 * so call it before building any (at the top of `main`). Exporters that must keep their names parseable by
 * Prometheus 2 stay on the default, `legacy`.
 */
export function setNameValidationScheme(scheme: NameValidationScheme): void {
  if (scheme !== 'legacy' && scheme !== 'utf8') {
    throw new PromkitError(
      'PROMKIT_ERR_INVALID_OPTION',
      `name validation scheme ${quote(scheme)} is not "legacy" or "utf8"`,
    )
  }
  validation = scheme
}

/** Whether `name` is a metric name of the classic character set, which every exposition format writes as it is. */
export function isLegacyMetricName(name: string): boolean {
  return metricNamePattern.test(name)
}

/** Whether `name` is a label name of the classic character set, which the text formats write unquoted. */
export function isLegacyLabelName(name: string): boolean {
  return labelNamePattern.test(name)
}

function isUtf8Name(name: string): boolean {
  return name !== '' && name.isWellFormed()
}

/** Whether `name` is a valid Prometheus metric name under the process's {@link nameValidationScheme}. */
export function isValidMetricName(name: string): boolean {
  return metricNamePattern.test(name) || (validation === 'utf8' && isUtf8Name(name))
}

/** Whether `name` is a valid label name a user may set (the `__` prefix is reserved). */
export function isValidLabelName(name: string): boolean {
  return (labelNamePattern.test(name) || (validation === 'utf8' && isUtf8Name(name))) && !name.startsWith('__')
}

/** What a valid name looks like, for error messages. */
function wanted(pattern: string): string {
  return validation === 'utf8' ? 'a non-empty UTF-8 string' : pattern
}

/** Returns an error naming `where` when `name` is not a valid metric name. */
export function checkMetricName(name: unknown, where: string): PromkitError | undefined {
  if (typeof name === 'string' && isValidMetricName(name)) return undefined
  return new PromkitError(
    'PROMKIT_ERR_INVALID_METRIC_NAME',
    `${where}: ${quote(name)} is not a valid metric name (want ${wanted('[a-zA-Z_:][a-zA-Z0-9_:]*')})`,
  )
}

/** Returns an error naming `where` when `name` is not a valid, unreserved label name. */
export function checkLabelName(name: unknown, where: string): PromkitError | undefined {
  if (typeof name === 'string' && isValidLabelName(name)) return undefined
  const reserved = typeof name === 'string' && name.startsWith('__') && isUtf8Name(name)
  return new PromkitError(
    'PROMKIT_ERR_INVALID_LABEL_NAME',
    reserved && (validation === 'utf8' || labelNamePattern.test(name))
      ? `${where}: label name ${quote(name)} starts with "__", which is reserved for Prometheus`
      : `${where}: ${quote(name)} is not a valid label name (want ${wanted('[a-zA-Z_][a-zA-Z0-9_]*')})`,
  )
}

/** Returns an error naming `where` when `value` is not a string that encodes to valid UTF-8. */
export function checkLabelValue(value: unknown, where: string): PromkitError | undefined {
  if (typeof value === 'string' && value.isWellFormed()) return undefined
  return new PromkitError(
    'PROMKIT_ERR_INVALID_LABEL_VALUE',
    typeof value === 'string'
      ? `${where}: label value ${quote(value)} is not valid UTF-8 (it has a lone surrogate)`
      : `${where}: label value ${quote(value)} is a ${typeof value}, not a string`,
  )
}

/** Whether `unit` has only the characters OpenMetrics allows in a unit. */
export function isValidUnit(unit: string): boolean {
  return unitPattern.test(unit)
}
