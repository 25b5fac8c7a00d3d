// Peers: promtool
// promkit/testing (client_golang's testutil and promlint for exporter authors) and the gaugeFunc/counterFunc shortcuts.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Desc, Registry, constHistogram, constMetric, constSummary, counterFunc, gaugeFunc, parseText } from 'promkit'
import type { Collector } from 'promkit'
import {
  collectAndCompare,
  collectAndCount,
  collectAndLint,
  gatherAndLint,
  lintFamilies,
  toFloat64,
} from 'promkit/testing'
import t from 'tap'
import { promtoolCheckMetrics } from './helpers/promtool.js'

const requests = new Desc({ name: 'http_requests_total', help: 'Requests.', variableLabels: ['code', 'method'] })
const latency = new Desc({ name: 'http_latency_seconds', help: 'Latency.' })
const sizes = new Desc({ name: 'response_size_bytes', help: 'Sizes.' })

/** A collector of a counter's two series, a histogram and a summary. */
const collector: Collector = {
  describe: () => [requests, latency, sizes],
  collect(emit) {
    emit(constMetric(requests, 'counter', 1000, ['200', 'get']))
    emit(constMetric(requests, 'counter', 3, ['500', 'post']))
    emit(constHistogram(latency, { count: 4, sum: 1.5, buckets: [[0.5, 3]] }))
    emit(constSummary(sizes, { count: 2, sum: 300, quantiles: [[0.5, 100]] }))
  },
}

t.test(
  'collectAndCompare: equal whatever the order of families, series and labels, and the number format',
  async () => {
    const expected = `# HELP response_size_bytes Sizes.
# TYPE response_size_bytes summary
response_size_bytes{quantile="0.5"} 1e2
response_size_bytes_sum 300
response_size_bytes_count 2
# HELP http_requests_total Requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="500"} 3
http_requests_total{method="get",code="200"} 1e3
# HELP http_latency_seconds Latency.
# TYPE http_latency_seconds histogram
http_latency_seconds_bucket{le="0.5"} 3
http_latency_seconds_bucket{le="+Inf"} 4
http_latency_seconds_sum 1.5
http_latency_seconds_count 4
`
    await collectAndCompare(collector, expected)
    const registry = new Registry()
    registry.register(collector)
    await collectAndCompare(registry, expected, 'http_requests_total')
    await collectAndCompare(
      collector,
      '# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\n' +
        'http_requests_total{code="200",method="get"} 1000\nhttp_requests_total{code="500",method="post"} 3\n',
      'http_requests_total',
    )
  },
)

t.test('collectAndCompare: a difference is thrown as the lines that differ', async (t) => {
  await t.rejects(
    collectAndCompare(
      collector,
      '# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\n' +
        'http_requests_total{code="200",method="get"} 1000\nhttp_requests_total{code="500",method="post"} 4\n',
      'http_requests_total',
    ),
    {
      message:
        'collectAndCompare: the metrics differ (- expected, + collected):\n' +
        '- http_requests_total{code="500",method="post"} 4\n' +
        '+ http_requests_total{code="500",method="post"} 3',
    },
  )
  await t.rejects(collectAndCompare(collector, '', 'http_latency_seconds'), {
    message:
      'collectAndCompare: the metrics differ (- expected, + collected):\n' +
      '+ # HELP http_latency_seconds Latency.\n+ # TYPE http_latency_seconds histogram\n' +
      '+ http_latency_seconds_bucket{le="+Inf"} 4\n+ http_latency_seconds_bucket{le="0.5"} 3\n' +
      '+ http_latency_seconds_count 4\n+ http_latency_seconds_sum 1.5',
  })
})

t.test('collectAndCompare: NaN and infinities, families without HELP, histograms written without _sum', async (t) => {
  const odd = new Desc({ name: 'odd_values', help: 'Odd.', variableLabels: ['kind'] })
  const oddCollector: Collector = {
    describe: () => [odd],
    collect(emit) {
      emit(constMetric(odd, 'gauge', Number.NaN, ['nan']))
      emit(constMetric(odd, 'gauge', Number.NEGATIVE_INFINITY, ['low']))
      emit(constMetric(odd, 'gauge', Number.POSITIVE_INFINITY, ['high']))
    },
  }
  await collectAndCompare(
    oddCollector,
    '# HELP odd_values Odd.\n# TYPE odd_values gauge\nodd_values{kind="nan"} NaN\nodd_values{kind="low"} -Inf\n' +
      'odd_values{kind="high"} +Inf\n',
  )
  await t.rejects(collectAndCompare(oddCollector, 'odd_values{kind="nan"} NaN\n'), {
    message: /^collectAndCompare: the metrics differ[\s\S]*\n- # HELP odd_values \n- # TYPE odd_values untyped\n/,
  })
  await t.rejects(
    collectAndCompare(
      collector,
      '# HELP http_latency_seconds Latency.\n# TYPE http_latency_seconds histogram\n' +
        'http_latency_seconds_bucket{le="0.5"} 3\nhttp_latency_seconds_bucket{le="+Inf"} 4\n',
      'http_latency_seconds',
    ),
    {
      message:
        'collectAndCompare: the metrics differ (- expected, + collected):\n' +
        '+ http_latency_seconds_count 4\n+ http_latency_seconds_sum 1.5',
    },
  )
})

t.test('collectAndCount and toFloat64', async (t) => {
  t.equal(await collectAndCount(collector), 4, 'a histogram or summary series counts once')
  t.equal(await collectAndCount(collector, 'http_requests_total'), 2)
  t.equal(await collectAndCount(collector, 'nothing_here'), 0)
  const temperature = gaugeFunc({ name: 'room_celsius', help: 'Room temperature.' }, () => 21.5)
  t.equal(await toFloat64(temperature), 21.5)
  await t.rejects(toFloat64(collector), { message: 'toFloat64: collected 4 series, want exactly one' })
  const onlyHistogram: Collector = {
    describe: () => [latency],
    collect: (emit) => emit(constHistogram(latency, { count: 0, sum: 0, buckets: [] })),
  }
  await t.rejects(toFloat64(onlyHistogram), {
    message: 'toFloat64: the series is a histogram or summary; toFloat64 reads counters, gauges and untyped',
  })
  const broken: Collector = {
    name: 'broken',
    describe: () => [latency],
    collect() {
      throw new Error('the target is down')
    },
  }
  await t.rejects(toFloat64(broken), { message: /broken: collect\(\) failed: the target is down/ })
})

t.test('gaugeFunc and counterFunc: one series, a callback sync or async, given the scrape signal', async (t) => {
  let signal: AbortSignal | undefined
  const started = counterFunc(
    { namespace: 'app', name: 'jobs_started_total', help: 'Jobs started.', constLabels: { queue: 'mail' } },
    async (given) => {
      signal = given
      return 7
    },
  )
  await collectAndCompare(
    started,
    '# HELP app_jobs_started_total Jobs started.\n# TYPE app_jobs_started_total counter\n' +
      'app_jobs_started_total{queue="mail"} 7\n',
  )
  t.type(signal, AbortSignal)
  t.equal(started.name, 'app_jobs_started_total')
  const failing = gaugeFunc({ name: 'queue_length', help: 'Queue length.' }, () => {
    throw new Error('no queue')
  })
  await t.rejects(collectAndCount(failing), { message: /queue_length: collect\(\) failed: no queue/ })
})

/** An exposition with one of each of promlint's findings, and families it finds nothing in. */
const badExposition = `# HELP requests Requests.
# TYPE requests counter
requests 1
# TYPE no_help_total counter
no_help_total 1
# HELP latency_milliseconds Latency.
# TYPE latency_milliseconds gauge
latency_milliseconds 1
# HELP disk_bits Disk.
# TYPE disk_bits gauge
disk_bits 1
# HELP uptime_hours Up.
# TYPE uptime_hours gauge
uptime_hours 1
# HELP kilobytes_read_total Read.
# TYPE kilobytes_read_total counter
kilobytes_read_total 1
# HELP wait_ms Wait.
# TYPE wait_ms gauge
wait_ms 1
# HELP queue_gauge Queue.
# TYPE queue_gauge gauge
queue_gauge 1
# HELP job:errors:rate5m Errors.
# TYPE job:errors:rate5m gauge
job:errors:rate5m 1
# HELP memoryUsed_bytes Memory.
# TYPE memoryUsed_bytes gauge
memoryUsed_bytes 1
# HELP temperature_celsius Temperature.
# TYPE temperature_celsius gauge
temperature_celsius{sensorName="a"} 1
# HELP queue_size_bucket Buckets.
# TYPE queue_size_bucket gauge
queue_size_bucket 1
# HELP le_gauge Misused le.
# TYPE le_gauge gauge
le_gauge{le="1"} 1
# HELP quantile_gauge Misused quantile.
# TYPE quantile_gauge gauge
quantile_gauge{quantile="0.5"} 1
# HELP items_count Items.
# TYPE items_count gauge
items_count 1
# HELP items_sum Items.
# TYPE items_sum gauge
items_sum 1
# HELP good_seconds Fine.
# TYPE good_seconds histogram
good_seconds_bucket{le="+Inf"} 1
good_seconds_sum 1
good_seconds_count 1
# HELP fine_bytes Fine.
# TYPE fine_bytes summary
fine_bytes{quantile="0.5"} 1
fine_bytes_sum 1
fine_bytes_count 1
`

t.test("lint: promlint's rules, the same findings promtool check metrics gives for the same metrics", async (t) => {
  const ours = lintFamilies(parseText(badExposition)).map(({ metric, text }) => `${metric} ${text}`)
  const theirs = promtoolCheckMetrics(badExposition).stderr.trim().split('\n')
  t.same(ours, [...theirs].sort())
  t.ok(ours.length >= 14, `${ours.length} findings`)
})

t.test('collectAndLint and gatherAndLint: findings on what is collected, all or named families', async (t) => {
  const misnamed = new Desc({ name: 'cacheHits', help: 'Hits.' })
  const hits: Collector = { describe: () => [misnamed], collect: (emit) => emit(constMetric(misnamed, 'counter', 1)) }
  t.same(await collectAndLint(hits), [
    { metric: 'cacheHits', rule: 'counter-suffix', text: 'counter metrics should have "_total" suffix' },
    {
      metric: 'cacheHits',
      rule: 'camel-case-name',
      text: "metric names should be written in 'snake_case' not 'camelCase'",
    },
  ])
  const registry = new Registry()
  registry.register(collector)
  registry.register(hits)
  t.same(await gatherAndLint(registry, 'http_requests_total'), [], 'well-named families')
  t.equal((await gatherAndLint(registry)).length, 2)
})

t.test("usable from node:test: README's example passes, and a failure is a thrown error with the diff", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'promkit-node-test-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const section = readme.slice(readme.indexOf('### Testing your exporter'))
  const example = /```ts\n([\s\S]*?)```/.exec(section)?.[1] as string
  // The packages as this checkout built them, where a project would import them from node_modules.
  const built = (file: string) => JSON.stringify(new URL(`../dist/src/${file}`, import.meta.url).pathname)
  const runnable = example
    .replace(`from 'promkit/testing'`, `from ${built('testing/index.js')}`)
    .replace(`from 'promkit'`, `from ${built('index.js')}`)
  writeFileSync(join(dir, 'readme.test.mjs'), runnable)
  writeFileSync(
    join(dir, 'failing.test.mjs'),
    runnable.replace('queue_jobs{queue="mail"} 3', 'queue_jobs{queue="mail"} 4'),
  )
  const passing = spawnSync(process.execPath, ['--test', join(dir, 'readme.test.mjs')], { encoding: 'utf8' })
  t.equal(passing.status, 0, passing.stdout)
  t.match(passing.stdout, /^# pass 1$/m)
  const failing = spawnSync(process.execPath, ['--test', join(dir, 'failing.test.mjs')], { encoding: 'utf8' })
  t.equal(failing.status, 1)
  t.match(failing.stdout, /- queue_jobs\{queue="mail"\} 4/)
  t.match(failing.stdout, /\+ queue_jobs\{queue="mail"\} 3/)
})
