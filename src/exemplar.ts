import { PromkitError, quote } from './errors.js'
import { checkLabelName, checkLabelValue } from './names.js'

/**
 * A sample of one observation (typically carrying a trace id) attached to a
 * counter or a histogram bucket. Exposed in OpenMetrics only; the Prometheus
 * text format has no place for it and drops it.
 */
export interface Exemplar {
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
  /** When the observation happened, in milliseconds since the epoch. */
  readonly timestampMs?: number
}

/** OpenMetrics: the label names and values of an exemplar together may have at most this many characters. */
export const exemplarMaxLabelCharacters = 128

/** Validates an exemplar and returns a frozen copy, or throws a PromkitError naming `where`. */
export function checkExemplar(exemplar: Exemplar, where: string): Exemplar {
  const place = `${where}: exemplar`
  if (
    typeof exemplar !== 'object' ||
    exemplar === null ||
    typeof exemplar.labels !== 'object' ||
    exemplar.labels === null
  ) {
    throw new PromkitError('PROMKIT_ERR_INVALID_EXEMPLAR', `${place} must be an object with labels and a value`)
  }
  let characters = 0
  for (const [name, value] of Object.entries(exemplar.labels)) {
    const problem = checkLabelName(name, place) ?? checkLabelValue(value, `${place} label ${quote(name)}`)
    if (problem) throw new PromkitError('PROMKIT_ERR_INVALID_EXEMPLAR', problem.message)
    for (const _ of name + value) characters++
  }
  if (characters > exemplarMaxLabelCharacters) {
    throw new PromkitError(
      'PROMKIT_ERR_INVALID_EXEMPLAR',
      `${place} labels have ${characters} characters, more than the ${exemplarMaxLabelCharacters} OpenMetrics allows`,
    )
  }
  if (typeof exemplar.value !== 'number') {
    throw new PromkitError('PROMKIT_ERR_INVALID_EXEMPLAR', `${place} value ${quote(exemplar.value)} is not a number`)
  }
  const copy: { labels: Readonly<Record<string, string>>; value: number; timestampMs?: number } = {
    labels: Object.freeze({ ...exemplar.labels }),
    value: exemplar.value,
  }
  if (exemplar.timestampMs !== undefined) {
    if (typeof exemplar.timestampMs !== 'number' || !Number.isFinite(exemplar.timestampMs)) {
      throw new PromkitError(
        'PROMKIT_ERR_INVALID_EXEMPLAR',
        `${place} timestamp ${quote(exemplar.timestampMs)} is not a finite number`,
      )
    }
    copy.timestampMs = exemplar.timestampMs
  }
  return Object.freeze(copy)
}
