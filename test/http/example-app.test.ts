// Peers: promtool prometheus
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import t from 'tap'
import { get, samples } from '../helpers/exporter-process.js'
import { freePort, waitFor } from '../helpers/ports.js'
import { startPrometheus } from '../helpers/prometheus.js'

// README's in-app example, run as a process and scraped by a real Prometheus.
const source = readFileSync(new URL('../../examples/fastify-app.ts', import.meta.url), 'utf8')
const built = new URL('../../dist/examples/fastify-app.js', import.meta.url).pathname

t.test('README shows the example app verbatim', async (t) => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  t.ok(readme.includes(`\`\`\`ts\n${source}\`\`\``))
})

t.test('the example shop serves business and request metrics, and Prometheus scrapes them', async (t) => {
  const port = await freePort()
  const child = spawn(process.execPath, [built], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  t.teardown(() => void child.kill())
  const base = `http://127.0.0.1:${port}`
  await waitFor('the shop', async () => (stderr.includes('shop listening') ? true : undefined), 20_000, 20)
  await get(`${base}/orders/42`)
  await fetch(`${base}/orders?payment=invoice`, { method: 'POST' })
  await fetch(`${base}/orders`, { method: 'POST' })
  const text = (await get(`${base}/metrics`)).text
  t.same(samples(text, 'shop_orders_total', 'http_requests_total'), [
    'http_requests_total{code="200",method="GET",route="/orders/:id",service="shop"} 1',
    'http_requests_total{code="201",method="POST",route="/orders",service="shop"} 2',
    'shop_orders_total{payment="card"} 1',
    'shop_orders_total{payment="invoice"} 1',
  ])
  t.ok(samples(text, 'nodejs_heap_size_used_bytes').length === 1, "and Node's process metrics")
  const prometheus = await startPrometheus(
    `  - job_name: shop\n    static_configs:\n      - targets: ['127.0.0.1:${port}']\n`,
  )
  t.teardown(() => prometheus.stop())
  const [sample] = await waitFor('Prometheus to scrape the shop', async () => {
    const found = await prometheus.query('shop_orders_total{job="shop",payment="invoice"}')
    return found.length > 0 ? found : undefined
  })
  t.equal(sample?.value[1], '1')
})

t.test("the example's default port is 3000, as README says", async (t) => {
  const child = spawn(process.execPath, [built], {
    env: { ...process.env, PORT: undefined },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  t.teardown(() => void child.kill())
  await waitFor(
    'the shop on :3000',
    async () => (stderr.includes('shop listening on http://127.0.0.1:3000') ? true : undefined),
    20_000,
    20,
  )
  t.equal((await get('http://127.0.0.1:3000/orders/1')).status, 200)
})
