// Peers: promtool
import fc from 'fast-check'
import t from 'tap'
import {
  type Collector,
  Desc,
  type Metric,
  Registry,
  constHistogram,
  constMetric,
  constNativeHistogram,
  constSummary,
  encode,
  encodeProtobuf,
  nativeBucketsOf,
} from '../src/index.js'
import { parseExposition } from './helpers/exposition-parser.js'
import { decodeFamilies } from './helpers/protobuf.js'
import { promtoolCheckMetrics } from './helpers/promtool.js'

const labelValue = fc
  .string({ unit: 'grapheme', maxLength: 20 })
  .chain((s) => fc.constantFrom(s, `${s}\\"\n`, `"${s}\\n`))
const anyDouble = fc.double()
const labelName = fc
  .stringMatching(/^[a-z][a-z0-9_]{0,8}$/)
  .filter((name) => !name.startsWith('__') && name !== 'le' && name !== 'quantile')

/** A decoded family, as much of it as these tests read. */
interface ProtoFamily {
  name: string
  help: string
  metric: {
    label: { name: string; value: string }[]
    gauge: { value: number | string } | null
    timestampMs: number
    histogram: {
      sampleCount: number
      sampleSum: number | string
      bucket: { cumulativeCount: number; upperBound: number | string }[]
      schema: number
      zeroCount: number
      positiveSpan: { offset: number; length: number }[]
      positiveDelta: number[]
      negativeSpan: { offset: number; length: number }[]
      negativeDelta: number[]
    } | null
    summary: { sampleCount: number; sampleSum: number | string; quantile: { quantile: number; value: number }[] } | null
  }[]
}

/** A number decodeFamilies gave, NaN and infinities back from their strings. */
function protoNumber(value: number | string | undefined): number | undefined {
  return typeof value === 'string' ? Number(value) : value
}

/** Bucket index to count, from spans and deltas. */
function bucketsOfSpans(spans: { offset: number; length: number }[], deltas: number[]): Map<number, number> {
  const buckets = new Map<number, number>()
  let index = 0
  let position = 0
  let count = 0
  for (const span of spans) {
    index += span.offset
    for (let i = 0; i < span.length; i++) {
      count += deltas[position++] as number
      if (count !== 0) buckets.set(index, count)
      index++
    }
  }
  return buckets
}

function sameNumber(a: number | undefined, b: number): boolean {
  return Object.is(a, b) || (a === 0 && b === 0) || (Number.isNaN(a) && Number.isNaN(b))
}

async function gatherOne(metrics: Metric[]) {
  const registry = new Registry()
  const collector: Collector = { describe: () => [], collect: (emit) => metrics.forEach(emit) }
  registry.register(collector)
  return registry.gather()
}

t.test('any label values and any doubles parse back to what was emitted, in both formats', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(labelName, { minLength: 1, maxLength: 4 }),
      fc.array(fc.tuple(fc.array(labelValue, { minLength: 4, maxLength: 4 }), anyDouble), {
        minLength: 1,
        maxLength: 20,
      }),
      fc.option(fc.integer({ min: 0, max: 4_102_444_800_000 }), { nil: undefined }),
      async (names, rows, timestampMs) => {
        const desc = new Desc({ name: 'prop_value', help: 'Random "help" \\ with\nlines ☃.', variableLabels: names })
        const metrics = rows.map(([values, value]) =>
          constMetric(desc, 'gauge', value, values.slice(0, names.length), { timestampMs }),
        )
        const { families, errors } = await gatherOne(metrics)
        const kept = families[0]?.metrics ?? []
        t.equal(kept.length + errors.reduce((n, e) => n + e.occurrences, 0), metrics.length)
        for (const format of ['text', 'openmetrics'] as const) {
          const parsed = parseExposition(encode(families, format), format)
          if (parsed.help.get('prop_value') !== desc.help) return false
          if (parsed.samples.length !== kept.length) return false
          for (const [i, sample] of parsed.samples.entries()) {
            const metric = kept[i] as Metric & { value: number }
            const expected = Object.fromEntries(
              names
                .map((name, j) => [name, metric.labelValues[j]])
                .sort(([a], [b]) => ((a as string) < (b as string) ? -1 : 1)),
            )
            if (JSON.stringify(sample.labels) !== JSON.stringify(expected)) return false
            if (!sameNumber(sample.value, metric.value)) return false
            const timestamp =
              timestampMs === undefined ? undefined : format === 'text' ? timestampMs : timestampMs / 1000
            if (sample.timestamp !== timestamp) return false
          }
        }
        const [decoded] = decodeFamilies<ProtoFamily>(encodeProtobuf(families))
        if (kept.length > 0 && decoded?.help !== desc.help) return false
        for (const [i, metric] of (decoded?.metric ?? []).entries()) {
          const emitted = kept[i] as Metric & { value: number }
          const labels = Object.fromEntries(metric.label.map((pair) => [pair.name, pair.value]))
          const expected = Object.fromEntries(names.map((name, j) => [name, emitted.labelValues[j]]))
          if (JSON.stringify(Object.entries(labels).sort()) !== JSON.stringify(Object.entries(expected).sort()))
            return false
          if (!sameNumber(protoNumber(metric.gauge?.value), emitted.value)) return false
          if (metric.timestampMs !== (timestampMs ?? 0)) return false
        }
        return true
      },
    ),
    { numRuns: 300 },
  )
  t.pass('300 random label sets and values round-tripped, in all three formats')
})

t.test('histogram and summary numbers parse back, buckets and quantiles included', async (t) => {
  const bound = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 })
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(bound, { minLength: 0, maxLength: 8, comparator: (a, b) => a === b }),
      fc.uniqueArray(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 5, comparator: (a, b) => a === b }),
      fc.nat({ max: 1_000_000 }),
      anyDouble,
      async (bounds, quantiles, count, sum) => {
        const sorted = [...bounds].sort((a, b) => a - b)
        const buckets = sorted.map(
          (le, i) => [le, Math.floor((count * i) / Math.max(1, sorted.length))] as [number, number],
        )
        const histogram = constHistogram(new Desc({ name: 'prop_hist', help: 'h' }), { count, sum, buckets })
        const summary = constSummary(new Desc({ name: 'prop_summary', help: 'h' }), {
          count,
          sum,
          quantiles: quantiles.map((q) => [q, q * 10] as [number, number]),
        })
        const { families } = await gatherOne([histogram, summary])
        for (const format of ['text', 'openmetrics'] as const) {
          const { samples } = parseExposition(encode(families, format), format)
          const bucketSamples = samples.filter((s) => s.name === 'prop_hist_bucket')
          const expectedBuckets = [...buckets, [Infinity, count]]
          if (bucketSamples.length !== expectedBuckets.length) return false
          for (const [i, sample] of bucketSamples.entries()) {
            const [le, cumulative] = expectedBuckets[i] as [number, number]
            if (
              !sameNumber(Number(sample.labels.le === '+Inf' ? Infinity : sample.labels.le), le) ||
              sample.value !== cumulative
            )
              return false
          }
          const quantileSamples = samples.filter((s) => s.name === 'prop_summary')
          const expectedQuantiles = [...quantiles].sort((a, b) => a - b)
          if (!quantileSamples.every((s, i) => sameNumber(Number(s.labels.quantile), expectedQuantiles[i] as number)))
            return false
          if (!sameNumber(samples.find((s) => s.name === 'prop_hist_sum')?.value, sum)) return false
          if (samples.find((s) => s.name === 'prop_summary_count')?.value !== count) return false
        }
        const decoded = decodeFamilies<ProtoFamily>(encodeProtobuf(families))
        const decodedHistogram = decoded[0]?.metric[0]?.histogram
        const decodedSummary = decoded[1]?.metric[0]?.summary
        if (decodedHistogram?.sampleCount !== count || !sameNumber(protoNumber(decodedHistogram.sampleSum), sum))
          return false
        // The +Inf bucket is implied by the count in protobuf.
        const decodedBuckets = decodedHistogram.bucket.map((b) => [protoNumber(b.upperBound), b.cumulativeCount])
        if (JSON.stringify(decodedBuckets) !== JSON.stringify(buckets)) return false
        if (decodedSummary?.sampleCount !== count) return false
        const decodedQuantiles = decodedSummary.quantile.map((q) => q.quantile)
        if (JSON.stringify(decodedQuantiles) !== JSON.stringify([...quantiles].sort((a, b) => a - b))) return false
        return true
      },
    ),
    { numRuns: 200 },
  )
  t.pass('200 random histograms and summaries round-tripped, in all three formats')
})

t.test('native histograms of random observations decode back to their buckets', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.double({ min: -1e12, max: 1e12, noNaN: true }), { maxLength: 200 }),
      fc.integer({ min: -4, max: 8 }),
      fc.constantFrom(0, 2 ** -128, 0.001),
      async (observations, schema, zeroThreshold) => {
        const computed = nativeBucketsOf(observations, { schema, zeroThreshold })
        const metric = constNativeHistogram(new Desc({ name: 'prop_native', help: 'h' }), computed)
        const [decoded] = decodeFamilies<ProtoFamily>(encodeProtobuf((await gatherOne([metric])).families))
        const histogram = decoded?.metric[0]?.histogram
        if (histogram === undefined || histogram === null) return false
        const same = (a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>) =>
          JSON.stringify([...a].sort(([x], [y]) => x - y)) === JSON.stringify([...b].sort(([x], [y]) => x - y))
        return (
          histogram.sampleCount === observations.length &&
          sameNumber(protoNumber(histogram.sampleSum), computed.sum) &&
          histogram.schema === schema &&
          histogram.zeroCount === computed.zeroCount &&
          same(bucketsOfSpans(histogram.positiveSpan, histogram.positiveDelta), computed.positiveBuckets) &&
          same(bucketsOfSpans(histogram.negativeSpan, histogram.negativeDelta), computed.negativeBuckets)
        )
      },
    ),
    { numRuns: 300 },
  )
  t.pass('300 random native histograms round-tripped through protobuf')
})

t.test('a large randomized exposition passes promtool check metrics', async (t) => {
  const seed = 20261121
  const [families] = fc.sample(
    fc.array(
      fc.record({
        kind: fc.constantFrom('counter', 'gauge', 'histogram', 'summary'),
        labels: fc.uniqueArray(labelName, { minLength: 1, maxLength: 3 }),
        series: fc.array(
          fc.tuple(fc.array(labelValue, { minLength: 3, maxLength: 3 }), fc.double({ min: 0, max: 1e12, noNaN: true })),
          { minLength: 20, maxLength: 60 },
        ),
      }),
      { minLength: 80, maxLength: 80 },
    ),
    { seed, numRuns: 1 },
  ) as [{ kind: string; labels: string[]; series: [string[], number][] }[]]
  const metrics: Metric[] = []
  families.forEach((family, f) => {
    const name = `random_${f}_${family.kind === 'counter' ? 'events_total' : family.kind === 'gauge' ? 'level' : 'duration_seconds'}`
    const desc = new Desc({ name, help: `Random family ${f} of type ${family.kind}.`, variableLabels: family.labels })
    for (const [values, value] of family.series) {
      const labelValues = values.slice(0, family.labels.length)
      if (family.kind === 'counter' || family.kind === 'gauge')
        metrics.push(constMetric(desc, family.kind, value, labelValues))
      else if (family.kind === 'histogram')
        metrics.push(
          constHistogram(
            desc,
            {
              count: 10,
              sum: value,
              buckets: [
                [0.1, 2],
                [1, 5],
                [10, 9],
              ],
            },
            labelValues,
          ),
        )
      else
        metrics.push(
          constSummary(
            desc,
            {
              count: 10,
              sum: value,
              quantiles: [
                [0.5, value / 2],
                [0.99, value],
              ],
            },
            labelValues,
          ),
        )
    }
  })
  const gathered = await gatherOne(metrics)
  const text = encode(gathered.families, 'text')
  const series = gathered.families.reduce((n, family) => n + family.metrics.length, 0)
  t.ok(series > 1000, `${series} series in ${gathered.families.length} families, ${text.length} characters`)
  const result = promtoolCheckMetrics(text)
  t.equal(result.stderr, '')
  t.equal(result.status, 0)
  const parsed = parseExposition(text, 'text')
  t.equal(parsed.samples.length, text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length)
})

t.test('promtool does flag what it should, so the checks above can fail', async (t) => {
  const desc = new Desc({ name: 'camelCaseThing', help: 'h' })
  const { families } = await gatherOne([constMetric(desc, 'counter', 1)])
  const result = promtoolCheckMetrics(encode(families, 'text'))
  t.equal(result.status, 3)
  t.match(result.stderr + result.stdout, /counter metrics should have "_total" suffix/)
})
