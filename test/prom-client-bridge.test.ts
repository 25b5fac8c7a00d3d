// Peers: promtool
import * as client from 'prom-client'
import t from 'tap'
import { Desc, Registry, constMetric, encode, promClientCollector } from '../src/index.js'
import { parseExposition } from './helpers/exposition-parser.js'
import { promtoolCheckMetrics } from './helpers/promtool.js'
import { refuses } from './helpers/refuses.js'

function instrumented() {
  const register = new client.Registry()
  const requests = new client.Counter({
    name: 'app_requests_total',
    help: 'Requests.',
    labelNames: ['method', 'code'],
    registers: [register],
  })
  const inflight = new client.Gauge({ name: 'app_inflight', help: 'In flight.', registers: [register] })
  const latency = new client.Histogram({
    name: 'app_latency_seconds',
    help: 'Latency.',
    labelNames: ['route'],
    buckets: [0.1, 1],
    registers: [register],
  })
  const size = new client.Summary({
    name: 'app_size_bytes',
    help: 'Sizes.',
    percentiles: [0.5, 0.9],
    registers: [register],
  })
  requests.inc({ method: 'GET', code: 200 }, 3)
  requests.inc({ method: 'POST' })
  inflight.set(2)
  latency.observe({ route: '/a' }, 0.05)
  latency.observe({ route: '/a' }, 0.5)
  latency.observe({ route: '/b' }, 5)
  for (const value of [100, 200, 300]) size.observe(value)
  return { register, requests, inflight, latency, size }
}

/** A series key in which an empty label value counts as absent, as it does in Prometheus. */
const key = (s: { name: string; labels: Record<string, string> }) =>
  `${s.name}${JSON.stringify(
    Object.entries(s.labels)
      .filter(([, value]) => value !== '')
      .sort(),
  )}`

t.test('a prom-client registry serves the same samples through promkit', async (t) => {
  const { register } = instrumented()
  const registry = new Registry({ pedantic: true })
  registry.register(promClientCollector(register))
  const { families, errors } = await registry.gather()
  t.same(errors, [])
  const ours = parseExposition(encode(families, 'text'), 'text').samples
  const theirs = parseExposition(await register.metrics(), 'text').samples
  t.same(new Map(ours.map((s) => [key(s), s.value])), new Map(theirs.map((s) => [key(s), s.value])))
  t.equal(ours.length, theirs.length)
  t.same(
    families.map((f) => [f.name, f.type]),
    [
      ['app_inflight', 'gauge'],
      ['app_latency_seconds', 'histogram'],
      ['app_requests_total', 'counter'],
      ['app_size_bytes', 'summary'],
    ],
  )
  t.equal(
    encode(
      families.filter((f) => f.name === 'app_requests_total'),
      'text',
    ),
    '# HELP app_requests_total Requests.\n# TYPE app_requests_total counter\napp_requests_total{code="",method="POST"} 1\napp_requests_total{code="200",method="GET"} 3\n',
    'a label prom-client left unset is empty, which Prometheus reads as absent',
  )
})

t.test("single prom-client metrics can be bridged, and their names are checked against promkit's", async (t) => {
  const { requests, latency } = instrumented()
  const registry = new Registry()
  registry.register(promClientCollector([requests, latency], { name: 'http metrics' }))
  const clash = new Desc({ name: 'app_requests_total', help: 'Something else.' })
  refuses(
    t,
    () =>
      registry.register({
        name: 'mine',
        describe: () => [clash],
        collect: (emit) => emit(constMetric(clash, 'counter', 1)),
      }),
    'PROMKIT_ERR_DESCRIPTOR_CONFLICT',
    'registering mine: descriptor Desc{fqName: "app_requests_total", help: "Something else.", constLabels: {}, variableLabels: []} has different label names, help or unit than the previously registered Desc{fqName: "app_requests_total", help: "Requests.", constLabels: {}, variableLabels: [method,code]}',
  )
  const { families, collectors } = await registry.gather()
  t.same(
    families.map((f) => f.name),
    ['app_latency_seconds', 'app_requests_total'],
  )
  t.same(
    collectors.map((c) => c.name),
    ['http metrics'],
  )
  const buckets = parseExposition(encode(families, 'text'), 'text').samples.filter(
    (s) => s.name === 'app_latency_seconds_bucket' && s.labels.route === '/b',
  )
  t.same(
    buckets.map((s) => [s.labels.le, s.value]),
    [
      ['0.1', 0],
      ['1', 0],
      ['+Inf', 1],
    ],
  )
})

t.test("collectDefaultMetrics output comes through with prom-client's names and types", async (t) => {
  const register = new client.Registry()
  client.collectDefaultMetrics({ register })
  register.setDefaultLabels({ app: 'demo' })
  const registry = new Registry()
  registry.register(promClientCollector(register))
  const { families, errors } = await registry.gather()
  t.same(errors, [])
  const theirs = parseExposition(await register.metrics(), 'text')
  // prom-client prints HELP/TYPE for families with no sample yet; promkit, like client_golang, leaves them out.
  const sampleNames = (name: string, type: string | undefined) =>
    type === 'histogram' ? [`${name}_count`] : type === 'summary' ? [`${name}_count`] : [name]
  const withSamples = [...theirs.type]
    .filter(([name, type]) => theirs.samples.some((s) => sampleNames(name, type).includes(s.name)))
    .map(([name]) => name)
  t.same(
    families.map((f) => f.name),
    withSamples.sort(),
    'every default metric family that has samples is there',
  )
  for (const family of families) t.equal(family.type, theirs.type.get(family.name), `${family.name} keeps its type`)
  t.ok(
    families.some((f) => f.name === 'process_cpu_user_seconds_total') &&
      families.some((f) => f.name === 'nodejs_heap_size_total_bytes'),
  )
  const text = encode(families, 'text')
  t.ok(
    parseExposition(text, 'text').samples.every((s) => s.labels.app === 'demo'),
    'registry default labels are kept',
  )
  // promtool parses it; its only findings are prom-client's own names for three gauges, kept so dashboards keep
  // working.
  const lint = promtoolCheckMetrics(text)
  t.equal(lint.status, 3)
  t.same(lint.stderr.trim().split('\n').sort(), [
    'nodejs_active_handles_total non-counter metrics should not have "_total" suffix',
    'nodejs_active_requests_total non-counter metrics should not have "_total" suffix',
    'nodejs_active_resources_total non-counter metrics should not have "_total" suffix',
  ])
})
