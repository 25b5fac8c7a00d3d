import t from 'tap'
import {
  type Collector,
  Desc,
  type ExpositionFormat,
  type TextFormat,
  Registry,
  constHistogram,
  constMetric,
  constSummary,
  contentTypes,
  encode,
  encodeBody,
  encodeChunks,
  encodeStream,
  negotiate,
} from '../src/index.js'
import { formatCanonical, formatGoFloat, formatValue, memoizeBounds } from '../src/exposition/numbers.js'
import { refuses } from './helpers/refuses.js'

t.test("le and quantile values follow the OpenMetrics spec's canonical examples", async (t) => {
  // Both lists are the spec's own ("Considerations: Canonical Numbers").
  const small = [0, 0.001, 0.002, 0.01, 0.1, 0.9, 0.95, 0.99, 0.999, 1, 1.7, 10]
  t.same(small.map(formatCanonical), [
    '0.0',
    '0.001',
    '0.002',
    '0.01',
    '0.1',
    '0.9',
    '0.95',
    '0.99',
    '0.999',
    '1.0',
    '1.7',
    '10.0',
  ])
  const powers = [1e-10, 1e-9, 1e-5, 1e-4, 0.1, 1, 1e5, 1e6, 1e10]
  t.same(powers.map(formatCanonical), ['1e-10', '1e-09', '1e-05', '0.0001', '0.1', '1.0', '100000.0', '1e+06', '1e+10'])
  t.same([1e23, 1.1e23, Infinity, -Infinity, NaN].map(formatCanonical), ['1e+23', '1.1e+23', '+Inf', '-Inf', 'NaN'])
})

t.test('Go %g form for the text format, shortest form for values', async (t) => {
  t.same([0, -0, 1, 0.5, 123456, 1234567, 1e-4, 1.5e-5, -2.5e100, 1e21].map(formatGoFloat), [
    '0',
    '-0',
    '1',
    '0.5',
    '123456',
    '1.234567e+06',
    '0.0001',
    '1.5e-05',
    '-2.5e+100',
    '1e+21',
  ])
  t.same([1234567, 1e21, 1.5e-7, NaN, Infinity, -Infinity].map(formatValue), [
    '1234567',
    '1e+21',
    '1.5e-7',
    'NaN',
    '+Inf',
    '-Inf',
  ])
})

t.test('memoized bound formatting gives the same text, and forgets when full', async (t) => {
  let calls = 0
  const format = memoizeBounds((value) => {
    calls++
    return formatCanonical(value)
  }, 2)
  t.same([format(1), format(1), format(0.5), format(2), format(1)], ['1.0', '1.0', '0.5', '2.0', '1.0'])
  t.equal(calls, 4, '1 was formatted once, then again after the cache of 2 filled up')
})

t.test('negotiate: OpenMetrics only when asked for, q-values honoured', async (t) => {
  const cases: [string | undefined, ExpositionFormat][] = [
    [undefined, 'text'],
    ['', 'text'],
    ['*/*', 'text'],
    ['text/plain', 'text'],
    ['application/json', 'text'],
    ['application/openmetrics-text', 'openmetrics'],
    ['application/openmetrics-text; version=1.0.0; charset=utf-8', 'openmetrics'],
    ['application/openmetrics-text;version="0.0.1"', 'openmetrics'],
    ['application/openmetrics-text; version=2.0.0', 'text'],
    // What Prometheus 2.x sends:
    [
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      'openmetrics',
    ],
    ['text/plain;version=0.0.4;q=0.9, application/openmetrics-text;q=0.5', 'text'],
    ['text/plain;q=0.5, Application/OpenMetrics-Text;q=0.6', 'openmetrics'],
    ['application/openmetrics-text;q=0, text/plain', 'text'],
    ['application/openmetrics-text;q=abc', 'text'],
    ['text/plain;version=0.0.5, text/*;q=0.2', 'text'],
    // What Prometheus 2.42 sends with native histograms on, and the protobuf ranges client_golang does not serve:
    [
      'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      'protobuf',
    ],
    ['application/vnd.google.protobuf; proto="io.prometheus.client.MetricFamily"; encoding="delimited"', 'protobuf'],
    ['application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text', 'text'],
    ['application/vnd.google.protobuf;proto=io.prometheus.client.Other;encoding=delimited', 'text'],
    ['application/vnd.google.protobuf;encoding=delimited', 'text'],
    [
      'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.4,application/openmetrics-text;q=0.5',
      'openmetrics',
    ],
  ]
  for (const [accept, format] of cases) t.equal(negotiate(accept), format, String(accept))
  t.equal(contentTypes.openmetrics, 'application/openmetrics-text; version=1.0.0; charset=utf-8')
  t.equal(contentTypes.text, 'text/plain; version=0.0.4; charset=utf-8')
  t.equal(
    contentTypes.protobuf,
    'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited',
  )
})

async function familiesOf(collect: Collector['collect']) {
  const registry = new Registry()
  registry.register({ name: 'c', describe: () => [], collect })
  return (await registry.gather()).families
}

t.test('a counter without _total gets it in OpenMetrics only; empty help and bare metrics', async (t) => {
  const events = new Desc({ name: 'events', help: '' })
  const families = await familiesOf((emit) =>
    emit(constMetric(events, 'counter', 3, [], { exemplar: { labels: {}, value: 1 } })),
  )
  t.equal(encode(families, 'text'), '# HELP events \n# TYPE events counter\nevents 3\n')
  t.equal(encode(families, 'openmetrics'), '# TYPE events counter\n# HELP events \nevents_total 3 # {} 1\n# EOF\n')
})

t.test('labeled summaries, bare histograms and rounded text timestamps', async (t) => {
  const summary = new Desc({ name: 'rpc', help: 'h', variableLabels: ['service'] })
  const histogram = new Desc({ name: 'size_bytes', help: 'h', unit: 'bytes' })
  const families = await familiesOf((emit) => {
    emit(constSummary(summary, { count: 2, sum: 0.5, quantiles: [[0.5, 0.1]] }, ['a"b'], { timestampMs: 1500.6 }))
    emit(constHistogram(histogram, { count: 1, sum: 100, buckets: [[1024, 1]] }))
  })
  t.equal(
    encode(families, 'text'),
    [
      '# HELP rpc h',
      '# TYPE rpc summary',
      'rpc{service="a\\"b",quantile="0.5"} 0.1 1501',
      'rpc_sum{service="a\\"b"} 0.5 1501',
      'rpc_count{service="a\\"b"} 2 1501',
      '# HELP size_bytes h',
      '# TYPE size_bytes histogram',
      'size_bytes_bucket{le="1024"} 1',
      'size_bytes_bucket{le="+Inf"} 1',
      'size_bytes_sum 100',
      'size_bytes_count 1',
      '',
    ].join('\n'),
  )
  t.equal(
    encode(families, 'openmetrics'),
    [
      '# TYPE rpc summary',
      '# HELP rpc h',
      'rpc{service="a\\"b",quantile="0.5"} 0.1 1.5006',
      'rpc_sum{service="a\\"b"} 0.5 1.5006',
      'rpc_count{service="a\\"b"} 2 1.5006',
      '# TYPE size_bytes histogram',
      '# UNIT size_bytes bytes',
      '# HELP size_bytes h',
      'size_bytes_bucket{le="1024.0"} 1',
      'size_bytes_bucket{le="+Inf"} 1',
      'size_bytes_sum 100',
      'size_bytes_count 1',
      '# EOF',
      '',
    ].join('\n'),
  )
})

t.test('an unknown format is refused by name', async (t) => {
  refuses(
    t,
    () => encode([], 'json' as TextFormat),
    'PROMKIT_ERR_INVALID_OPTION',
    'unknown text exposition format "json" (want "text" or "openmetrics")',
  )
  refuses(
    t,
    () => encode([], 'toString' as TextFormat),
    'PROMKIT_ERR_INVALID_OPTION',
    'unknown text exposition format "toString" (want "text" or "openmetrics")',
  )
})

async function bigFamilies(series: number) {
  const desc = new Desc({ name: 'big', help: 'Many series.', variableLabels: ['id', 'shard'] })
  return familiesOf((emit) => {
    for (let i = 0; i < series; i++) emit(constMetric(desc, 'gauge', i, [String(i).padStart(6, '0'), String(i % 7)]))
  })
}

t.test('encodeChunks cuts a 100k-series scrape into bounded chunks that join to encode()', async (t) => {
  const families = await bigFamilies(100_000)
  const chunks = [...encodeChunks(families, 'text')]
  const whole = encode(families, 'text')
  t.ok(
    chunks.every((chunk) => Buffer.isBuffer(chunk)),
    'chunks are bytes',
  )
  t.equal(Buffer.concat(chunks).toString('utf8'), whole)
  t.ok(chunks.length > 40, `${chunks.length} chunks`)
  const longestLine = Math.max(...whole.split('\n').map((line) => line.length + 1))
  t.ok(
    chunks.every((chunk) => chunk.length < 64 * 1024 + longestLine),
    'no chunk is much over 64 KiB',
  )
  t.same([...encodeChunks(families.slice(0, 0), 'text')], [], 'nothing to encode yields nothing')
  const small = [...encodeChunks(await bigFamilies(20), 'openmetrics', { chunkSize: 100 })]
  t.ok(small.length > 3 && small.at(-1)?.toString().endsWith('# EOF\n'), 'a custom chunk size is honoured')
})

t.test('encodeStream lets timers run between chunks', async (t) => {
  const families = await bigFamilies(100_000)
  let ticks = 0
  const timer = setInterval(() => ticks++, 0)
  const chunks: Buffer[] = []
  for await (const chunk of encodeStream(families, 'openmetrics')) chunks.push(chunk)
  clearInterval(timer)
  t.equal(Buffer.concat(chunks).toString('utf8'), encode(families, 'openmetrics'))
  t.ok(ticks >= 1, `a 0 ms interval fired ${ticks} times during ${chunks.length} chunks`)
})

t.test(
  'encodeBody: one buffer when the scrape fits in one chunk, chunks with turns of the event loop otherwise',
  async (t) => {
    const small = await bigFamilies(20)
    t.same(encodeBody(small, 'text'), Buffer.from(encode(small, 'text')), 'a small scrape is one buffer')
    t.same(encodeBody([], 'text'), Buffer.alloc(0), 'nothing to encode is no bytes')
    t.same(encodeBody([], 'openmetrics'), Buffer.from('# EOF\n'))
    const body = encodeBody(small, 'openmetrics', { chunkSize: 100 })
    t.notOk(Buffer.isBuffer(body), 'over one chunk, it is streamed')
    // An immediate queued now runs before the second chunk only if the encoder gives the event loop a turn.
    let turned = false
    setImmediate(() => (turned = true))
    const chunks: Buffer[] = []
    const seen: boolean[] = []
    for await (const chunk of body as AsyncIterable<Buffer>) {
      chunks.push(chunk)
      seen.push(turned)
    }
    t.equal(Buffer.concat(chunks).toString('utf8'), encode(small, 'openmetrics'))
    t.ok(chunks.length > 3, `${chunks.length} chunks`)
    t.same(seen.slice(0, 2), [false, true], 'the event loop ran between the first and the second chunk')
  },
)

t.test('a series whose buckets or quantiles change between scrapes is written with the new ones', async (t) => {
  const latency = new Desc({ name: 'latency_seconds', help: 'h', variableLabels: ['path'] })
  const size = new Desc({ name: 'size_bytes', help: 'h' })
  let scrape = 0
  const registry = new Registry()
  registry.register({
    describe: () => [latency, size],
    collect(emit) {
      scrape++
      // Path "a" keeps its bounds; path "b" has other ones, so "a"'s bounds array is made anew each scrape.
      const buckets: [number, number][] =
        scrape === 3
          ? [
              [2, 0],
              [3, 1],
            ]
          : scrape === 4
            ? [[2, 1]]
            : [[1, 1]]
      emit(constHistogram(latency, { count: 1, sum: 1, buckets }, ['a']))
      emit(constHistogram(latency, { count: 1, sum: 1, buckets: [[5, 1]] }, ['b']))
      emit(constSummary(size, { count: 1, sum: 1, quantiles: scrape === 1 ? [[0.5, 1]] : [[0.9, 1]] }))
    },
  })
  const lines = async () =>
    encode((await registry.gather()).families, 'text')
      .split('\n')
      .filter((line) => /path="a",le="[0-9]"|quantile/.test(line))
  t.same(await lines(), ['latency_seconds_bucket{path="a",le="1"} 1', 'size_bytes{quantile="0.5"} 1'])
  t.same(await lines(), ['latency_seconds_bucket{path="a",le="1"} 1', 'size_bytes{quantile="0.9"} 1'])
  t.same(await lines(), [
    'latency_seconds_bucket{path="a",le="2"} 0',
    'latency_seconds_bucket{path="a",le="3"} 1',
    'size_bytes{quantile="0.9"} 1',
  ])
  t.same(await lines(), ['latency_seconds_bucket{path="a",le="2"} 1', 'size_bytes{quantile="0.9"} 1'])
})
