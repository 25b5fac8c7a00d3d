import type { Desc } from './desc.js'
import { PromkitError, quote } from './errors.js'
import { checkExemplar, type Exemplar } from './exemplar.js'
import { checkLabelValue } from './names.js'

/** The metric types promkit exposes. `untyped` is OpenMetrics' `unknown`. */
export type MetricType = 'counter' | 'gauge' | 'untyped' | 'histogram' | 'summary'

/** The types whose metrics carry one number. */
export type ScalarType = 'counter' | 'gauge' | 'untyped'

/** Options every const metric accepts. */
export interface MetricOptions {
  /** When the value was observed, in milliseconds since the epoch; omit to let Prometheus use the scrape time. */
  readonly timestampMs?: number
}

/** Fields shared by every metric. */
interface MetricBase {
  readonly desc: Desc
  /** One value per `desc.variableLabels`, in that order. */
  readonly labelValues: readonly string[]
  readonly timestampMs: number | undefined
}

/** A counter, gauge or untyped sample. */
export interface ScalarMetric extends MetricBase {
  readonly type: ScalarType
  readonly value: number
  /** Counters only; exposed in OpenMetrics. */
  readonly exemplar: Exemplar | undefined
}

/** One cumulative histogram bucket. */
export interface Bucket {
  /** The `le` bound; the last bucket is always `+Inf`. */
  readonly upperBound: number
  /** Observations less than or equal to the bound. */
  readonly cumulativeCount: number
  readonly exemplar: Exemplar | undefined
}

/** A histogram: cumulative buckets ending with `+Inf`, plus count and sum. */
export interface HistogramMetric extends MetricBase {
  readonly type: 'histogram'
  readonly count: number
  readonly sum: number
  /** Sorted by bound; the last one is `+Inf` with `cumulativeCount === count`. */
  readonly buckets: readonly Bucket[]
}

/** One summary quantile. */
export interface Quantile {
  readonly quantile: number
  readonly value: number
}

/** A summary: quantiles plus count and sum. */
export interface SummaryMetric extends MetricBase {
  readonly type: 'summary'
  readonly count: number
  readonly sum: number
  /** Sorted by quantile. */
  readonly quantiles: readonly Quantile[]
}

/** What a collector emits: a value frozen at collect time, built fresh on every scrape. */
export type Metric = ScalarMetric | HistogramMetric | SummaryMetric

/** The data of a histogram, as a collector read it from its source. */
export interface HistogramData {
  readonly count: number
  readonly sum: number
  /** `[upperBound, cumulativeCount]` pairs (a Map works); `+Inf` is implied by `count`. */
  readonly buckets: Iterable<readonly [number, number]>
  /** Each goes to the bucket of the smallest bound at or above its value (the last one per bucket wins). */
  readonly exemplars?: Iterable<Exemplar>
}

/** The data of a summary, as a collector read it from its source. */
export interface SummaryData {
  readonly count: number
  readonly sum: number
  /** `[quantile, value]` pairs (a Map works); quantiles in [0, 1]. */
  readonly quantiles: Iterable<readonly [number, number]>
}

function where(desc: Desc): string {
  return `metric ${quote(desc.fqName)}`
}

function checkDesc(desc: Desc): void {
  if (desc.error) throw desc.error
}

function checkLabelValues(desc: Desc, labelValues: readonly string[]): readonly string[] {
  // The hot path of every scrape: plain checks first; messages are built only for a value that fails.
  if (!Array.isArray(labelValues) || labelValues.length !== desc.variableLabels.length) {
    const count = Array.isArray(labelValues) ? labelValues.length : 0
    throw new PromkitError(
      'PROMKIT_ERR_LABEL_CARDINALITY',
      `${where(desc)} has ${desc.variableLabels.length} variable labels named ${quote(desc.variableLabels)} but ` +
        `${count} values ${quote(labelValues)} were provided`,
    )
  }
  for (let i = 0; i < labelValues.length; i++) {
    const value = labelValues[i]
    if (typeof value === 'string' && value.isWellFormed()) continue
    throw checkLabelValue(value, `${where(desc)}, label ${quote(desc.variableLabels[i])}`) as PromkitError
  }
  return labelValues.slice()
}

function checkTimestamp(desc: Desc, options: MetricOptions | undefined): number | undefined {
  const timestampMs = options?.timestampMs
  if (timestampMs !== undefined && (typeof timestampMs !== 'number' || !Number.isFinite(timestampMs))) {
    throw new PromkitError(
      'PROMKIT_ERR_INVALID_VALUE',
      `${where(desc)}: timestamp ${quote(timestampMs)} is not a finite number`,
    )
  }
  return timestampMs
}

function checkCount(desc: Desc, what: string, value: number): void {
  if (typeof value !== 'number' || !(value >= 0)) {
    throw new PromkitError(
      'PROMKIT_ERR_INVALID_VALUE',
      `${where(desc)}: ${what} ${quote(value)} must be a non-negative number`,
    )
  }
}

function checkNumber(desc: Desc, what: string, value: number): void {
  if (typeof value !== 'number') {
    throw new PromkitError('PROMKIT_ERR_INVALID_VALUE', `${where(desc)}: ${what} ${quote(value)} is not a number`)
  }
}

/** Checks the descriptor, count and sum shared by histograms and summaries. */
function checkAggregate(
  desc: Desc,
  kind: 'histogram' | 'summary',
  data: { readonly count: number; readonly sum: number },
): void {
  checkDesc(desc)
  checkCount(desc, `${kind} count`, data.count)
  checkNumber(desc, `${kind} sum`, data.sum)
}

/**
 * Builds a counter, gauge or untyped metric for one scrape. Throws a PromkitError
 * when the descriptor is invalid, the label values do not match it, a counter is
 * negative or NaN, or the exemplar is invalid (exemplars: counters only).
 */
export function constMetric(
  desc: Desc,
  type: ScalarType,
  value: number,
  labelValues: readonly string[] = [],
  options?: MetricOptions & { readonly exemplar?: Exemplar },
): ScalarMetric {
  checkDesc(desc)
  if (type !== 'counter' && type !== 'gauge' && type !== 'untyped') {
    throw new PromkitError(
      'PROMKIT_ERR_INVALID_OPTION',
      `${where(desc)}: type ${quote(type)} is not counter, gauge or untyped`,
    )
  }
  if (type === 'counter') checkCount(desc, 'counter value', value)
  else checkNumber(desc, 'value', value)
  let exemplar: Exemplar | undefined
  if (options?.exemplar !== undefined) {
    if (type !== 'counter') {
      throw new PromkitError(
        'PROMKIT_ERR_INVALID_EXEMPLAR',
        `${where(desc)}: exemplars belong to counters and histogram buckets, not to a ${type}`,
      )
    }
    exemplar = checkExemplar(options.exemplar, where(desc))
  }
  // One literal with a fixed field order per metric kind keeps the objects' shapes identical (fast to read).
  return {
    desc,
    labelValues: checkLabelValues(desc, labelValues),
    timestampMs: checkTimestamp(desc, options),
    type,
    value,
    exemplar,
  }
}

/**
 * Builds a histogram metric for one scrape from cumulative bucket counts. Buckets
 * may come in any order; they are sorted, and `+Inf` is added from `count`.
 * Throws a PromkitError for non-cumulative buckets, a repeated or NaN bound,
 * a bucket above the count, or an explicit `+Inf` bucket that differs from it.
 */
export function constHistogram(
  desc: Desc,
  data: HistogramData,
  labelValues: readonly string[] = [],
  options?: MetricOptions,
): HistogramMetric {
  checkAggregate(desc, 'histogram', data)
  // One pass builds the buckets; sorting happens only when they came out of order.
  const buckets: { upperBound: number; cumulativeCount: number; exemplar: Exemplar | undefined }[] = []
  let sorted = true
  for (const [upperBound, cumulativeCount] of data.buckets) {
    if (typeof upperBound !== 'number' || Number.isNaN(upperBound)) {
      throw new PromkitError(
        'PROMKIT_ERR_INVALID_BUCKETS',
        `${where(desc)}: bucket bound ${quote(upperBound)} is not a number`,
      )
    }
    if (typeof cumulativeCount !== 'number' || !(cumulativeCount >= 0))
      checkCount(desc, `count of bucket le=${upperBound}`, cumulativeCount)
    const previous = buckets[buckets.length - 1]
    if (previous !== undefined && previous.upperBound > upperBound) sorted = false
    buckets.push({ upperBound, cumulativeCount, exemplar: undefined })
  }
  if (!sorted) buckets.sort((a, b) => a.upperBound - b.upperBound)
  const last = buckets[buckets.length - 1]
  if (last !== undefined && last.upperBound === Infinity) {
    if (last.cumulativeCount !== data.count) {
      throw new PromkitError(
        'PROMKIT_ERR_INVALID_BUCKETS',
        `${where(desc)}: the +Inf bucket has ${last.cumulativeCount} observations but count is ${data.count}; they ` +
          `must be equal`,
      )
    }
    buckets.pop()
  }
  buckets.push({ upperBound: Infinity, cumulativeCount: data.count, exemplar: undefined })
  for (let i = 1; i < buckets.length; i++) {
    const previous = buckets[i - 1] as (typeof buckets)[number]
    const current = buckets[i] as (typeof buckets)[number]
    if (previous.upperBound === current.upperBound) {
      throw new PromkitError(
        'PROMKIT_ERR_INVALID_BUCKETS',
        `${where(desc)}: bucket bound ${previous.upperBound} is given twice`,
      )
    }
    if (current.cumulativeCount < previous.cumulativeCount) {
      const what =
        current.upperBound === Infinity
          ? `the count ${data.count}`
          : `bucket le=${current.upperBound} with ${current.cumulativeCount}`
      throw new PromkitError(
        'PROMKIT_ERR_INVALID_BUCKETS',
        `${where(desc)}: buckets are not cumulative: bucket le=${previous.upperBound} has ` +
          `${previous.cumulativeCount} observations, more than ${what}`,
      )
    }
  }
  for (const candidate of data.exemplars ?? []) {
    const exemplar = checkExemplar(candidate, where(desc))
    const index = buckets.findIndex((bucket) => exemplar.value <= bucket.upperBound)
    ;(buckets[index === -1 ? buckets.length - 1 : index] as (typeof buckets)[number]).exemplar = exemplar
  }
  return {
    desc,
    labelValues: checkLabelValues(desc, labelValues),
    timestampMs: checkTimestamp(desc, options),
    type: 'histogram',
    count: data.count,
    sum: data.sum,
    buckets,
  }
}

/**
 * Builds a summary metric for one scrape. Throws a PromkitError for a quantile
 * outside [0, 1], NaN or repeated, or a negative or NaN count.
 */
export function constSummary(
  desc: Desc,
  data: SummaryData,
  labelValues: readonly string[] = [],
  options?: MetricOptions,
): SummaryMetric {
  checkAggregate(desc, 'summary', data)
  const quantiles = [...data.quantiles].map(([quantile, value]) => {
    if (typeof quantile !== 'number' || !(quantile >= 0 && quantile <= 1)) {
      throw new PromkitError(
        'PROMKIT_ERR_INVALID_QUANTILE',
        `${where(desc)}: quantile ${quote(quantile)} is not within [0, 1]`,
      )
    }
    checkNumber(desc, `value of quantile ${quantile}`, value)
    return { quantile, value }
  })
  quantiles.sort((a, b) => a.quantile - b.quantile)
  for (let i = 1; i < quantiles.length; i++) {
    if (quantiles[i]?.quantile === quantiles[i - 1]?.quantile) {
      throw new PromkitError(
        'PROMKIT_ERR_INVALID_QUANTILE',
        `${where(desc)}: quantile ${quantiles[i]?.quantile} is given twice`,
      )
    }
  }
  return {
    desc,
    labelValues: checkLabelValues(desc, labelValues),
    timestampMs: checkTimestamp(desc, options),
    type: 'summary',
    count: data.count,
    sum: data.sum,
    quantiles,
  }
}
