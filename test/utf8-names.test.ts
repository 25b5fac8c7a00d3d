// Peers: promtool
import fc from 'fast-check'
import t from 'tap'
import {
  type Collector,
  Desc,
  Registry,
  constHistogram,
  constMetric,
  constNativeHistogram,
  constSummary,
  encode,
  encodeProtobuf,
  escapeName,
  escapingSchemes,
  isValidMetricName,
  metricsHandler,
  nameValidationScheme,
  nativeBucketsOf,
  negotiateExposition,
  setNameValidationScheme,
  unescapeName,
} from '../src/index.js'
import { get } from './helpers/exporter-process.js'
import { decodeFamilies } from './helpers/protobuf.js'
import { promtoolCheckMetrics } from './helpers/promtool.js'
import { refuses } from './helpers/refuses.js'

t.test('legacy validation by default; utf8 on request, for the whole process', async (t) => {
  t.equal(nameValidationScheme(), 'legacy')
  refuses(
    t,
    () => constMetric(new Desc({ name: 'http.requests', help: 'h' }), 'gauge', 1),
    'PROMKIT_ERR_INVALID_METRIC_NAME',
    'descriptor "http.requests": "http.requests" is not a valid metric name (want [a-zA-Z_:][a-zA-Z0-9_:]*)',
  )
  refuses(
    t,
    () => setNameValidationScheme('latin1' as never),
    'PROMKIT_ERR_INVALID_OPTION',
    'name validation scheme "latin1" is not "legacy" or "utf8"',
  )
  setNameValidationScheme('utf8')
  t.teardown(() => setNameValidationScheme('legacy'))
  t.equal(new Desc({ name: 'http.requests', help: 'h', variableLabels: ['host.name', 'ü'] }).error, undefined)
  t.ok(isValidMetricName('☃ weather'))
  const invalid: [DescArgs, string, string][] = [
    [{ name: '' }, 'PROMKIT_ERR_INVALID_METRIC_NAME', '"" is not a valid metric name (want a non-empty UTF-8 string)'],
    [
      { name: 'a', variableLabels: [''] },
      'PROMKIT_ERR_INVALID_LABEL_NAME',
      '"" is not a valid label name (want a non-empty UTF-8 string)',
    ],
    [
      { name: 'a', variableLabels: ['__x.y'] },
      'PROMKIT_ERR_INVALID_LABEL_NAME',
      'label name "__x.y" starts with "__", which is reserved for Prometheus',
    ],
    [
      { name: 'a', variableLabels: ['\ud800'] },
      'PROMKIT_ERR_INVALID_LABEL_NAME',
      '"\\ud800" is not a valid label name (want a non-empty UTF-8 string)',
    ],
  ]
  for (const [args, code, message] of invalid) {
    const desc = new Desc({ help: 'h', ...args })
    t.equal(desc.error?.code, code)
    t.equal(desc.error?.message, `descriptor "${desc.fqName}": ${message}`)
  }
})

type DescArgs = { name: string; variableLabels?: string[] }

t.test('the escaping schemes, as prometheus/common writes them', async (t) => {
  const cases: [string, Record<string, string>][] = [
    [
      'metric.name/with/slashes',
      {
        underscores: 'metric_name_with_slashes',
        dots: 'metric_dot_name__with__slashes',
        values: 'U__metric_2e_name_2f_with_2f_slashes',
      },
    ],
    ['http_requests_total', { underscores: 'http_requests_total', dots: 'http__requests__total' }],
    ['1st ☃', { underscores: '_st__', dots: '__st____', values: 'U___31_st_20__2603_' }],
    ['', { underscores: '', dots: '', values: '' }],
  ]
  for (const [name, escaped] of cases) {
    for (const scheme of escapingSchemes) {
      const expected = escaped[scheme] ?? name
      t.equal(escapeName(name, scheme), expected, `${JSON.stringify(name)}, ${scheme}`)
    }
  }
  t.equal(unescapeName('U__metric_2e_name_2f_with_2f_slashes', 'values'), 'metric.name/with/slashes')
  t.equal(unescapeName('U___1F600_', 'values'), '😀', 'hexadecimal in either case')
  t.equal(unescapeName('U__a_zz_b', 'values'), 'U__a_zz_b', 'not an escaping: as it is')
  t.equal(unescapeName('U__a_2e', 'values'), 'U__a_2e', 'an unterminated code point: as it is')
  t.equal(unescapeName('U__a_110000_', 'values'), 'U__a_110000_', 'beyond Unicode: as it is')
  t.equal(unescapeName('plain_name', 'values'), 'plain_name')
  t.equal(unescapeName('a_dot_b__c', 'dots'), 'a.b_c')
  t.equal(unescapeName('a_b', 'underscores'), 'a_b', 'underscores cannot be undone')
})

t.test('UTF-8 names round-trip through dots and values; every escaping gives a classic name', async (t) => {
  const utf8Name = fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 20 })
    .filter((name) => !name.startsWith('U__'))
  const dotted = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_:.]{0,20}$/)
  fc.assert(
    fc.property(utf8Name, dotted, (name, dottedName) => {
      const classic = escapingSchemes
        .filter((scheme) => scheme !== 'allow-utf-8')
        .every((scheme) => /^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(escapeName(name, scheme)))
      return (
        classic &&
        unescapeName(escapeName(name, 'values'), 'values') === name &&
        unescapeName(escapeName(dottedName, 'dots'), 'dots') === dottedName &&
        escapeName(name, 'allow-utf-8') === name
      )
    }),
    { numRuns: 2000 },
  )
  t.pass('2,000 random names')
})

function utf8Collector(): Collector {
  const requests = new Desc({
    name: 'http.server.requests_total',
    help: 'Requests "served".',
    variableLabels: ['http.route', 'code'],
  })
  const latency = new Desc({ name: 'rpc.latency_seconds', help: 'Latency.', unit: 'seconds' })
  const plain = new Desc({ name: 'plain_up', help: 'Classic.' })
  return {
    describe: () => [requests, latency, plain],
    collect(emit) {
      emit(
        constMetric(requests, 'counter', 3, ['/a"b', '200'], {
          exemplar: { labels: { 'trace.id': 'x' }, value: 1 },
          createdTimestampMs: 1_000,
        }),
      )
      emit(constHistogram(latency, { count: 2, sum: 1.5, buckets: [[1, 1]] }))
      emit(constMetric(plain, 'gauge', 1))
    },
  }
}

async function utf8Families() {
  const registry = new Registry()
  registry.register(utf8Collector())
  return (await registry.gather()).families
}

t.test('each escaping, in each format', async (t) => {
  setNameValidationScheme('utf8')
  t.teardown(() => setNameValidationScheme('legacy'))
  const families = await utf8Families()
  t.equal(
    encode(families, 'text', { escaping: 'allow-utf-8' }),
    [
      '# HELP "http.server.requests_total" Requests "served".',
      '# TYPE "http.server.requests_total" counter',
      '{"http.server.requests_total",code="200","http.route"="/a\\"b"} 3',
      '# HELP plain_up Classic.',
      '# TYPE plain_up gauge',
      'plain_up 1',
      '# HELP "rpc.latency_seconds" Latency.',
      '# TYPE "rpc.latency_seconds" histogram',
      '{"rpc.latency_seconds_bucket",le="1"} 1',
      '{"rpc.latency_seconds_bucket",le="+Inf"} 2',
      '{"rpc.latency_seconds_sum"} 1.5',
      '{"rpc.latency_seconds_count"} 2',
      '',
    ].join('\n'),
  )
  t.equal(
    encode(families, 'openmetrics', { escaping: 'allow-utf-8', createdSamples: true }),
    [
      '# TYPE "http.server.requests" counter',
      '# HELP "http.server.requests" Requests \\"served\\".',
      '{"http.server.requests_total",code="200","http.route"="/a\\"b"} 3 # {"trace.id"="x"} 1',
      '{"http.server.requests_created",code="200","http.route"="/a\\"b"} 1',
      '# TYPE plain_up gauge',
      '# HELP plain_up Classic.',
      'plain_up 1',
      '# TYPE "rpc.latency_seconds" histogram',
      '# UNIT "rpc.latency_seconds" seconds',
      '# HELP "rpc.latency_seconds" Latency.',
      '{"rpc.latency_seconds_bucket",le="1.0"} 1',
      '{"rpc.latency_seconds_bucket",le="+Inf"} 2',
      '{"rpc.latency_seconds_sum"} 1.5',
      '{"rpc.latency_seconds_count"} 2',
      '# EOF',
      '',
    ].join('\n'),
  )
  const underscores = encode(families, 'text')
  t.equal(
    underscores,
    [
      '# HELP http_server_requests_total Requests "served".',
      '# TYPE http_server_requests_total counter',
      'http_server_requests_total{code="200",http_route="/a\\"b"} 3',
      '# HELP plain_up Classic.',
      '# TYPE plain_up gauge',
      'plain_up 1',
      '# HELP rpc_latency_seconds Latency.',
      '# TYPE rpc_latency_seconds histogram',
      'rpc_latency_seconds_bucket{le="1"} 1',
      'rpc_latency_seconds_bucket{le="+Inf"} 2',
      'rpc_latency_seconds_sum 1.5',
      'rpc_latency_seconds_count 2',
      '',
    ].join('\n'),
    'underscores by default',
  )
  t.same(promtoolCheckMetrics(underscores), { status: 0, stdout: '', stderr: '' }, 'promtool reads it')
  // The escaped counter name still ends with "_total" ("__total"), which OpenMetrics takes off the family name, as
  // client_golang's encoder does too.
  t.match(
    encode(families, 'openmetrics', { escaping: 'dots' }),
    /# TYPE http_dot_server_dot_requests_ counter\n.*\nhttp_dot_server_dot_requests__total\{code="200",http_dot_route="\/a\\"b"\} 3 # \{trace_dot_id="x"\} 1\n# TYPE plain__up gauge\n/,
  )
  const values = encode(families, 'openmetrics', { escaping: 'values' })
  t.match(values, /^# TYPE U__http_2e_server_2e_requests_ counter$/m)
  t.match(values, /^U__http_2e_server_2e_requests__total\{U__http_2e_route="\/a\\"b",code="200"\} 3/m)
  t.match(values, /^# UNIT U__rpc_2e_latency__seconds seconds$/m, 'the unit stays: the name still ends with it')
  t.match(values, /^# TYPE plain_up gauge$/m, 'classic names are left as they are')
  const decoded = decodeFamilies<{ name: string; metric: { label: { name: string }[] }[] }>(
    encodeProtobuf(families, { escaping: 'allow-utf-8' }),
  )
  t.same(
    decoded.map((family) => [family.name, family.metric[0]?.label.map((label) => label.name)]),
    [
      ['http.server.requests_total', ['code', 'http.route']],
      ['plain_up', []],
      ['rpc.latency_seconds', []],
    ],
    'protobuf carries UTF-8 names as they are',
  )
  t.same(
    decodeFamilies<{ name: string }>(encodeProtobuf(families)).map((family) => family.name),
    ['http_server_requests_total', 'plain_up', 'rpc_latency_seconds'],
  )
})

t.test('negotiation picks the escaping, and the Content-Type names it', async (t) => {
  const cases: [string | undefined, string, string, string][] = [
    [undefined, 'text', 'underscores', 'text/plain; version=0.0.4; charset=utf-8'],
    [
      'text/plain;version=0.0.4;escaping=allow-utf-8',
      'text',
      'underscores',
      'text/plain; version=0.0.4; charset=utf-8',
    ],
    ['text/plain;version=0.0.4;escaping=dots', 'text', 'dots', 'text/plain; version=0.0.4; charset=utf-8'],
    [
      'text/plain;version=1.0.0;escaping=allow-utf-8',
      'text',
      'allow-utf-8',
      'text/plain; version=1.0.0; charset=utf-8; escaping=allow-utf-8',
    ],
    [
      'text/plain;version=1.0.0',
      'text',
      'underscores',
      'text/plain; version=1.0.0; charset=utf-8; escaping=underscores',
    ],
    [
      'application/openmetrics-text;version=1.0.0;escaping=values',
      'openmetrics',
      'values',
      'application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=values',
    ],
    [
      'application/openmetrics-text;version=1.0.0;escaping=bogus',
      'openmetrics',
      'underscores',
      'application/openmetrics-text; version=1.0.0; charset=utf-8',
    ],
    // Like Prometheus 3's scrape Accept header:
    [
      'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2',
      'protobuf',
      'allow-utf-8',
      'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; escaping=allow-utf-8',
    ],
  ]
  for (const [accept, format, escaping, contentType] of cases) {
    t.same(negotiateExposition(accept), { format, escaping, contentType }, String(accept))
  }
})

t.test('the handler serves what was negotiated', async (t) => {
  setNameValidationScheme('utf8')
  t.teardown(() => setNameValidationScheme('legacy'))
  const registry = new Registry()
  registry.register(utf8Collector())
  const { createServer } = await import('node:http')
  const server = createServer(metricsHandler(registry))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/metrics?name[]=http.server.requests_total`
  const quoted = await get(url, { headers: { accept: 'text/plain;version=1.0.0;escaping=allow-utf-8' } })
  t.equal(quoted.headers['content-type'], 'text/plain; version=1.0.0; charset=utf-8; escaping=allow-utf-8')
  t.match(quoted.text, /^\{"http\.server\.requests_total",code="200","http\.route"="\/a\\"b"\} 3$/m)
  const legacy = await get(url)
  t.match(legacy.text, /^http_server_requests_total\{code="200",http_route="\/a\\"b"\} 3$/m, 'underscores otherwise')
})

t.test('escaping reaches every name: labels only, exemplar labels only, summaries, native histograms', async (t) => {
  setNameValidationScheme('utf8')
  t.teardown(() => setNameValidationScheme('legacy'))
  const byLabel = new Desc({ name: 'by_label', help: 'h', variableLabels: ['a.b'] })
  const byExemplar = new Desc({ name: 'by_exemplar_total', help: 'h' })
  const quiet = new Desc({ name: 'quiet_total', help: 'h' })
  const summary = new Desc({ name: 'size.bytes', help: 'h' })
  const native = new Desc({ name: 'wait_seconds', help: 'h' })
  const gauge = new Desc({ name: 'room.temperature', help: 'h' })
  const classic = new Desc({ name: 'classic', help: 'h' })
  const classicSummary = new Desc({ name: 'classic_summary', help: 'h' })
  const registry = new Registry()
  registry.register({
    describe: () => [byLabel, byExemplar, quiet, summary, native, gauge, classic, classicSummary],
    collect(emit) {
      emit(constHistogram(classic, { count: 0, sum: 0, buckets: [] }))
      emit(constSummary(classicSummary, { count: 0, sum: 0, quantiles: [] }))
      emit(constMetric(byLabel, 'gauge', 1, ['x']))
      emit(constMetric(byExemplar, 'counter', 1, [], { exemplar: { labels: { 'span.id': 's' }, value: 1 } }))
      emit(constMetric(quiet, 'counter', 1, [], { exemplar: { labels: { span_id: 's' }, value: 1 } }))
      emit(constSummary(summary, { count: 1, sum: 1, quantiles: [[0.5, 1]] }))
      emit(
        constNativeHistogram(native, {
          ...nativeBucketsOf([1]),
          buckets: [[1, 1]],
          exemplars: [{ labels: { 'span.id': 'n' }, value: 1, timestampMs: 5 }],
        }),
      )
      emit(constMetric(gauge, 'gauge', 21.5))
    },
  })
  const { families, errors } = await registry.gather()
  t.same(errors, [])
  t.equal(
    encode(families, 'openmetrics'),
    [
      '# TYPE by_exemplar counter',
      '# HELP by_exemplar h',
      'by_exemplar_total 1 # {span_id="s"} 1',
      '# TYPE by_label gauge',
      '# HELP by_label h',
      'by_label{a_b="x"} 1',
      '# TYPE classic histogram',
      '# HELP classic h',
      'classic_bucket{le="+Inf"} 0',
      'classic_sum 0',
      'classic_count 0',
      '# TYPE classic_summary summary',
      '# HELP classic_summary h',
      'classic_summary_sum 0',
      'classic_summary_count 0',
      '# TYPE quiet counter',
      '# HELP quiet h',
      'quiet_total 1 # {span_id="s"} 1',
      '# TYPE room_temperature gauge',
      '# HELP room_temperature h',
      'room_temperature 21.5',
      '# TYPE size_bytes summary',
      '# HELP size_bytes h',
      'size_bytes{quantile="0.5"} 1',
      'size_bytes_sum 1',
      'size_bytes_count 1',
      '# TYPE wait_seconds histogram',
      '# HELP wait_seconds h',
      'wait_seconds_bucket{le="1.0"} 1 # {span_id="n"} 1 0.005',
      'wait_seconds_bucket{le="+Inf"} 1',
      'wait_seconds_sum 1',
      'wait_seconds_count 1',
      '# EOF',
      '',
    ].join('\n'),
  )
  t.match(encode(families, 'text', { escaping: 'allow-utf-8' }), /^\{"room\.temperature"\} 21\.5$/m)
  const [nativeFamily] = decodeFamilies<{ metric: { histogram: { exemplars: { label: { name: string }[] }[] } }[] }>(
    encodeProtobuf(families, { escaping: 'values' }),
  ).slice(-1)
  t.same(
    nativeFamily?.metric[0]?.histogram.exemplars[0]?.label.map((label) => label.name),
    ['U__span_2e_id'],
    'native exemplar labels too',
  )
})
