import fc from 'fast-check'
import t from 'tap'
import {
  Desc,
  Registry,
  constNativeHistogram,
  encode,
  nativeBucketIndex,
  nativeBucketsOf,
  nativeBucketsOfClassic,
} from '../src/index.js'
import { sparseBuckets } from '../src/native-buckets.js'
import { refuses } from './helpers/refuses.js'

const desc = new Desc({ name: 'wait_seconds', help: 'Waits.', variableLabels: ['queue'] })

t.test('bucket indexes at every kind of schema, as Prometheus numbers them', async (t) => {
  const cases: [number, number, number][] = [
    // [value, schema, index]: bucket i holds (base^(i-1), base^i].
    [1, 0, 0],
    [1.5, 0, 1],
    [2, 0, 1],
    [2.0000001, 0, 2],
    [0.5, 0, -1],
    [0.3, 0, -1],
    [0.25, 0, -2],
    [1, 3, 0],
    [2, 3, 8],
    [1.09, 3, 1],
    [1.0906, 3, 2],
    [3, 2, 7],
    [100, 2, 27],
    [4, -1, 1],
    [4.5, -1, 2],
    [2 ** -5, -1, -2],
    [2 ** -4, -1, -2],
    [2 ** -6, -1, -3],
    [65536, -4, 1],
    [65537, -4, 2],
    [1, -4, 0],
    [1 / 65536, -4, -1],
    [5e-324, 0, -1074],
    [Number.MAX_VALUE, 0, 1024],
    [Number.POSITIVE_INFINITY, 0, 1025],
    [Number.MAX_VALUE, 8, 262_144],
  ]
  for (const [value, schema, index] of cases) {
    t.equal(nativeBucketIndex(value, schema), index, `${value} at schema ${schema}`)
  }
})

t.test('every positive value lands in the bucket whose bounds hold it', async (t) => {
  fc.assert(
    fc.property(
      fc.double({ min: 1e-300, max: 1e300, noNaN: true }),
      fc.integer({ min: -4, max: 8 }),
      (value, schema) => {
        const index = nativeBucketIndex(value, schema)
        const base = 2 ** (2 ** -schema)
        // Checked away from the bounds, where the two ways of computing them may differ in the last bit.
        return value <= base ** index * (1 + 1e-12) && value > base ** (index - 1) * (1 - 1e-12)
      },
    ),
    { numRuns: 2000 },
  )
  t.pass('2,000 random values and schemas')
})

t.test('observations and classic histograms become native buckets', async (t) => {
  t.same(nativeBucketsOf([0.75, 1, 1.5, 2, 0, -3, Number.NaN, 1e-40], { schema: 0 }), {
    count: 8,
    sum: Number.NaN,
    schema: 0,
    zeroThreshold: 2 ** -128,
    zeroCount: 2,
    positiveBuckets: new Map([
      [0, 2],
      [1, 2],
    ]),
    negativeBuckets: new Map([[2, 1]]),
  })
  t.same(nativeBucketsOf([]), {
    count: 0,
    sum: 0,
    schema: 3,
    zeroThreshold: 2 ** -128,
    zeroCount: 0,
    positiveBuckets: new Map(),
    negativeBuckets: new Map(),
  })
  const classic = nativeBucketsOfClassic(
    {
      count: 12,
      sum: 30,
      buckets: [
        [4, 9],
        [1, 3],
        [2, 3],
        [0, 1],
        [-1, 1],
        [Number.POSITIVE_INFINITY, 12],
      ],
    },
    { schema: 0, zeroThreshold: 0 },
  )
  t.same(classic, {
    count: 12,
    sum: 30,
    schema: 0,
    zeroThreshold: 0,
    zeroCount: 0,
    // le=1 holds 2 more, le=4 six more: buckets 0 and 2; the three above 4 go just above it, to bucket 3.
    positiveBuckets: new Map([
      [0, 2],
      [2, 6],
      [3, 3],
    ]),
    negativeBuckets: new Map([[0, 1]]),
  })
  const onlyInf = nativeBucketsOfClassic({ count: 2, sum: 1, buckets: [] }, { schema: 1, zeroThreshold: 0.5 })
  t.same(onlyInf.positiveBuckets, new Map([[-1, 2]]), 'no finite bound: just past the zero bucket, (0.5, 0.707]')
  t.equal(onlyInf.zeroCount, 0)
  t.same(
    nativeBucketsOfClassic({ count: 1, sum: 0.75, buckets: [[1, 1]] }).positiveBuckets,
    new Map([[0, 1]]),
    'at schema 3 by default',
  )
  const native = constNativeHistogram(desc, classic, ['q'])
  t.equal(native.native?.schema, 0, 'the result feeds constNativeHistogram')
})

t.test('text and OpenMetrics show a native histogram by its classic buckets, or +Inf alone', async (t) => {
  const registry = new Registry()
  registry.register({
    describe: () => [desc],
    collect(emit) {
      emit(constNativeHistogram(desc, nativeBucketsOf([1, 2]), ['native']))
      emit(
        constNativeHistogram(
          desc,
          {
            ...nativeBucketsOf([1, 2]),
            buckets: [[1, 1]],
            exemplars: [{ labels: { id: 'a' }, value: 1, timestampMs: 1000 }],
          },
          ['both'],
        ),
      )
    },
  })
  const { families } = await registry.gather()
  t.equal(
    encode(families, 'openmetrics'),
    [
      '# TYPE wait_seconds histogram',
      '# HELP wait_seconds Waits.',
      'wait_seconds_bucket{queue="both",le="1.0"} 1 # {id="a"} 1 1',
      'wait_seconds_bucket{queue="both",le="+Inf"} 2',
      'wait_seconds_sum{queue="both"} 3',
      'wait_seconds_count{queue="both"} 2',
      'wait_seconds_bucket{queue="native",le="+Inf"} 2',
      'wait_seconds_sum{queue="native"} 3',
      'wait_seconds_count{queue="native"} 2',
      '# EOF',
      '',
    ].join('\n'),
  )
})

t.test('spans: gaps of up to two buckets are filled, longer ones start a span', async (t) => {
  t.same(sparseBuckets([]), { spans: [], counts: [] })
  t.same(
    sparseBuckets([
      [-3, 1],
      [-1, 2],
      [0, 3],
      [3, 4],
      [7, 5],
    ]),
    {
      spans: [
        { offset: -3, length: 7 },
        { offset: 3, length: 1 },
      ],
      counts: [1, 0, 2, 3, 0, 0, 4, 5],
    },
  )
})

t.test('bad native histograms are refused with what and where', async (t) => {
  const code = 'PROMKIT_ERR_INVALID_NATIVE_HISTOGRAM'
  const base = { count: 1, sum: 1, schema: 0, positiveBuckets: [[0, 1]] as [number, number][] }
  const cases: [object, string][] = [
    [{ schema: 9 }, 'schema 9 is not an integer from -4 to 8'],
    [{ schema: -5 }, 'schema -5 is not an integer from -4 to 8'],
    [{ schema: 1.5 }, 'schema 1.5 is not an integer from -4 to 8'],
    [{ count: 1.5 }, 'histogram count 1.5 is not a count'],
    [{ zeroThreshold: -1 }, 'zero threshold -1 is not a finite non-negative number'],
    [{ zeroThreshold: Number.POSITIVE_INFINITY }, 'zero threshold Infinity is not a finite non-negative number'],
    [{ zeroThreshold: '0' }, 'zero threshold "0" is not a finite non-negative number'],
    [{ zeroCount: -1 }, 'zero bucket count -1 is not a count'],
    [{ positiveBuckets: [[0.5, 1]] }, 'positive bucket index 0.5 is not a 32-bit integer'],
    [{ negativeBuckets: [[2 ** 31, 1]], count: 2 }, 'negative bucket index 2147483648 is not a 32-bit integer'],
    [
      {
        positiveBuckets: [
          [1, 1],
          [1, 0],
        ],
      },
      'positive bucket 1 is given twice',
    ],
    [{ positiveBuckets: [[1, -1]] }, 'count of positive bucket 1 -1 is not a count'],
    [
      { count: 2 },
      'the buckets hold 1 observations but count is 2; they must be equal (only NaN observations are in no bucket, ' +
        'and then the sum is NaN)',
    ],
    [
      { zeroCount: 1 },
      'the buckets hold 2 observations but count is 1; they must be equal (only NaN observations are in no bucket, ' +
        'and then the sum is NaN)',
    ],
  ]
  for (const [change, message] of cases) {
    refuses(
      t,
      () => constNativeHistogram(desc, { ...base, ...change } as never, ['q']),
      code,
      `metric "wait_seconds": ${message}`,
    )
  }
  refuses(
    t,
    () =>
      constNativeHistogram(desc, { ...base, exemplars: [{ labels: {}, value: 1 }] }, ['q'], { createdTimestampMs: 1 }),
    'PROMKIT_ERR_INVALID_EXEMPLAR',
    'metric "wait_seconds": exemplar of value 1 has no timestamp, which native histograms require',
  )
  const nanObservation = constNativeHistogram(desc, { ...base, count: 2, sum: Number.NaN }, ['q'])
  t.equal(nanObservation.count, 2, 'a NaN observation is counted in no bucket, with a NaN sum')
})
