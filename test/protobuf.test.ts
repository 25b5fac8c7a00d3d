import t from 'tap'
import {
  Desc,
  type Metric,
  type MetricFamily,
  Registry,
  constHistogram,
  constMetric,
  constNativeHistogram,
  constSummary,
  encodeBody,
  encodeProtobuf,
  metricsHandler,
} from '../src/index.js'
import { encodeProtobufChunks } from '../src/exposition/protobuf.js'
import { decodeFamilies } from './helpers/protobuf.js'

async function gathered(metrics: Metric[]): Promise<readonly MetricFamily[]> {
  const registry = new Registry()
  registry.register({ describe: () => [], collect: (emit) => metrics.forEach(emit) })
  const { families, errors } = await registry.gather()
  if (errors.length > 0) throw errors[0]
  return families
}

const at = 1_700_000_000_123

t.test('every field of every type, as protobufjs decodes it', async (t) => {
  const counter = new Desc({ name: 'jobs_total', help: 'Jobs ☃.', variableLabels: ['queue'] })
  const histogram = new Desc({ name: 'wait_seconds', help: 'Waits.', unit: 'seconds' })
  const summary = new Desc({ name: 'size_bytes', help: 'Sizes.', constLabels: { zone: 'a' } })
  const untyped = new Desc({ name: 'other', help: '' })
  const families = await gathered([
    constMetric(counter, 'counter', 7, ['ü'], {
      exemplar: { labels: { trace_id: 'x' }, value: 1.5, timestampMs: at },
      createdTimestampMs: -1234.5,
      timestampMs: -5,
    }),
    constMetric(counter, 'counter', 2.5, ['b'], { createdTimestampMs: 0 }),
    constHistogram(histogram, { count: 3.5, sum: 2, buckets: [[1, 1.5]], exemplars: [{ labels: {}, value: 9 }] }, [], {
      createdTimestampMs: at,
    }),
    constSummary(summary, { count: 2, sum: 3, quantiles: [[0.5, 1]] }, [], { createdTimestampMs: at }),
    constMetric(untyped, 'untyped', Number.NEGATIVE_INFINITY),
  ])
  t.same(decodeFamilies(encodeProtobuf(families), false), [
    {
      name: 'jobs_total',
      help: 'Jobs ☃.',
      type: 'COUNTER',
      metric: [
        {
          label: [{ name: 'queue', value: 'b' }],
          counter: { value: 2.5, createdTimestamp: {} },
        },
        {
          label: [{ name: 'queue', value: 'ü' }],
          counter: {
            value: 7,
            exemplar: {
              label: [{ name: 'trace_id', value: 'x' }],
              value: 1.5,
              timestamp: { seconds: 1_700_000_000, nanos: 123_000_000 },
            },
            createdTimestamp: { seconds: -2, nanos: 765_500_000 },
          },
          timestampMs: -5,
        },
      ],
    },
    { name: 'other', help: '', type: 'UNTYPED', metric: [{ untyped: { value: '-Infinity' } }] },
    {
      name: 'size_bytes',
      help: 'Sizes.',
      type: 'SUMMARY',
      metric: [
        {
          label: [{ name: 'zone', value: 'a' }],
          summary: {
            sampleCount: 2,
            sampleSum: 3,
            quantile: [{ quantile: 0.5, value: 1 }],
            createdTimestamp: { seconds: 1_700_000_000, nanos: 123_000_000 },
          },
        },
      ],
    },
    {
      name: 'wait_seconds',
      help: 'Waits.',
      type: 'HISTOGRAM',
      unit: 'seconds',
      metric: [
        {
          histogram: {
            sampleCountFloat: 3.5,
            sampleSum: 2,
            bucket: [
              { cumulativeCountFloat: 1.5, upperBound: 1 },
              { cumulativeCountFloat: 3.5, upperBound: 'Infinity', exemplar: { value: 9 } },
            ],
            createdTimestamp: { seconds: 1_700_000_000, nanos: 123_000_000 },
          },
        },
      ],
    },
  ])
})

t.test('families built by hand, and a gauge kept for its timestamp', async (t) => {
  const desc = new Desc({ name: 'temperature_celsius', help: 'Temperature.', variableLabels: ['room'] })
  const metrics = [constMetric(desc, 'gauge', 21.5, ['hall'], { timestampMs: at })]
  const byHand: MetricFamily = { name: 'temperature_celsius', help: 'Temperature.', type: 'gauge', unit: '', metrics }
  const expected = [
    {
      name: 'temperature_celsius',
      help: 'Temperature.',
      type: 'GAUGE',
      metric: [{ label: [{ name: 'room', value: 'hall' }], gauge: { value: 21.5 }, timestampMs: at }],
    },
  ]
  t.same(decodeFamilies(encodeProtobuf([byHand]), false), expected)
  t.same(decodeFamilies(encodeProtobuf(await gathered(metrics)), false), expected)
})

t.test('native histograms: schema, zero bucket, spans and deltas, exemplars, the empty one marked', async (t) => {
  const desc = new Desc({ name: 'latency_seconds', help: 'Latency.', variableLabels: ['case'] })
  const families = await gathered([
    constNativeHistogram(
      desc,
      {
        count: 9,
        sum: 20,
        schema: -1,
        zeroThreshold: 0.001,
        zeroCount: 1,
        positiveBuckets: new Map([
          [-2, 1],
          [0, 2],
          [6, 3],
        ]),
        negativeBuckets: [[1, 2]],
        exemplars: [{ labels: { trace_id: 'n' }, value: 3, timestampMs: at }],
      },
      ['full'],
      { createdTimestampMs: at },
    ),
    constNativeHistogram(desc, { count: 0, sum: 0, schema: 8, zeroThreshold: 0 }, ['empty']),
    constNativeHistogram(desc, { count: 0, sum: 0, schema: 8 }, ['empty, default zero bucket']),
  ])
  t.same(decodeFamilies(encodeProtobuf(families), false)[0]?.metric, [
    {
      label: [{ name: 'case', value: 'empty' }],
      histogram: {
        sampleCount: 0,
        sampleSum: 0,
        schema: 8,
        zeroThreshold: 0,
        zeroCount: 0,
        positiveSpan: [{}],
      },
    },
    {
      label: [{ name: 'case', value: 'empty, default zero bucket' }],
      histogram: { sampleCount: 0, sampleSum: 0, schema: 8, zeroThreshold: 2 ** -128, zeroCount: 0 },
    },
    {
      label: [{ name: 'case', value: 'full' }],
      histogram: {
        sampleCount: 9,
        sampleSum: 20,
        schema: -1,
        zeroThreshold: 0.001,
        zeroCount: 1,
        negativeSpan: [{ offset: 1, length: 1 }],
        negativeDelta: [2],
        // Buckets -2 and 0 share a span (the gap of one is filled with an empty bucket); 6 starts a new one.
        positiveSpan: [
          { offset: -2, length: 3 },
          { offset: 5, length: 1 },
        ],
        positiveDelta: [1, -1, 2, 1],
        exemplars: [
          {
            label: [{ name: 'trace_id', value: 'n' }],
            value: 3,
            timestamp: { seconds: 1_700_000_000, nanos: 123_000_000 },
          },
        ],
        createdTimestamp: { seconds: 1_700_000_000, nanos: 123_000_000 },
      },
    },
  ])
})

t.test('large messages, lengths of several bytes, and chunks cut between families', async (t) => {
  const wide = new Desc({ name: 'wide', help: 'h'.repeat(20_000), variableLabels: ['v'] })
  const many = Array.from({ length: 40 }, (_, i) => new Desc({ name: `f${i}`, help: 'One of many.' }))
  const families = await gathered([
    ...Array.from({ length: 3000 }, (_, i) => constMetric(wide, 'gauge', i, [`value-${i}`])),
    ...many.map((desc, i) => constMetric(desc, 'gauge', i)),
  ])
  const whole = encodeProtobuf(families)
  const decoded = decodeFamilies(whole, false)
  t.equal(decoded.length, 41)
  const wideFamily = decoded.find((family) => family.name === 'wide') as { help: string; metric: unknown[] }
  t.equal(wideFamily.help.length, 20_000, 'a help of 20,000 bytes, behind a three-byte length')
  t.equal(wideFamily.metric.length, 3000)
  const chunks = [...encodeProtobufChunks(families, { chunkSize: 100 })]
  t.equal(chunks.length, 14, '14 chunks: three small families to each, then the last one and the wide family')
  t.ok(
    chunks.slice(0, -1).every((chunk) => chunk.length >= 100),
    'a chunk is cut once it holds 100 bytes or more',
  )
  t.same(
    chunks.map((chunk) => decodeFamilies(chunk, false).length),
    [...Array.from({ length: 13 }, () => 3), 2],
    'each chunk holds whole families',
  )
  t.same(Buffer.concat(chunks), whole, 'the chunks are the whole, cut')
  const body = encodeBody(families, 'protobuf', { chunkSize: 100 })
  t.notOk(Buffer.isBuffer(body), 'a large body is streamed')
  const streamed: Buffer[] = []
  for await (const chunk of body as AsyncIterable<Buffer>) streamed.push(chunk)
  t.same(Buffer.concat(streamed), whole)
  t.same(encodeBody([], 'protobuf'), Buffer.alloc(0), 'no families: an empty body')
  t.same(decodeFamilies(encodeBody(families.slice(0, 1), 'protobuf') as Buffer, false)[0]?.name, 'f0')
})

t.test('the handler serves protobuf when asked, gzipped when accepted', async (t) => {
  const desc = new Desc({ name: 'up_things', help: 'Things up.', variableLabels: ['i'] })
  const registry = new Registry()
  registry.register({
    describe: () => [desc],
    collect: (emit) => {
      for (let i = 0; i < 200; i++) emit(constMetric(desc, 'gauge', i, [String(i)]))
    },
  })
  const { createServer } = await import('node:http')
  const server = createServer(metricsHandler(registry))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const { port } = server.address() as { port: number }
  const accept = 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited'
  for (const encoding of ['identity', 'gzip']) {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`, {
      headers: { accept, 'accept-encoding': encoding },
    })
    t.equal(
      response.headers.get('content-type'),
      'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited',
    )
    t.equal(response.headers.get('content-encoding'), encoding === 'gzip' ? 'gzip' : null)
    const bytes = Buffer.from(await response.arrayBuffer())
    // fetch undoes the gzip itself.
    const [family] = decodeFamilies<{ metric: unknown[] }>(bytes)
    t.equal(family?.metric.length, 200, `${encoding}: 200 series`)
  }
})
