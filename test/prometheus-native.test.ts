// Peers: prometheus
import { type Server, createServer } from 'node:http'
import t from 'tap'
import {
  Desc,
  Registry,
  constHistogram,
  constMetric,
  constNativeHistogram,
  metricsHandler,
  nativeBucketsOf,
  negotiate,
} from '../src/index.js'
import { freePort, waitFor } from './helpers/ports.js'
import { startPrometheus } from './helpers/prometheus.js'

// Debian's Prometheus 2.42 with native histograms and exemplar storage on asks for protobuf first; what it stores
// from promkit's protobuf is checked against numbers worked out by hand.

const exemplarAt = 1_700_000_000_000

function exporterRegistry(): Registry {
  const native = new Desc({ name: 'demo_wait_seconds', help: 'Waits, as a native histogram.', unit: 'seconds' })
  const latency = new Desc({ name: 'demo_latency_seconds', help: 'Latency, classic.', variableLabels: ['path'] })
  const requests = new Desc({ name: 'demo_requests_total', help: 'Requests.', variableLabels: ['code'] })
  const room = new Desc({ name: 'demo_temperature_celsius', help: 'Temperature.', variableLabels: ['room'] })
  const registry = new Registry()
  registry.register({
    describe: () => [native, latency, requests, room],
    collect(emit) {
      // Schema 0: bucket 0 holds (0.5, 1], bucket 1 holds (1, 2].
      emit(constNativeHistogram(native, nativeBucketsOf([0.75, 1, 1.5, 2], { schema: 0 })))
      emit(
        constHistogram(
          latency,
          {
            count: 10,
            sum: 4.5,
            buckets: [
              [0.1, 2],
              [0.5, 6],
            ],
          },
          ['/'],
        ),
      )
      emit(
        constMetric(requests, 'counter', 1027, ['200'], {
          exemplar: { labels: { trace_id: 'abc123' }, value: 0.67, timestampMs: exemplarAt },
        }),
      )
      emit(constMetric(room, 'gauge', 21.5, ['kitchen "main" \\ back\nline']))
    },
  })
  return registry
}

t.test('Prometheus 2.42 scrapes protobuf and answers native histogram queries as computed by hand', async (t) => {
  const accepts: string[] = []
  const handle = metricsHandler(exporterRegistry())
  const server: Server = createServer((request, response) => {
    accepts.push(String(request.headers.accept))
    handle(request, response)
  })
  const port = await freePort()
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  const prometheus = await startPrometheus(
    `  - job_name: 'native'\n    static_configs:\n      - targets: ['127.0.0.1:${port}']\n`,
    ['--enable-feature=native-histograms,exemplar-storage'],
  )
  t.teardown(async () => {
    await prometheus.stop()
    server.close()
  })
  const value = async (promql: string) => (await prometheus.query(promql))[0]?.value[1]
  await waitFor('a scrape with the native histogram', async () => value('histogram_count(demo_wait_seconds)'))
  t.equal(negotiate(accepts[0]), 'protobuf', `Prometheus asks for protobuf first: ${accepts[0]}`)
  t.equal(await value('up{job="native"}'), '1')
  t.equal(await value('histogram_count(demo_wait_seconds)'), '4', 'count: four observations')
  t.equal(await value('histogram_sum(demo_wait_seconds)'), '5.25', 'sum: 0.75 + 1 + 1.5 + 2')
  // Rank 2 of 4 ends bucket 0, at its upper bound 1; rank 3 is half-way into bucket 1, (1, 2]: 1.5 (2.42 interpolates
  // linearly within a bucket).
  t.equal(await value('histogram_quantile(0.5, demo_wait_seconds)'), '1', 'median: the end of bucket 0')
  t.equal(await value('histogram_quantile(0.75, demo_wait_seconds)'), '1.5', 'p75: half-way through bucket 1')
  t.equal(await value('histogram_fraction(0, 1, demo_wait_seconds)'), '0.5', 'half of the observations are up to 1')
  t.same(await prometheus.query('demo_wait_seconds_bucket'), [], 'a native-only histogram has no classic bucket series')
  t.equal(await value('demo_latency_seconds_bucket{path="/",le="0.5"}'), '6', 'classic buckets land unchanged')
  t.equal(await value('demo_latency_seconds_bucket{path="/",le="+Inf"}'), '10', 'with +Inf from the count')
  t.equal(await value('demo_latency_seconds_sum{path="/"}'), '4.5')
  t.equal(await value('demo_requests_total{code="200"}'), '1027')
  const [room] = await prometheus.query('demo_temperature_celsius')
  t.equal(room?.metric.room, 'kitchen "main" \\ back\nline', 'label values arrive as they were, unescaped')
  t.equal(room?.value[1], '21.5')
  const exemplars = (await (
    await fetch(
      `${prometheus.url}/api/v1/query_exemplars?query=demo_requests_total&start=${exemplarAt / 1000 - 60}&end=${Date.now() / 1000 + 60}`,
    )
  ).json()) as { data: { exemplars: { labels: Record<string, string>; value: string; timestamp: number }[] }[] }
  t.same(
    exemplars.data[0]?.exemplars[0],
    { labels: { trace_id: 'abc123' }, value: '0.67', timestamp: exemplarAt / 1000 },
    'the counter exemplar is stored',
  )
})
