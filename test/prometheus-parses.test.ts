// Peers: promtool prometheus
import { readFileSync } from 'node:fs'
import { type Server, createServer } from 'node:http'
import fc from 'fast-check'
import t from 'tap'
import {
  Desc,
  type Metric,
  Registry,
  constHistogram,
  constMetric,
  contentTypes,
  encode,
  negotiate,
} from '../src/index.js'
import { parseExposition } from './helpers/exposition-parser.js'
import { freePort, waitFor } from './helpers/ports.js'
import { startPrometheus } from './helpers/prometheus.js'

// Prometheus' own parsers are the judges here: a parse error fails the whole scrape (up == 0).

const golden = {
  text: readFileSync(new URL('golden/exposition.txt', import.meta.url), 'utf8'),
  openmetrics: readFileSync(new URL('golden/exposition.om.txt', import.meta.url), 'utf8'),
}

async function randomOpenMetrics(): Promise<string> {
  const value = fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => `${s}"\\\n`)
  const [rows] = fc.sample(fc.array(fc.tuple(value, fc.double({ noNaN: false })), { minLength: 500, maxLength: 500 }), {
    seed: 7,
    numRuns: 1,
  }) as [[string, number][]]
  const gauge = new Desc({
    name: 'random_level',
    help: 'Random "levels" \\ here.\n',
    variableLabels: ['name', 'index'],
  })
  const counter = new Desc({ name: 'random_events_total', help: 'Random events.', variableLabels: ['index'] })
  const histogram = new Desc({
    name: 'random_wait_seconds',
    help: 'Random waits.',
    variableLabels: ['index'],
    unit: 'seconds',
  })
  const metrics: Metric[] = []
  rows.forEach(([name, level], i) => {
    metrics.push(constMetric(gauge, 'gauge', level, [name, String(i)]))
    metrics.push(
      constMetric(counter, 'counter', i, [String(i)], {
        exemplar: { labels: { trace_id: `t${i}` }, value: i / 10, timestampMs: 1_700_000_000_000 + i },
      }),
    )
    metrics.push(
      constHistogram(
        histogram,
        {
          count: i,
          sum: i * 1.5,
          buckets: [
            [1e-5, 0],
            [0.5, Math.floor(i / 2)],
            [1e6, i],
          ],
          exemplars: [{ labels: { id: String(i) }, value: 0.1 }],
        },
        [String(i)],
      ),
    )
  })
  const registry = new Registry()
  registry.register({ name: 'random', describe: () => [], collect: (emit) => metrics.forEach(emit) })
  return encode((await registry.gather()).families, 'openmetrics')
}

t.test('a real Prometheus scrapes the goldens and a large random exposition without a parse error', async (t) => {
  const bodies: Record<string, { text: string; contentType: string }> = {
    '/text': { text: golden.text, contentType: contentTypes.text },
    '/openmetrics': { text: golden.openmetrics, contentType: contentTypes.openmetrics },
    '/random': { text: await randomOpenMetrics(), contentType: contentTypes.openmetrics },
  }
  const accepts: string[] = []
  const server: Server = createServer((request, response) => {
    const body = bodies[request.url ?? '']
    if (request.url === '/openmetrics') accepts.push(String(request.headers.accept))
    if (!body) return void response.writeHead(404).end()
    response.writeHead(200, { 'content-type': body.contentType }).end(body.text)
  })
  const port = await freePort()
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  const jobs = Object.keys(bodies)
    .map(
      (path) =>
        `  - job_name: '${path.slice(1)}'\n    metrics_path: '${path}'\n    static_configs:\n      - targets: ['127.0.0.1:${port}']\n`,
    )
    .join('')
  const prometheus = await startPrometheus(jobs)
  t.teardown(async () => {
    await prometheus.stop()
    server.close()
  })
  for (const [path, body] of Object.entries(bodies)) {
    const job = path.slice(1)
    const format = body.contentType === contentTypes.text ? 'text' : 'openmetrics'
    const expected = parseExposition(body.text, format).samples.length
    const scraped = await waitFor(`a scrape of ${job}`, async () => {
      const [up] = await prometheus.query(`up{job="${job}"}`)
      const [samples] = await prometheus.query(`scrape_samples_scraped{job="${job}"}`)
      return up && samples ? { up: up.value[1], samples: Number(samples.value[1]) } : undefined
    })
    t.same(scraped, { up: '1', samples: expected }, `${job}: up, and all ${expected} samples ingested`)
  }
  t.equal(negotiate(accepts[0]), 'openmetrics', `Prometheus asks for OpenMetrics: ${accepts[0]}`)
  for (const job of ['text', 'openmetrics']) {
    const room = 'kitchen "main" \\ back\nline'
    const [kitchen] = await prometheus.query(`app_temperature_celsius{job="${job}",room=${JSON.stringify(room)}}`)
    t.equal(kitchen?.metric.room, room, `${job}: escaped label values arrive intact`)
    t.equal(kitchen?.value[1], '21.5')
  }
  const [bucket] = await prometheus.query('app_latency_seconds_bucket{job="openmetrics",le="1e+06"}')
  t.equal(bucket?.value[1], '9', 'canonical le values are stored as written')
})
