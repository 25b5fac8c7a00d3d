import type { Desc } from './desc.js'
import { PromkitError, quote } from './errors.js'
import { checkExemplar, type Exemplar } from './exemplar.js'
import { checkLabelValue } from './names.js'
import {
  type SparseBuckets,
  defaultZeroThreshold,
  maxNativeSchema,
  minNativeSchema,
  sparseBuckets,
} from './native-buckets.js'

/** The metric types promkit exposes. `untyped` is OpenMetrics' `unknown`. */
export type MetricType = 'counter' | 'gauge' | 'untyped' | 'histogram' | 'summary'

/** The types whose metrics carry one number. */
export type ScalarType = 'counter' | 'gauge' | 'untyped'

/** Options every const metric accepts. */
export interface MetricOptions {
  /** When the value was observed, in milliseconds since the epoch; omit to let Prometheus use the scrape time. */
  readonly timestampMs?: number
}

/** Options of counters, histograms and summaries, whose series may say when they started counting. */
export interface CumulativeOptions extends MetricOptions {
  /**
   * When the series started counting (created, or last reset), in milliseconds since the epoch: protobuf's
   * `created_timestamp`, and OpenMetrics' `_created` line when the handler is asked to write them.
   */
  readonly createdTimestampMs?: number
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
  /** Counters only; exposed in OpenMetrics and protobuf. */
  readonly exemplar: Exemplar | undefined
  /** Counters only: when the series started counting, in ms since the epoch. */
  readonly createdTimestampMs: number | undefined
}

/** One cumulative histogram bucket. */
export interface Bucket {
  /** The `le` bound; the last bucket is always `+Inf`. */
  readonly upperBound: number
  /** Observations less than or equal to the bound. */
  readonly cumulativeCount: number
  readonly exemplar: Exemplar | undefined
}

/** The sparse buckets of a native histogram (exposed in protobuf only). */
export interface NativeBuckets {
  /** From -4 to 8: bucket `i` holds (base^(i-1), base^i], base = 2^(2^-schema). */
  readonly schema: number
  readonly zeroThreshold: number
  /** Observations whose magnitude is at most the zero threshold. */
  readonly zeroCount: number
  readonly positive: SparseBuckets
  /** Bucket `i` holds the values in [-base^i, -base^(i-1)). */
  readonly negative: SparseBuckets
  /** Each with a timestamp, as native histograms require. */
  readonly exemplars: readonly Exemplar[]
}

/**
 * A histogram: cumulative buckets ending with `+Inf`, plus count and sum; and, for a native histogram, its sparse
 * buckets (a native histogram without classic buckets has the `+Inf` bucket only). The buckets are held as columns,
 * not objects (a scrape of 10,000 histograms would otherwise make 120,000 of them); {@link histogramBuckets} gives
 * them as {@link Bucket}s.
 */
export interface HistogramMetric extends MetricBase {
  readonly type: 'histogram'
  readonly count: number
  readonly sum: number
  /** The buckets' upper bounds, ascending, the last `+Inf`: shared by the histograms of a descriptor that agree. */
  readonly bounds: readonly number[]
  /** Observations at or below each bound; the last is the count. */
  readonly cumulativeCounts: readonly number[]
  /** Each bucket's exemplar, by bucket index, or undefined when no bucket has one. */
  readonly exemplars: readonly (Exemplar | undefined)[] | undefined
  readonly native: NativeBuckets | undefined
  /** When the series started counting, in ms since the epoch. */
  readonly createdTimestampMs: number | undefined
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
  /** When the series started counting, in ms since the epoch. */
  readonly createdTimestampMs: number | undefined
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

/** The data of a native histogram, as client_golang's `NewConstNativeHistogram` takes it. */
export interface NativeHistogramData {
  /** Every observation, NaN ones included: an integer. */
  readonly count: number
  readonly sum: number
  /** From -4 to 8. */
  readonly schema: number
  /** Default 2^-128. */
  readonly zeroThreshold?: number
  /** Observations whose magnitude is at most the zero threshold; default 0. */
  readonly zeroCount?: number
  /** `[index, count]` pairs (a Map works): bucket `index` holds (base^(index-1), base^index]. */
  readonly positiveBuckets?: Iterable<readonly [number, number]>
  /** `[index, count]` pairs: bucket `index` holds [-base^index, -base^(index-1)). */
  readonly negativeBuckets?: Iterable<readonly [number, number]>
  /** Classic buckets to expose alongside, `[upperBound, cumulativeCount]` as {@link HistogramData} has them. */
  readonly buckets?: Iterable<readonly [number, number]>
  /** Each with a timestamp; also put in the classic buckets, when there are some. */
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

function checkTimestamp(desc: Desc, what: string, timestampMs: number | undefined): number | undefined {
  if (timestampMs !== undefined && (typeof timestampMs !== 'number' || !Number.isFinite(timestampMs))) {
    throw new PromkitError(
      'PROMKIT_ERR_INVALID_VALUE',
      `${where(desc)}: ${what} ${quote(timestampMs)} is not a finite number`,
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
 * negative or NaN, or the exemplar or created timestamp is invalid (both:
 * counters only).
 */
export function constMetric(
  desc: Desc,
  type: ScalarType,
  value: number,
  labelValues: readonly string[] = [],
  options?: CumulativeOptions & { readonly exemplar?: Exemplar },
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
  if (options?.createdTimestampMs !== undefined && type !== 'counter') {
    throw new PromkitError(
      'PROMKIT_ERR_INVALID_OPTION',
      `${where(desc)}: created timestamps belong to counters, histograms and summaries, not to a ${type}`,
    )
  }
  // One literal with a fixed field order per metric kind keeps the objects' shapes identical (fast to read).
  return {
    desc,
    labelValues: checkLabelValues(desc, labelValues),
    timestampMs: checkTimestamp(desc, 'timestamp', options?.timestampMs),
    type,
    value,
    exemplar,
    createdTimestampMs: checkTimestamp(desc, 'created timestamp', options?.createdTimestampMs),
  }
}

/** The classic buckets of a histogram, as {@link HistogramMetric} holds them. */
interface ClassicBuckets {
  readonly bounds: readonly number[]
  readonly cumulativeCounts: readonly number[]
  readonly exemplars: readonly (Exemplar | undefined)[] | undefined
}

/** The bounds each descriptor's histograms had last: the next histogram with the same bounds shares the array. */
const lastBounds = new WeakMap<Desc, readonly number[]>()

/** The bounds of sorted pairs followed by `+Inf`: the descriptor's last ones when they are the same. */
function boundsOf(desc: Desc, pairs: readonly (readonly [number, number])[], finite: number): readonly number[] {
  const last = lastBounds.get(desc)
  if (last !== undefined && last.length === finite + 1) {
    let same = true
    for (let i = 0; i < finite && same; i++) same = Object.is(last[i], (pairs[i] as readonly [number, number])[0])
    if (same) return last
  }
  const bounds = new Array<number>(finite + 1)
  for (let i = 0; i < finite; i++) bounds[i] = (pairs[i] as readonly [number, number])[0]
  bounds[finite] = Infinity
  lastBounds.set(desc, bounds)
  return bounds
}

/** Sorted, checked cumulative buckets ending with `+Inf` at `count`, exemplars placed. */
function classicBuckets(
  desc: Desc,
  count: number,
  data: Iterable<readonly [number, number]>,
  exemplars: readonly Exemplar[],
): ClassicBuckets {
  // An array is read by index: the iterator protocol and destructuring cost more than the rest of the loop.
  let pairs = Array.isArray(data) ? (data as readonly (readonly [number, number])[]) : [...data]
  let sorted = true
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i] as readonly [number, number]
    const upperBound = pair[0]
    const cumulativeCount = pair[1]
    if (typeof upperBound !== 'number' || Number.isNaN(upperBound)) {
      throw new PromkitError(
        'PROMKIT_ERR_INVALID_BUCKETS',
        `${where(desc)}: bucket bound ${quote(upperBound)} is not a number`,
      )
    }
    if (typeof cumulativeCount !== 'number' || !(cumulativeCount >= 0))
      checkCount(desc, `count of bucket le=${upperBound}`, cumulativeCount)
    if (i > 0 && (pairs[i - 1] as readonly [number, number])[0] > upperBound) sorted = false
  }
  // Sorting happens only when they came out of order.
  if (!sorted) pairs = [...pairs].sort((a, b) => a[0] - b[0])
  let finite = pairs.length
  const last = pairs[finite - 1]
  if (last !== undefined && last[0] === Infinity) {
    if (last[1] !== count) {
      throw new PromkitError(
        'PROMKIT_ERR_INVALID_BUCKETS',
        `${where(desc)}: the +Inf bucket has ${last[1]} observations but count is ${count}; they must be equal`,
      )
    }
    finite--
  }
  const bounds = boundsOf(desc, pairs, finite)
  const cumulativeCounts = new Array<number>(finite + 1)
  for (let i = 0; i < finite; i++) cumulativeCounts[i] = (pairs[i] as readonly [number, number])[1]
  cumulativeCounts[finite] = count
  for (let i = 1; i <= finite; i++) {
    if (bounds[i - 1] === bounds[i]) {
      throw new PromkitError('PROMKIT_ERR_INVALID_BUCKETS', `${where(desc)}: bucket bound ${bounds[i]} is given twice`)
    }
    const current = cumulativeCounts[i] as number
    const previous = cumulativeCounts[i - 1] as number
    if (current < previous) {
      const what = i === finite ? `the count ${count}` : `bucket le=${bounds[i]} with ${current}`
      throw new PromkitError(
        'PROMKIT_ERR_INVALID_BUCKETS',
        `${where(desc)}: buckets are not cumulative: bucket le=${bounds[i - 1]} has ${previous} observations, ` +
          `more than ${what}`,
      )
    }
  }
  if (exemplars.length === 0) return { bounds, cumulativeCounts, exemplars: undefined }
  const placed = new Array<Exemplar | undefined>(finite + 1).fill(undefined)
  for (const exemplar of exemplars) {
    const index = bounds.findIndex((bound) => exemplar.value <= bound)
    placed[index === -1 ? finite : index] = exemplar
  }
  return { bounds, cumulativeCounts, exemplars: placed }
}

/** A histogram's classic buckets as objects, for reading: `le`, cumulative count and exemplar of each. */
export function histogramBuckets(metric: HistogramMetric): Bucket[] {
  return metric.bounds.map((upperBound, i) => ({
    upperBound,
    cumulativeCount: metric.cumulativeCounts[i] as number,
    exemplar: metric.exemplars?.[i],
  }))
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
  options?: CumulativeOptions,
): HistogramMetric {
  checkAggregate(desc, 'histogram', data)
  const exemplars = [...(data.exemplars ?? [])].map((exemplar) => checkExemplar(exemplar, where(desc)))
  const buckets = classicBuckets(desc, data.count, data.buckets, exemplars)
  return histogramMetric(desc, data, buckets, undefined, labelValues, options)
}

/** The one literal every histogram is built from, classic or native (see {@link constMetric} on shapes). */
function histogramMetric(
  desc: Desc,
  data: { readonly count: number; readonly sum: number },
  buckets: ClassicBuckets,
  native: NativeBuckets | undefined,
  labelValues: readonly string[],
  options: CumulativeOptions | undefined,
): HistogramMetric {
  return {
    desc,
    labelValues: checkLabelValues(desc, labelValues),
    timestampMs: checkTimestamp(desc, 'timestamp', options?.timestampMs),
    type: 'histogram',
    count: data.count,
    sum: data.sum,
    bounds: buckets.bounds,
    cumulativeCounts: buckets.cumulativeCounts,
    exemplars: buckets.exemplars,
    native,
    createdTimestampMs: checkTimestamp(desc, 'created timestamp', options?.createdTimestampMs),
  }
}

function nativeError(desc: Desc, message: string): PromkitError {
  return new PromkitError('PROMKIT_ERR_INVALID_NATIVE_HISTOGRAM', `${where(desc)}: ${message}`)
}

function checkNativeCount(desc: Desc, what: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw nativeError(desc, `${what} ${quote(value)} is not a count`)
  return value
}

/** Checked, sorted native buckets of one sign, and the observations they hold. */
function checkedSparse(
  desc: Desc,
  sign: 'positive' | 'negative',
  pairs: Iterable<readonly [number, number]>,
): { buckets: SparseBuckets; total: number } {
  const sorted = [...pairs].sort(([a], [b]) => a - b)
  let total = 0
  sorted.forEach(([index, count], i) => {
    if (!Number.isInteger(index) || Math.abs(index) > 2 ** 31 - 1) {
      throw nativeError(desc, `${sign} bucket index ${quote(index)} is not a 32-bit integer`)
    }
    if (i > 0 && (sorted[i - 1] as readonly [number, number])[0] === index) {
      throw nativeError(desc, `${sign} bucket ${index} is given twice`)
    }
    total += checkNativeCount(desc, `count of ${sign} bucket ${index}`, count)
  })
  return { buckets: sparseBuckets(sorted), total }
}

/**
 * Builds a native histogram for one scrape, as client_golang's
 * `NewConstNativeHistogram`: sparse exponential buckets by index at a schema,
 * a zero bucket, and optionally classic buckets to expose alongside (text and
 * OpenMetrics show those, or just `+Inf`; protobuf carries both). Throws a
 * PromkitError for a schema outside -4..8, a negative or fractional count, a
 * repeated bucket, buckets that hold more observations than the count (or
 * fewer, unless the sum is NaN), or an exemplar without a timestamp.
 */
export function constNativeHistogram(
  desc: Desc,
  data: NativeHistogramData,
  labelValues: readonly string[] = [],
  options?: CumulativeOptions,
): HistogramMetric {
  checkAggregate(desc, 'histogram', data)
  checkNativeCount(desc, 'histogram count', data.count)
  const { schema, zeroThreshold = defaultZeroThreshold, zeroCount = 0 } = data
  if (!Number.isInteger(schema) || schema < minNativeSchema || schema > maxNativeSchema) {
    throw nativeError(desc, `schema ${quote(schema)} is not an integer from ${minNativeSchema} to ${maxNativeSchema}`)
  }
  if (typeof zeroThreshold !== 'number' || !(zeroThreshold >= 0) || zeroThreshold === Infinity) {
    throw nativeError(desc, `zero threshold ${quote(zeroThreshold)} is not a finite non-negative number`)
  }
  checkNativeCount(desc, 'zero bucket count', zeroCount)
  const positive = checkedSparse(desc, 'positive', data.positiveBuckets ?? [])
  const negative = checkedSparse(desc, 'negative', data.negativeBuckets ?? [])
  const inBuckets = zeroCount + positive.total + negative.total
  if (inBuckets > data.count || (inBuckets < data.count && !Number.isNaN(data.sum))) {
    throw nativeError(
      desc,
      `the buckets hold ${inBuckets} observations but count is ${data.count}; they must be equal (only NaN ` +
        'observations are in no bucket, and then the sum is NaN)',
    )
  }
  const exemplars = [...(data.exemplars ?? [])].map((candidate) => {
    const exemplar = checkExemplar(candidate, where(desc))
    if (exemplar.timestampMs === undefined) {
      throw new PromkitError(
        'PROMKIT_ERR_INVALID_EXEMPLAR',
        `${where(desc)}: exemplar of value ${exemplar.value} has no timestamp, which native histograms require`,
      )
    }
    return exemplar
  })
  // A native histogram with no observations and no zero bucket still says it is native, with an empty span.
  const unmarked =
    zeroThreshold === 0 && zeroCount === 0 && positive.buckets.spans.length + negative.buckets.spans.length === 0
  const classic = data.buckets === undefined ? [] : data.buckets
  const buckets = classicBuckets(desc, data.count, classic, data.buckets === undefined ? [] : exemplars)
  const native: NativeBuckets = {
    schema,
    zeroThreshold,
    zeroCount,
    positive: unmarked ? { spans: [{ offset: 0, length: 0 }], counts: [] } : positive.buckets,
    negative: negative.buckets,
    exemplars,
  }
  return histogramMetric(desc, data, buckets, native, labelValues, options)
}

/**
 * Builds a summary metric for one scrape. Throws a PromkitError for a quantile
 * outside [0, 1], NaN or repeated, or a negative or NaN count.
 */
export function constSummary(
  desc: Desc,
  data: SummaryData,
  labelValues: readonly string[] = [],
  options?: CumulativeOptions,
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
    timestampMs: checkTimestamp(desc, 'timestamp', options?.timestampMs),
    type: 'summary',
    count: data.count,
    sum: data.sum,
    quantiles,
    createdTimestampMs: checkTimestamp(desc, 'created timestamp', options?.createdTimestampMs),
  }
}
