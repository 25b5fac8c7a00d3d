import { createServer } from 'node:http'
import { gunzipSync } from 'node:zlib'
import Fastify from 'fastify'
import fc from 'fast-check'
import t from 'tap'
import { Desc, type GatherError, Registry, constMetric, encode, metricsHandler } from '../../src/index.js'
import { fastifyMetrics, unmatchedRoute } from '../../src/http/fastify.js'
import { parseExposition } from '../helpers/exposition-parser.js'
import { get, samples } from '../helpers/exporter-process.js'

function registryWith(...names: string[]): Registry {
  const registry = new Registry()
  for (const name of names) {
    const desc = new Desc({ name, help: `${name} help.` })
    registry.register({ name, describe: () => [desc], collect: (emit) => emit(constMetric(desc, 'gauge', 1)) })
  }
  return registry
}

t.test('metricsHandler serves a registry on node:http with negotiation and gzip', async (t) => {
  const registry = registryWith('app_up')
  registry.register({ name: 'broken', describe: () => [], collect: () => Promise.reject(new Error('db down')) })
  const reported: GatherError[][] = []
  const server = createServer(metricsHandler(registry, { onGatherErrors: (errors) => reported.push([...errors]) }))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  const plain = await get(base)
  t.same(
    [plain.status, plain.headers['content-type'], plain.text],
    [200, 'text/plain; version=0.0.4; charset=utf-8', '# HELP app_up app_up help.\n# TYPE app_up gauge\napp_up 1\n'],
  )
  const small = await get(base, { headers: { accept: 'application/openmetrics-text', 'accept-encoding': 'gzip' } })
  t.same(
    [small.headers['content-encoding'], small.headers['content-type'], small.headers.vary],
    [undefined, 'application/openmetrics-text; version=1.0.0; charset=utf-8', 'Accept-Encoding'],
    'under 1 KiB is sent as it is',
  )
  t.equal(small.text, '# TYPE app_up gauge\n# HELP app_up app_up help.\napp_up 1\n# EOF\n')
  const wide = new Desc({ name: 'app_widgets', help: 'Widgets by id.', variableLabels: ['id'] })
  registry.register({
    name: 'widgets',
    describe: () => [wide],
    collect: (emit) => {
      for (let i = 0; i < 100; i++) emit(constMetric(wide, 'gauge', i, [`widget-${i}`]))
    },
  })
  const zipped = await get(base, { headers: { 'accept-encoding': 'br;q=1, gzip;q=0.5' } })
  t.equal(zipped.headers['content-encoding'], 'gzip')
  t.equal(gunzipSync(zipped.body).toString(), encode((await registry.gather()).families, 'text'))
  t.equal(
    (await get(base, { headers: { 'accept-encoding': 'gzip;q=0' } })).headers['content-encoding'],
    undefined,
    'gzip;q=0 means no gzip',
  )
  t.same(
    reported.flat().map((error) => error.message),
    new Array(4).fill('broken: collect() failed: db down'),
  )

  const failing = createServer(metricsHandler({ gather: () => Promise.reject(new Error('registry gone')) }))
  await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve))
  t.teardown(() => failing.close())
  const answer = await get(`http://127.0.0.1:${(failing.address() as { port: number }).port}`)
  t.same([answer.status, answer.text], [500, 'error serving metrics: registry gone\n'])

  const written: string[] = []
  const original = process.stderr.write.bind(process.stderr)
  process.stderr.write = ((chunk: string) => written.push(chunk) > 0) as typeof process.stderr.write
  try {
    const quiet = createServer(metricsHandler(registry))
    await new Promise<void>((resolve) => quiet.listen(0, '127.0.0.1', resolve))
    await get(`http://127.0.0.1:${(quiet.address() as { port: number }).port}`)
    quiet.close()
  } finally {
    process.stderr.write = original
  }
  t.same(written, ['promkit: broken: collect() failed: db down\n'], 'by default, errors go to stderr')
})

t.test('metricsHandler streams a scrape larger than one chunk, gzipped or not', async (t) => {
  const registry = new Registry()
  const desc = new Desc({ name: 'wide', help: 'Many series.', variableLabels: ['id'] })
  registry.register({
    name: 'wide',
    describe: () => [desc],
    collect: (emit) => {
      for (let i = 0; i < 5000; i++) emit(constMetric(desc, 'gauge', i, [`series-${i}`]))
    },
  })
  const server = createServer(metricsHandler(registry))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  const plain = await get(base)
  t.equal(plain.text, encode((await registry.gather()).families, 'text'))
  t.equal(plain.text.split('\n').length, 5003, 'HELP, TYPE, 5000 series and the final newline')
  t.ok(plain.text.length > 64 * 1024, `${plain.text.length} characters: more than one chunk`)
  const zipped = await get(base, { headers: { 'accept-encoding': 'gzip' } })
  t.equal(gunzipSync(zipped.body).toString(), plain.text)
})

async function shop(options: Partial<Parameters<typeof fastifyMetrics>[1]> = {}) {
  const registry = registryWith('shop_up')
  const app = Fastify()
  await app.register(fastifyMetrics, { registry, extraLabels: { service: 'shop' }, ...options })
  app.get('/orders/:id', async (request) => ({ id: (request.params as { id: string }).id }))
  app.post('/orders', async (_request, reply) => reply.code(201).send({}))
  app.get('/internal/ping', async () => 'pong')
  app.get('/boom', async () => {
    throw new Error('kaput')
  })
  return { app, registry }
}

t.test('the fastify plugin records method, route template and code, with exact label sets', async (t) => {
  const { app } = await shop({ excludeRoutes: ['/internal/ping'], buckets: [0.1, 1] })
  for (const url of ['/orders/1', '/orders/2', '/orders/3']) await app.inject({ method: 'GET', url })
  await app.inject({ method: 'POST', url: '/orders' })
  await app.inject({ method: 'GET', url: '/internal/ping' })
  await app.inject({ method: 'GET', url: '/boom' })
  await app.inject({ method: 'GET', url: '/no/such/page' })
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body
  t.same(
    samples(text, 'http_requests_total'),
    [
      'http_requests_total{code="201",method="POST",route="/orders",service="shop"} 1',
      'http_requests_total{code="200",method="GET",route="/orders/:id",service="shop"} 3',
      'http_requests_total{code="500",method="GET",route="/boom",service="shop"} 1',
      `http_requests_total{code="404",method="GET",route="${unmatchedRoute}",service="shop"} 1`,
    ].sort((a, b) => (a < b ? -1 : 1)),
  )
  t.same(
    samples(text, 'http_request_duration_seconds_bucket{code="200"').map((line) => line.replace(/ \d+$/, '')),
    [
      'http_request_duration_seconds_bucket{code="200",method="GET",route="/orders/:id",service="shop",le="0.1"}',
      'http_request_duration_seconds_bucket{code="200",method="GET",route="/orders/:id",service="shop",le="1"}',
      'http_request_duration_seconds_bucket{code="200",method="GET",route="/orders/:id",service="shop",le="+Inf"}',
    ],
    'the buckets given',
  )
  t.same(samples(text, 'http_requests_in_flight'), ['http_requests_in_flight{service="shop"} 0'])
  t.same(samples(text, 'shop_up'), ['shop_up 1'], "the registry's own metrics are served too")
  t.notMatch(text, /route="\/(metrics|internal\/ping)"/, 'the metrics path and excluded routes are not recorded')
  await app.close()
})

t.test("without extraLabels, and with a failing collector logged through fastify's logger", async (t) => {
  const registry = new Registry()
  registry.register({ name: 'flaky', describe: () => [], collect: () => Promise.reject(new Error('cache cold')) })
  const lines: string[] = []
  const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => void lines.push(line) } } })
  await app.register(fastifyMetrics, { registry })
  app.get('/a', async () => 'a')
  await app.inject({ method: 'GET', url: '/a' })
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body
  t.same(samples(text, 'http_requests_total'), ['http_requests_total{code="200",method="GET",route="/a"} 1'])
  t.match(JSON.parse(lines.find((line) => line.includes('cache cold')) as string), {
    level: 40,
    collector: 'flaky',
    msg: 'flaky: collect() failed: cache cold',
  })
  await app.close()
})

t.test('1,000 random unknown URLs do not add a single series', async (t) => {
  const { app } = await shop()
  await app.inject({ method: 'GET', url: '/no/such/page' })
  const seriesCount = async () =>
    parseExposition((await app.inject({ method: 'GET', url: '/metrics' })).body, 'text').samples.filter((s) =>
      s.name.startsWith('http_'),
    ).length
  const before = await seriesCount()
  const urls = fc.sample(fc.webPath({ size: 'medium' }), { numRuns: 1000, seed: 42 })
  for (const url of urls) await app.inject({ method: 'GET', url: url.startsWith('/') ? url : `/${url}` })
  t.equal(await seriesCount(), before, `${before} series before and after 1,000 unknown URLs`)
  await app.close()
})

t.test('the plugin on a real listening server: gzip and OpenMetrics', async (t) => {
  const { app } = await shop({ path: '/prometheus' })
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  await get(`${base}/orders/7`)
  const answer = await get(`${base}/prometheus`, {
    headers: { accept: 'application/openmetrics-text', 'accept-encoding': 'gzip' },
  })
  t.equal(answer.headers['content-encoding'], 'gzip')
  const text = gunzipSync(answer.body).toString()
  t.match(
    text,
    /http_requests_total\{code="200",method="GET",route="\/orders\/:id",service="shop"\} 1\n[\s\S]*# EOF\n$/,
  )
})

t.test(
  "the plugin answers through fastify's reply: the app's onSend and onResponse hooks see the scrape",
  async (t) => {
    const { app } = await shop()
    const seen: string[] = []
    app.addHook('onSend', async (request, reply, payload) => {
      if (request.url === '/metrics') {
        reply.header('x-scraped-by', 'shop')
        seen.push(`${reply.getHeader('content-type') as string} ${Buffer.isBuffer(payload) ? 'bytes' : typeof payload}`)
      }
      return payload
    })
    const answer = await app.inject({ method: 'GET', url: '/metrics' })
    t.same(
      [answer.statusCode, answer.headers['x-scraped-by'], seen],
      [200, 'shop', ['text/plain; version=0.0.4; charset=utf-8 bytes']],
    )
    t.match(answer.body, /^# HELP shop_up shop_up help\.\n/m)
    await app.close()
  },
)
