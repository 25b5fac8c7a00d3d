import { PromkitError, quote } from './errors.js'

const metricNamePattern = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const labelNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const unitPattern = /^[a-zA-Z0-9_:]+$/

/** Whether `name` is a valid Prometheus metric name. */
export function isValidMetricName(name: string): boolean {
  return metricNamePattern.test(name)
}

/** Whether `name` is a valid label name a user may set (the `__` prefix is reserved). */
export function isValidLabelName(name: string): boolean {
  return labelNamePattern.test(name) && !name.startsWith('__')
}

/** Returns an error naming `where` when `name` is not a valid metric name. */
export function checkMetricName(name: unknown, where: string): PromkitError | undefined {
  if (typeof name === 'string' && isValidMetricName(name)) return undefined
  return new PromkitError(
    'PROMKIT_ERR_INVALID_METRIC_NAME',
    `${where}: ${quote(name)} is not a valid metric name (want [a-zA-Z_:][a-zA-Z0-9_:]*)`,
  )
}

/** Returns an error naming `where` when `name` is not a valid, unreserved label name. */
export function checkLabelName(name: unknown, where: string): PromkitError | undefined {
  if (typeof name === 'string' && isValidLabelName(name)) return undefined
  const reserved = typeof name === 'string' && name.startsWith('__') && labelNamePattern.test(name)
  return new PromkitError(
    'PROMKIT_ERR_INVALID_LABEL_NAME',
    reserved
      ? `${where}: label name ${quote(name)} starts with "__", which is reserved for Prometheus`
      : `${where}: ${quote(name)} is not a valid label name (want [a-zA-Z_][a-zA-Z0-9_]*)`,
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
