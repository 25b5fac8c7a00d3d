import { PromkitError, quote } from './errors.js'
import { checkLabelName, checkLabelValue, checkMetricName, isValidUnit } from './names.js'

/** What a {@link Desc} is built from. */
export interface DescOptions {
  /** First part of the metric name, e.g. the exporter (`redis`). */
  readonly namespace?: string
  /** Middle part of the metric name, e.g. a component (`memory`). */
  readonly subsystem?: string
  /** Last part of the metric name; `namespace_subsystem_name` is the full name. */
  readonly name: string
  /** What the metric means, shown as `# HELP`. */
  readonly help: string
  /** Labels with a fixed value for every series of this descriptor. */
  readonly constLabels?: Readonly<Record<string, string>>
  /** Label names whose values each metric supplies, in this order. */
  readonly variableLabels?: readonly string[]
  /** OpenMetrics unit (`seconds`, `bytes`); the name must end with `_<unit>` (before `_total`). */
  readonly unit?: string
}

/**
 * Describes one metric a collector may emit: its full name, help, unit and labels.
 *
 * Like client_golang's `NewDesc`, construction never throws: an invalid descriptor
 * records the problem in {@link Desc.error}, and `Registry.register` (or building
 * a metric from it) is the one place where it surfaces. Descriptors are immutable.
 */
export class Desc {
  /** The full metric name: namespace, subsystem and name joined by `_`. */
  readonly fqName: string
  readonly help: string
  /** The OpenMetrics unit, or `''`. */
  readonly unit: string
  readonly constLabels: Readonly<Record<string, string>>
  readonly variableLabels: readonly string[]
  /** Why this descriptor is invalid, or `undefined` when it is valid. */
  readonly error: PromkitError | undefined
  /** Identity within a registry: the full name plus the const label values. */
  readonly id: string
  /** What must agree between descriptors of one name: help and label names (const and variable apart). */
  readonly dimensions: string
  /** Every label name (const and variable), sorted: the order labels are exposed in. */
  readonly labelNames: readonly string[]
  /**
   * For each entry of {@link labelNames}: an index into a metric's label values when
   * the label is variable (`>= 0`), or `~i` for `constValues[i]` when it is const.
   */
  readonly labelSlots: readonly number[]
  /** Const label values, addressed by {@link labelSlots}. */
  readonly constValues: readonly string[]

  constructor(options: DescOptions) {
    this.fqName = [options.namespace, options.subsystem, options.name].filter((part) => part).join('_')
    this.help = options.help
    this.unit = options.unit ?? ''
    this.constLabels = Object.freeze({ ...options.constLabels })
    this.variableLabels = Object.freeze([...(options.variableLabels ?? [])])
    const constNames = Object.keys(this.constLabels).sort()
    const merged = [
      ...constNames.map((name, index) => ({ name, slot: ~index })),
      ...this.variableLabels.map((name, index) => ({ name, slot: index })),
    ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    this.labelNames = Object.freeze(merged.map((label) => label.name))
    this.labelSlots = Object.freeze(merged.map((label) => label.slot))
    this.constValues = Object.freeze(constNames.map((name) => this.constLabels[name] as string))
    this.id = JSON.stringify([this.fqName, ...this.constValues])
    this.dimensions = JSON.stringify([this.help, this.unit, constNames, [...this.variableLabels].sort()])
    this.error = this.validate(constNames)
    Object.freeze(this)
  }

  private validate(constNames: readonly string[]): PromkitError | undefined {
    const where = `descriptor ${quote(this.fqName)}`
    const nameError = checkMetricName(this.fqName, where)
    if (nameError) return nameError
    if (typeof this.help !== 'string' || !this.help.isWellFormed()) {
      return new PromkitError(
        'PROMKIT_ERR_INVALID_HELP',
        `${where}: help ${quote(this.help)} must be a well-formed string`,
      )
    }
    for (const name of [...constNames, ...this.variableLabels]) {
      const labelError = checkLabelName(name, where)
      if (labelError) return labelError
    }
    for (const name of constNames) {
      const valueError = checkLabelValue(this.constLabels[name], `${where}, const label ${quote(name)}`)
      if (valueError) return valueError
    }
    for (let i = 1; i < this.labelNames.length; i++) {
      if (this.labelNames[i] === this.labelNames[i - 1]) {
        const name = this.labelNames[i]
        const role = name !== undefined && name in this.constLabels ? 'both a const and a variable label' : 'twice'
        return new PromkitError('PROMKIT_ERR_DUPLICATE_LABEL_NAME', `${where}: label ${quote(name)} is named ${role}`)
      }
    }
    if (this.unit !== '') {
      const base = this.fqName.endsWith('_total') ? this.fqName.slice(0, -'_total'.length) : this.fqName
      if (!isValidUnit(this.unit) || !base.endsWith(`_${this.unit}`)) {
        return new PromkitError(
          'PROMKIT_ERR_INVALID_UNIT',
          `${where}: unit ${quote(this.unit)} must be made of [a-zA-Z0-9_:] and the name must end with ` +
            `"_${this.unit}" (optionally followed by "_total")`,
        )
      }
    }
    return undefined
  }

  /** Renders the descriptor for error messages, in client_golang's style. */
  toString(): string {
    const constLabels = Object.keys(this.constLabels)
      .sort()
      .map((name) => `${name}=${quote(this.constLabels[name])}`)
      .join(',')
    const unit = this.unit === '' ? '' : `, unit: ${quote(this.unit)}`
    const variable = this.variableLabels.join(',')
    const names = `fqName: ${quote(this.fqName)}, help: ${quote(this.help)}`
    return `Desc{${names}, constLabels: {${constLabels}}, variableLabels: [${variable}]${unit}}`
  }
}

/**
 * Every descriptor in a group of descriptors, however nested in objects, arrays and maps (undefined entries are
 * skipped): for a collector whose `describe()` is a whole group, `describe: () => descsIn(descs.node)`.
 */
export function descsIn(group: object): Desc[] {
  const values = group instanceof Map ? [...group.values()] : Object.values(group)
  return values.flatMap((value) => (value instanceof Desc ? [value] : value === undefined ? [] : descsIn(value)))
}
