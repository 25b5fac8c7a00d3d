import t from 'tap'
import { Desc, constHistogram, constMetric, constSummary, histogramBuckets } from '../src/index.js'
import { refuses } from './helpers/refuses.js'

const plain = new Desc({ name: 'x', help: 'h' })
const labeled = new Desc({ name: 'y', help: 'h', variableLabels: ['a', 'b'] })

t.test('constMetric builds counters, gauges and untyped metrics with copied label values', async (t) => {
  const values = ['1', '2']
  const metric = constMetric(labeled, 'gauge', -1.5, values, { timestampMs: 1000 })
  values[0] = 'changed'
  t.same(metric, {
    desc: labeled,
    labelValues: ['1', '2'],
    timestampMs: 1000,
    type: 'gauge',
    value: -1.5,
    exemplar: undefined,
  })
  t.ok(Number.isNaN(constMetric(plain, 'untyped', NaN).value))
  t.equal(constMetric(plain, 'counter', 0).value, 0)
  const withExemplar = constMetric(plain, 'counter', 3, [], {
    exemplar: { labels: { trace_id: 'abc' }, value: 1, timestampMs: 5 },
  })
  t.same(withExemplar.exemplar, { labels: { trace_id: 'abc' }, value: 1, timestampMs: 5 })
})

t.test('constMetric refuses what Prometheus would not accept, naming the metric', async (t) => {
  refuses(
    t,
    () => constMetric(labeled, 'gauge', 1, ['only one']),
    'PROMKIT_ERR_LABEL_CARDINALITY',
    'metric "y" has 2 variable labels named ["a","b"] but 1 values ["only one"] were provided',
  )
  refuses(
    t,
    () => constMetric(labeled, 'gauge', 1, 'ab' as unknown as string[]),
    'PROMKIT_ERR_LABEL_CARDINALITY',
    'metric "y" has 2 variable labels named ["a","b"] but 0 values "ab" were provided',
  )
  refuses(
    t,
    () => constMetric(labeled, 'gauge', 1, ['1', 2 as unknown as string]),
    'PROMKIT_ERR_INVALID_LABEL_VALUE',
    'metric "y", label "b": label value 2 is a number, not a string',
  )
  refuses(
    t,
    () => constMetric(labeled, 'gauge', 1, ['1', 'bad \udc00']),
    'PROMKIT_ERR_INVALID_LABEL_VALUE',
    'metric "y", label "b": label value "bad \\udc00" is not valid UTF-8 (it has a lone surrogate)',
  )
  refuses(
    t,
    () => constMetric(plain, 'counter', -1),
    'PROMKIT_ERR_INVALID_VALUE',
    'metric "x": counter value -1 must be a non-negative number',
  )
  refuses(
    t,
    () => constMetric(plain, 'counter', NaN),
    'PROMKIT_ERR_INVALID_VALUE',
    'metric "x": counter value NaN must be a non-negative number',
  )
  refuses(
    t,
    () => constMetric(plain, 'gauge', '1' as unknown as number),
    'PROMKIT_ERR_INVALID_VALUE',
    'metric "x": value "1" is not a number',
  )
  refuses(
    t,
    () => constMetric(plain, 'gauge', undefined as unknown as number),
    'PROMKIT_ERR_INVALID_VALUE',
    'metric "x": value undefined is not a number',
  )
  refuses(
    t,
    () => constMetric(plain, 'histogram' as 'gauge', 1),
    'PROMKIT_ERR_INVALID_OPTION',
    'metric "x": type "histogram" is not counter, gauge or untyped',
  )
  refuses(
    t,
    () => constMetric(plain, 'gauge', 1, [], { timestampMs: Infinity }),
    'PROMKIT_ERR_INVALID_VALUE',
    'metric "x": timestamp Infinity is not a finite number',
  )
  refuses(
    t,
    () => constMetric(plain, 'gauge', 1, [], { exemplar: { labels: {}, value: 1 } }),
    'PROMKIT_ERR_INVALID_EXEMPLAR',
    'metric "x": exemplars belong to counters and histogram buckets, not to a gauge',
  )
  refuses(
    t,
    () => constMetric(plain, 'gauge', 1, [], { createdTimestampMs: 1 } as never),
    'PROMKIT_ERR_INVALID_OPTION',
    'metric "x": created timestamps belong to counters, histograms and summaries, not to a gauge',
  )
  refuses(
    t,
    () => constSummary(plain, { count: 1, sum: 1, quantiles: [] }, [], { createdTimestampMs: Number.NaN }),
    'PROMKIT_ERR_INVALID_VALUE',
    'metric "x": created timestamp NaN is not a finite number',
  )
  refuses(
    t,
    () => constMetric(new Desc({ name: 'bad name', help: '' }), 'gauge', 1),
    'PROMKIT_ERR_INVALID_METRIC_NAME',
    'descriptor "bad name": "bad name" is not a valid metric name (want [a-zA-Z_:][a-zA-Z0-9_:]*)',
  )
})

t.test('exemplars are checked: labels, the 128-character limit, value and timestamp', async (t) => {
  const exemplar = (labels: Record<string, string>, value: unknown = 1, timestampMs?: unknown) =>
    constMetric(plain, 'counter', 1, [], {
      exemplar: { labels, value: value as number, timestampMs: timestampMs as number },
    })
  t.equal(exemplar({ a: 'x'.repeat(127) }).exemplar?.labels.a?.length, 127, 'exactly 128 characters is allowed')
  t.equal(exemplar({ a: '€'.repeat(127) }).exemplar?.labels.a?.length, 127, 'characters, not bytes, are counted')
  refuses(
    t,
    () => exemplar({ a: 'x'.repeat(128) }),
    'PROMKIT_ERR_INVALID_EXEMPLAR',
    'metric "x": exemplar labels have 129 characters, more than the 128 OpenMetrics allows',
  )
  refuses(
    t,
    () => exemplar({ 'bad-name': 'v' }),
    'PROMKIT_ERR_INVALID_EXEMPLAR',
    'metric "x": exemplar: "bad-name" is not a valid label name (want [a-zA-Z_][a-zA-Z0-9_]*)',
  )
  refuses(
    t,
    () => exemplar({ a: '\ud800' }),
    'PROMKIT_ERR_INVALID_EXEMPLAR',
    'metric "x": exemplar label "a": label value "\\ud800" is not valid UTF-8 (it has a lone surrogate)',
  )
  refuses(
    t,
    () => exemplar({}, 'one'),
    'PROMKIT_ERR_INVALID_EXEMPLAR',
    'metric "x": exemplar value "one" is not a number',
  )
  refuses(
    t,
    () => exemplar({}, 1, NaN),
    'PROMKIT_ERR_INVALID_EXEMPLAR',
    'metric "x": exemplar timestamp NaN is not a finite number',
  )
  refuses(
    t,
    () => constMetric(plain, 'counter', 1, [], { exemplar: null as never }),
    'PROMKIT_ERR_INVALID_EXEMPLAR',
    'metric "x": exemplar must be an object with labels and a value',
  )
})

t.test('constHistogram sorts buckets, adds +Inf from the count and places exemplars by value', async (t) => {
  const histogram = constHistogram(plain, {
    count: 10,
    sum: 4.5,
    buckets: new Map([
      [1, 7],
      [0.5, 3],
    ]),
    exemplars: [
      { labels: { trace_id: 'a' }, value: 0.7 },
      { labels: { trace_id: 'b' }, value: 99 },
      { labels: { trace_id: 'c' }, value: 0.1 },
    ],
  })
  t.same(histogramBuckets(histogram), [
    { upperBound: 0.5, cumulativeCount: 3, exemplar: { labels: { trace_id: 'c' }, value: 0.1 } },
    { upperBound: 1, cumulativeCount: 7, exemplar: { labels: { trace_id: 'a' }, value: 0.7 } },
    { upperBound: Infinity, cumulativeCount: 10, exemplar: { labels: { trace_id: 'b' }, value: 99 } },
  ])
  const explicitInf = constHistogram(plain, {
    count: 2,
    sum: 1,
    buckets: [
      [Infinity, 2],
      [1, 1],
    ],
  })
  t.same(
    [...explicitInf.bounds.entries()].map(([i, bound]) => [bound, explicitInf.cumulativeCounts[i]]),
    [
      [1, 1],
      [Infinity, 2],
    ],
  )
  t.same(constHistogram(plain, { count: 0, sum: 0, buckets: [] }).bounds, [Infinity])
  const nanExemplar = constHistogram(plain, {
    count: 1,
    sum: 1,
    buckets: [[1, 1]],
    exemplars: [{ labels: {}, value: NaN }],
  })
  t.same(
    histogramBuckets(nanExemplar).map((b) => b.exemplar !== undefined),
    [false, true],
    'an exemplar of NaN goes to the +Inf bucket',
  )
  t.equal(explicitInf.exemplars, undefined, 'no exemplar, no column of them')
  const again = constHistogram(plain, { count: 4, sum: 1, buckets: [[1, 3]] })
  t.equal(again.bounds, nanExemplar.bounds, "the same bounds as the descriptor's last histogram: the same array")
  t.not(constHistogram(plain, { count: 4, sum: 1, buckets: [[2, 3]] }).bounds, again.bounds, 'other bounds: a new one')
  t.same(constHistogram(plain, { count: 4, sum: 1, buckets: [[-0, 3]] }).bounds, [-0, Infinity])
  t.ok(Object.is(constHistogram(plain, { count: 4, sum: 1, buckets: [[0, 3]] }).bounds[0], 0), '0 and -0 differ')
})

t.test('constHistogram refuses broken buckets', async (t) => {
  refuses(
    t,
    () =>
      constHistogram(plain, {
        count: 5,
        sum: 1,
        buckets: [
          [1, 4],
          [2, 3],
        ],
      }),
    'PROMKIT_ERR_INVALID_BUCKETS',
    'metric "x": buckets are not cumulative: bucket le=1 has 4 observations, more than bucket le=2 with 3',
  )
  refuses(
    t,
    () => constHistogram(plain, { count: 3, sum: 1, buckets: [[1, 4]] }),
    'PROMKIT_ERR_INVALID_BUCKETS',
    'metric "x": buckets are not cumulative: bucket le=1 has 4 observations, more than the count 3',
  )
  refuses(
    t,
    () =>
      constHistogram(plain, {
        count: 3,
        sum: 1,
        buckets: [
          [1, 1],
          [1, 2],
        ],
      }),
    'PROMKIT_ERR_INVALID_BUCKETS',
    'metric "x": bucket bound 1 is given twice',
  )
  refuses(
    t,
    () => constHistogram(plain, { count: 3, sum: 1, buckets: [[NaN, 1]] }),
    'PROMKIT_ERR_INVALID_BUCKETS',
    'metric "x": bucket bound NaN is not a number',
  )
  refuses(
    t,
    () => constHistogram(plain, { count: 3, sum: 1, buckets: [[Infinity, 2]] }),
    'PROMKIT_ERR_INVALID_BUCKETS',
    'metric "x": the +Inf bucket has 2 observations but count is 3; they must be equal',
  )
  refuses(
    t,
    () => constHistogram(plain, { count: 3, sum: 1, buckets: [[1, -1]] }),
    'PROMKIT_ERR_INVALID_VALUE',
    'metric "x": count of bucket le=1 -1 must be a non-negative number',
  )
  refuses(
    t,
    () => constHistogram(plain, { count: -3, sum: 1, buckets: [] }),
    'PROMKIT_ERR_INVALID_VALUE',
    'metric "x": histogram count -3 must be a non-negative number',
  )
  refuses(
    t,
    () => constHistogram(plain, { count: 3, sum: 'x' as unknown as number, buckets: [] }),
    'PROMKIT_ERR_INVALID_VALUE',
    'metric "x": histogram sum "x" is not a number',
  )
})

t.test('constSummary sorts quantiles and refuses ones outside [0, 1]', async (t) => {
  const summary = constSummary(
    labeled,
    {
      count: 4,
      sum: 2,
      quantiles: new Map([
        [0.99, 3],
        [0.5, NaN],
      ]),
    },
    ['1', '2'],
  )
  t.same(
    summary.quantiles.map((q) => q.quantile),
    [0.5, 0.99],
  )
  t.ok(Number.isNaN(summary.quantiles[0]?.value))
  t.equal(summary.quantiles[1]?.value, 3)
  refuses(
    t,
    () => constSummary(plain, { count: 1, sum: 1, quantiles: [[1.5, 1]] }),
    'PROMKIT_ERR_INVALID_QUANTILE',
    'metric "x": quantile 1.5 is not within [0, 1]',
  )
  refuses(
    t,
    () => constSummary(plain, { count: 1, sum: 1, quantiles: [[-0.1, 1]] }),
    'PROMKIT_ERR_INVALID_QUANTILE',
    'metric "x": quantile -0.1 is not within [0, 1]',
  )
  refuses(
    t,
    () => constSummary(plain, { count: 1, sum: 1, quantiles: [[NaN, 1]] }),
    'PROMKIT_ERR_INVALID_QUANTILE',
    'metric "x": quantile NaN is not within [0, 1]',
  )
  refuses(
    t,
    () =>
      constSummary(plain, {
        count: 1,
        sum: 1,
        quantiles: [
          [0.5, 1],
          [0.5, 2],
        ],
      }),
    'PROMKIT_ERR_INVALID_QUANTILE',
    'metric "x": quantile 0.5 is given twice',
  )
  refuses(
    t,
    () => constSummary(plain, { count: 1, sum: 1, quantiles: [[0.5, '1' as unknown as number]] }),
    'PROMKIT_ERR_INVALID_VALUE',
    'metric "x": value of quantile 0.5 "1" is not a number',
  )
})
