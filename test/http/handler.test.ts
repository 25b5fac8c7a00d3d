import { type IncomingMessage, type ServerResponse, createServer } from 'node:http'
import t, { type Test } from 'tap'
import {
  Desc,
  type GatherOptions,
  type HandlerInstrumentation,
  MetricsHandler,
  type MetricsHandlerOptions,
  type MetricsSource,
  Registry,
  RequestsInFlight,
  ScrapeRefused,
  constHistogram,
  constMetric,
  encode,
  metricsHandler,
} from '../../src/index.js'
import { parseQuery } from '../../src/http/handler.js'
import { defineExporter } from '../../src/runtime/index.js'
import { get } from '../helpers/exporter-process.js'
import { decodeFamilies } from '../helpers/protobuf.js'

async function serve(t: Test, source: MetricsSource, options: MetricsHandlerOptions): Promise<string> {
  const server = createServer(metricsHandler(source, options))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`
}

function upRegistry(): Registry {
  const registry = new Registry()
  const desc = new Desc({ name: 'app_up', help: 'Up.' })
  registry.register({ name: 'up', describe: () => [desc], collect: (emit) => emit(constMetric(desc, 'gauge', 1)) })
  return registry
}

t.test('a source function gets the query, the deadline and the signal, and may refuse with a status', async (t) => {
  const calls: { query: unknown; options: GatherOptions }[] = []
  const registry = upRegistry()
  const base = await serve(
    t,
    async (request, options) => {
      calls.push({ query: request.query, options })
      if (request.query.target === 'forbidden') throw new ScrapeRefused(403, 'not this one')
      return registry.gather(options)
    },
    { timeoutMs: 2000, timeoutOffsetMs: 500 },
  )
  t.same(
    [(await get(`${base}/m?target=a&collect[]=x&collect[]=y`)).text],
    ['# HELP app_up Up.\n# TYPE app_up gauge\napp_up 1\n'],
  )
  t.same(calls[0]?.query, { target: 'a', 'collect[]': ['x', 'y'] })
  t.equal(calls[0]?.options.timeoutMs, 2000, "without the header, the handler's deadline")
  t.ok(calls[0]?.options.signal instanceof AbortSignal)
  await get(`${base}/m`, { headers: { 'x-prometheus-scrape-timeout-seconds': '4' } })
  t.equal(calls[1]?.options.timeoutMs, 3500, 'the header less the offset')
  const refused = await get(`${base}/m?target=forbidden`)
  t.same(
    [refused.status, refused.headers['content-type'], refused.text],
    [403, 'text/plain; charset=utf-8', 'not this one\n'],
  )
  const badHeader = await get(`${base}/m`, { headers: { 'x-prometheus-scrape-timeout-seconds': 'soon' } })
  t.same(
    [badHeader.status, badHeader.text, calls.length],
    [400, 'X-Prometheus-Scrape-Timeout-Seconds: "soon" is not a positive number of seconds\n', 3],
    'refused before gathering',
  )
})

t.test('errorHandling http500 answers 500 with every error; compression can be turned off', async (t) => {
  const registry = upRegistry()
  registry.register({ name: 'broken', describe: () => [], collect: () => Promise.reject(new Error('db down')) })
  registry.register({ name: 'worse', describe: () => [], collect: () => Promise.reject(new Error('disk gone')) })
  const logged: string[] = []
  const base = await serve(t, registry, {
    errorHandling: 'http500',
    compression: false,
    onGatherErrors: (errors) => logged.push(...errors.map((error) => error.source)),
  })
  const answer = await get(base, { headers: { 'accept-encoding': 'gzip' } })
  t.same(
    [answer.status, answer.text, answer.headers.vary],
    [
      500,
      'error gathering metrics:\nbroken: collect() failed: db down\nworse: collect() failed: disk gone\n',
      undefined,
    ],
  )
  t.same(logged, ['broken', 'worse'], 'and reports them')
  const wide = new Desc({ name: 'wide', help: 'Wide.', variableLabels: ['id'] })
  const big = new Registry()
  big.register({
    name: 'wide',
    describe: () => [wide],
    collect: (emit) => {
      for (let i = 0; i < 5000; i++) emit(constMetric(wide, 'gauge', i, [String(i)]))
    },
  })
  const plain = await get(await serve(t, big, { compression: false }), { headers: { 'accept-encoding': 'gzip' } })
  t.same(
    [plain.headers['content-encoding'], plain.headers['transfer-encoding']],
    [undefined, 'chunked'],
    'streamed as it is',
  )
  t.equal(plain.text, encode((await big.gather()).families, 'text'))
})

t.test('RequestsInFlight calls its idle hook each time the last request in flight is answered', async (t) => {
  let idle = 0
  const inFlight = new RequestsInFlight(() => idle++)
  inFlight.started()
  inFlight.started()
  inFlight.finished()
  t.equal(idle, 0, 'one still in flight')
  const drained = inFlight.drained()
  inFlight.finished()
  await drained
  t.equal(idle, 1, 'the last one answered')
  inFlight.started()
  inFlight.finished()
  t.equal(idle, 2, 'and again after the next')
})

t.test(
  'maxRequestsInFlight counts the requests of every handler sharing the count, and instrumentation sees each code',
  async (t) => {
    let release: () => void = () => {}
    const registry = upRegistry()
    const held = new Promise<void>((resolve) => (release = resolve))
    const codes: number[] = []
    const instrumentation: HandlerInstrumentation = {
      started: () => codes.push(0),
      finished: (code) => codes.push(code),
    }
    const inFlight = new RequestsInFlight()
    const slow = await serve(t, async (_request, options) => held.then(() => registry.gather(options)), {
      maxRequestsInFlight: 1,
      inFlight,
      instrumentation,
    })
    const other = await serve(t, registry, { maxRequestsInFlight: 1, inFlight })
    const first = get(slow)
    while (inFlight.count === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    const refused = await get(other)
    t.same(
      [refused.status, refused.text],
      [503, 'too many concurrent scrapes (at most 1)\n'],
      'the other handler shares the count',
    )
    t.equal((await get(slow)).status, 503)
    let drained = false
    const draining = inFlight.drained().then(() => (drained = true))
    t.equal(drained, false)
    release()
    t.equal((await first).status, 200)
    await draining
    t.equal(inFlight.count, 0)
    t.same(codes, [0, 0, 503, 200], 'started twice; the refusal and the answer counted by code')
    t.equal((await get(other)).status, 200, 'the slot is free again')
  },
)

t.test('a client that goes away aborts the gather and is counted as 499', async (t) => {
  const codes: number[] = []
  let aborted: AbortSignal | undefined
  const handler = new MetricsHandler(
    async (_request, options) => {
      aborted = options.signal
      await new Promise((resolve) => options.signal?.addEventListener('abort', resolve))
      return upRegistry().gather()
    },
    { instrumentation: { started: () => {}, finished: (code) => codes.push(code) } },
  )
  const server = createServer(
    (request: IncomingMessage, response: ServerResponse) => void handler.respond(request, response),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const controller = new AbortController()
  const request = fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/`, {
    signal: controller.signal,
  }).catch(() => 'gone')
  while (aborted === undefined) await new Promise((resolve) => setTimeout(resolve, 5))
  controller.abort()
  t.equal(await request, 'gone')
  while (codes.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  t.same([aborted.aborted, codes], [true, [499]])
})

t.test('parseQuery reads a URL as fastify does', async (t) => {
  t.same(parseQuery('/metrics?a=1&b=2&a=3&a=4&c'), { a: ['1', '3', '4'], b: '2', c: '' })
  t.same(parseQuery(undefined), {})
})

t.test('one scrape of an exporter: one gather of the registry, one collect() per collector', async (t) => {
  let collects = 0
  const desc = new Desc({ name: 'counted_calls', help: 'Calls.' })
  const exporter = defineExporter({
    name: 'counted_exporter',
    description: 'd',
    version: '1',
    defaultListenAddress: '127.0.0.1:0',
    namespace: 'counted',
    envPrefix: 'COUNTED',
    collectors: [
      {
        name: 'calls',
        defaultEnabled: true,
        create: () => ({ describe: () => [desc], collect: (emit) => emit(constMetric(desc, 'counter', ++collects)) }),
      },
    ],
  })
  const gather = Registry.prototype.gather
  let gathers = 0
  Registry.prototype.gather = function (this: Registry, ...args) {
    gathers++
    return gather.apply(this, args)
  }
  t.teardown(() => {
    Registry.prototype.gather = gather
  })
  const running = await exporter.start(['node', 'counted', '--log.level', 'error'], {})
  t.teardown(() => running?.stop())
  for (let scrape = 1; scrape <= 3; scrape++) {
    const text = await (await fetch(`http://${running?.addresses[0]}/metrics`)).text()
    t.match(text, `counted_calls ${scrape}\n`)
    t.match(text, `counted_exporter_scrapes_total ${scrape}\n`)
    t.match(text, 'counted_scrape_collector_success{collector="calls"} 1\n')
    t.same(
      [collects, gathers],
      [scrape, scrape],
      `after scrape ${scrape}: ${collects} collect() calls, ${gathers} gathers`,
    )
  }
  // The runtime's server (fastify) serves protobuf bytes and the name[] filter through the same handler.
  const response = await fetch(`http://${running?.addresses[0]}/metrics?name[]=counted_calls`, {
    headers: { accept: 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited' },
  })
  t.equal(
    response.headers.get('content-type'),
    'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited',
  )
  t.same(decodeFamilies(Buffer.from(await response.arrayBuffer()), false), [
    { name: 'counted_calls', help: 'Calls.', type: 'COUNTER', metric: [{ counter: { value: 4 } }] },
  ])
})

t.test('name[] serves only the named families; OpenMetrics _created lines when asked for', async (t) => {
  const registry = new Registry()
  const jobs = new Desc({ name: 'jobs_total', help: 'Jobs.' })
  const waits = new Desc({ name: 'wait_seconds', help: 'Waits.' })
  const level = new Desc({ name: 'level', help: 'Level.' })
  registry.register({
    describe: () => [jobs, waits, level],
    collect(emit) {
      emit(constMetric(jobs, 'counter', 3, [], { createdTimestampMs: 1_700_000_000_500 }))
      emit(constHistogram(waits, { count: 1, sum: 2, buckets: [] }, [], { createdTimestampMs: 1_700_000_000_000 }))
      emit(constMetric(level, 'gauge', 1))
    },
  })
  const plain = await serve(t, registry, {})
  const created = await serve(t, registry, { openMetricsCreatedSamples: true })
  const openMetrics = { headers: { accept: 'application/openmetrics-text' } }
  t.equal(
    (await get(`${plain}/metrics?name[]=level&name[]=jobs_total&name[]=absent`)).text,
    '# HELP jobs_total Jobs.\n# TYPE jobs_total counter\njobs_total 3\n# HELP level Level.\n# TYPE level gauge\nlevel 1\n',
  )
  t.equal((await get(`${plain}/metrics?name[]=absent`)).text, '', 'no family of that name: an empty exposition')
  t.equal(
    (await get(`${plain}/metrics?name[]=jobs_total`, openMetrics)).text,
    '# TYPE jobs counter\n# HELP jobs Jobs.\njobs_total 3\n# EOF\n',
    'no _created lines unless asked for',
  )
  t.equal(
    (await get(`${created}/metrics?name[]=jobs_total&name[]=wait_seconds&name[]=level`, openMetrics)).text,
    [
      '# TYPE jobs counter',
      '# HELP jobs Jobs.',
      'jobs_total 3',
      'jobs_created 1700000000.5',
      '# TYPE level gauge',
      '# HELP level Level.',
      'level 1',
      '# TYPE wait_seconds histogram',
      '# HELP wait_seconds Waits.',
      'wait_seconds_bucket{le="+Inf"} 1',
      'wait_seconds_sum 2',
      'wait_seconds_count 1',
      'wait_seconds_created 1700000000',
      '# EOF',
      '',
    ].join('\n'),
  )
  t.equal(
    (await get(`${created}/metrics?name[]=jobs_total`)).text,
    '# HELP jobs_total Jobs.\n# TYPE jobs_total counter\njobs_total 3\n',
    'the text format has no _created lines',
  )
})
