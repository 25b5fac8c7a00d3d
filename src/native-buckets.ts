// The arithmetic of native (sparse, exponential) histograms: which bucket an observation falls in at a schema, how
// sparse buckets are written as spans, and the helpers that turn observations or a classic histogram into buckets.
import type { HistogramData } from './const-metric.js'

/** The smallest schema native histograms allow: bucket boundaries at powers of 2^16. */
export const minNativeSchema = -4
/** The largest schema native histograms allow: 256 buckets per power of two. */
export const maxNativeSchema = 8
/** The width of the zero bucket when none is given: 2^-128, client_golang's default. */
export const defaultZeroThreshold = 2 ** -128
/** The schema of the helpers when none is given: 3, a growth of at most 1.09 from one bucket to the next. */
export const defaultNativeSchema = 3

/** The upper bounds of one power of two's buckets, as fractions in [0.5, 1), for each schema above 0. */
const fractionBounds = new Map<number, readonly number[]>()

function boundsOf(schema: number): readonly number[] {
  let bounds = fractionBounds.get(schema)
  if (bounds === undefined) {
    const perOctave = 2 ** schema
    bounds = Array.from({ length: perOctave }, (_, j) => 2 ** (j / perOctave - 1))
    fractionBounds.set(schema, bounds)
  }
  return bounds
}

const float = new DataView(new ArrayBuffer(8))

/**
 * `[fraction, exponent]` with `value = fraction * 2^exponent` and fraction in [0.5, 1), as C's frexp; value > 0 and
 * finite. Read off the bits of the double, so exact.
 */
function frexp(value: number): [number, number] {
  float.setFloat64(0, value)
  const high = float.getUint16(0)
  const biased = (high >>> 4) & 0x7ff
  if (biased === 0) {
    // Subnormal: scaled into the normal range first.
    const [fraction, exponent] = frexp(value * 2 ** 64)
    return [fraction, exponent - 64]
  }
  // The same bits with the exponent of [0.5, 1).
  float.setUint16(0, (high & 0x800f) | (1022 << 4))
  return [float.getFloat64(0), biased - 1022]
}

/**
 * The index of the native bucket that holds a positive magnitude at a schema: bucket `i` holds the values in
 * (base^(i-1), base^i], base = 2^(2^-schema), as client_golang and Prometheus number them. Infinity goes to the
 * bucket above the largest finite value.
 */
export function nativeBucketIndex(magnitude: number, schema: number): number {
  if (magnitude === Infinity) return nativeBucketIndex(Number.MAX_VALUE, schema) + 1
  const [fraction, exponent] = frexp(magnitude)
  if (schema > 0) {
    const bounds = boundsOf(schema)
    let j = 0
    while (j < bounds.length && (bounds[j] as number) < fraction) j++
    return j + (exponent - 1) * bounds.length
  }
  // At schema 0 and below a bucket spans 2^-schema powers of two; an exact power of two ends its bucket.
  const key = fraction === 0.5 ? exponent - 1 : exponent
  return (key + (1 << -schema) - 1) >> -schema
}

/** A run of consecutive native buckets: `offset` buckets after the end of the previous span (after 0 for the first). */
export interface BucketSpan {
  readonly offset: number
  readonly length: number
}

/** The buckets of one sign of a native histogram: spans, and the count of each bucket they cover, in order. */
export interface SparseBuckets {
  readonly spans: readonly BucketSpan[]
  readonly counts: readonly number[]
}

/**
 * Spans and counts from `[index, count]` pairs sorted by index. As client_golang does, gaps of one or two buckets are
 * filled with empty buckets rather than starting a new span.
 */
export function sparseBuckets(sorted: readonly (readonly [number, number])[]): SparseBuckets {
  const spans: { offset: number; length: number }[] = []
  const counts: number[] = []
  let next = 0
  for (const [index, count] of sorted) {
    const gap = index - next
    const span = spans[spans.length - 1]
    if (span === undefined || gap > 2) spans.push({ offset: gap, length: 1 })
    else {
      for (let i = 0; i < gap; i++) counts.push(0)
      span.length += gap + 1
    }
    counts.push(count)
    next = index + 1
  }
  return { spans, counts }
}

/** How {@link nativeBucketsOf} and {@link nativeBucketsOfClassic} lay out the buckets. */
export interface NativeLayout {
  /** From -4 (coarsest) to 8 (finest); default {@link defaultNativeSchema}. */
  readonly schema?: number
  /** Observations with a magnitude up to this go to the zero bucket; default {@link defaultZeroThreshold}. */
  readonly zeroThreshold?: number
}

/** The buckets of a native histogram, as {@link nativeBucketsOf} computes them for `constNativeHistogram`. */
export interface ComputedNativeBuckets {
  readonly count: number
  readonly sum: number
  readonly schema: number
  readonly zeroThreshold: number
  readonly zeroCount: number
  /** Bucket index to count. */
  readonly positiveBuckets: ReadonlyMap<number, number>
  readonly negativeBuckets: ReadonlyMap<number, number>
}

class BucketTally {
  zeroCount = 0
  readonly positiveBuckets = new Map<number, number>()
  readonly negativeBuckets = new Map<number, number>()

  constructor(
    readonly schema: number,
    readonly zeroThreshold: number,
  ) {}

  add(value: number, count: number): void {
    const magnitude = Math.abs(value)
    if (magnitude <= this.zeroThreshold) {
      this.zeroCount += count
      return
    }
    const buckets = value > 0 ? this.positiveBuckets : this.negativeBuckets
    const index = nativeBucketIndex(magnitude, this.schema)
    buckets.set(index, (buckets.get(index) ?? 0) + count)
  }

  result(count: number, sum: number): ComputedNativeBuckets {
    const { schema, zeroThreshold, zeroCount, positiveBuckets, negativeBuckets } = this
    return { count, sum, schema, zeroThreshold, zeroCount, positiveBuckets, negativeBuckets }
  }
}

/**
 * Native buckets of raw observations (a NaN is counted, and makes the sum NaN, but lands in no bucket), for
 * `constNativeHistogram`: `constNativeHistogram(desc, nativeBucketsOf(latencies, { schema: 3 }))`.
 */
export function nativeBucketsOf(observations: Iterable<number>, layout: NativeLayout = {}): ComputedNativeBuckets {
  const tally = new BucketTally(layout.schema ?? defaultNativeSchema, layout.zeroThreshold ?? defaultZeroThreshold)
  let count = 0
  let sum = 0
  for (const value of observations) {
    count++
    sum += value
    if (!Number.isNaN(value)) tally.add(value, 1)
  }
  return tally.result(count, sum)
}

/**
 * Native buckets of a classic histogram's data. Each classic bucket's observations are counted in the native bucket
 * that holds its upper bound, and those above the largest finite bound in the native bucket just above it: exact
 * when the classic bounds are native boundaries (powers of 2^(2^-schema)), an approximation otherwise.
 */
export function nativeBucketsOfClassic(data: HistogramData, layout: NativeLayout = {}): ComputedNativeBuckets {
  const tally = new BucketTally(layout.schema ?? defaultNativeSchema, layout.zeroThreshold ?? defaultZeroThreshold)
  const bounds = [...data.buckets].filter(([bound]) => bound !== Infinity).sort(([a], [b]) => a - b)
  let below = 0
  for (const [bound, cumulativeCount] of bounds) {
    if (cumulativeCount > below) tally.add(bound, cumulativeCount - below)
    below = Math.max(below, cumulativeCount)
  }
  if (data.count > below) {
    const top = bounds[bounds.length - 1]?.[0] ?? tally.zeroThreshold
    // Just above the largest bound: its own bucket's next one, or the first past the zero bucket.
    const above = Math.max(top, tally.zeroThreshold)
    const index = nativeBucketIndex(above, tally.schema) + 1
    tally.positiveBuckets.set(index, (tally.positiveBuckets.get(index) ?? 0) + data.count - below)
  }
  return tally.result(data.count, data.sum)
}
