// A small fastify service with its own business metrics and request metrics, scraped by Prometheus.
// Run it: node dist/examples/fastify-app.js   (then curl localhost:3000/orders/42 and localhost:3000/metrics)
import Fastify from 'fastify'
import * as client from 'prom-client'
import { Registry, promClientCollector } from 'promkit'
import { fastifyMetrics } from 'promkit/fastify'

const registry = new Registry()
const app = Fastify()
await app.register(fastifyMetrics, { registry, extraLabels: { service: 'shop' } })

// Business metrics: instrumented with prom-client, served through the same promkit registry.
const business = new client.Registry()
const orders = new client.Counter({
  name: 'shop_orders_total',
  help: 'Orders placed, by payment method.',
  labelNames: ['payment'],
  registers: [business],
})
client.collectDefaultMetrics({ register: business })
registry.register(promClientCollector(business, { name: 'shop' }))

app.get('/orders/:id', async (request) => ({ id: (request.params as { id: string }).id }))
app.post('/orders', async (request, reply) => {
  orders.inc({ payment: (request.query as { payment?: string }).payment ?? 'card' })
  return reply.code(201).send({ ok: true })
})

const port = Number(process.env.PORT ?? 3000)
await app.listen({ host: '127.0.0.1', port })
console.error(`shop listening on http://127.0.0.1:${port}, metrics at /metrics`)
