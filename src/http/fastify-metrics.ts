import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import * as client from 'prom-client'
import { promClientCollector } from '../prom-client-bridge.js'
import type { Registry } from '../registry.js'
import { metricsRoute } from './fastify-route.js'
import { MetricsHandler } from './handler.js'

/** Options of {@link fastifyMetrics}. */
export interface FastifyMetricsOptions {
  /** The registry to serve and to add the request metrics to. */
  readonly registry: Registry
  /** Where to serve it. Default `/metrics`. */
  readonly path?: string
  /** Histogram buckets in seconds. Default prom-client's (0.005 … 10). */
  readonly buckets?: readonly number[]
  /** Route templates not to record (the metrics path is never recorded). */
  readonly excludeRoutes?: readonly string[]
  /** Const labels on every request metric, e.g. `{ service: 'orders' }`. */
  readonly extraLabels?: Readonly<Record<string, string>>
}

/** The `route` label of requests that matched no route: one value, so unknown URLs cannot grow the series count. */
export const unmatchedRoute = 'unmatched'

const startTimes = new WeakMap<FastifyRequest, bigint>()

/**
 * A fastify plugin that serves a promkit registry and records the app's HTTP
 * traffic into it: `http_request_duration_seconds` (histogram) and
 * `http_requests_total` (counter) by `method`, `route` (the route *template*,
 * `/orders/:id`, never the raw URL; requests that match no route all count as
 * `unmatched`) and `code`, and `http_requests_in_flight`. The instrumentation is
 * prom-client's, brought into the registry through the bridge.
 *
 * Register it without encapsulation so it sees every route:
 * `await app.register(fastifyMetrics, { registry })`.
 */
export async function fastifyMetrics(app: FastifyInstance, options: FastifyMetricsOptions): Promise<void> {
  const path = options.path ?? '/metrics'
  const extra = options.extraLabels ?? {}
  const labelNames = ['method', 'route', 'code', ...Object.keys(extra)]
  const register = new client.Registry()
  register.setDefaultLabels({ ...extra })
  const duration = new client.Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by method, route template and status code.',
    labelNames,
    ...(options.buckets ? { buckets: [...options.buckets] } : {}),
    registers: [register],
  })
  const requests = new client.Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route template and status code.',
    labelNames,
    registers: [register],
  })
  const inFlight = new client.Gauge({
    name: 'http_requests_in_flight',
    help: 'HTTP requests being answered.',
    registers: [register],
  })
  options.registry.register(promClientCollector(register, { name: 'http' }))
  const excluded = new Set([path, ...(options.excludeRoutes ?? [])])
  const routeOf = (request: FastifyRequest): string => request.routeOptions.url ?? unmatchedRoute

  app.addHook('onRequest', async (request: FastifyRequest) => {
    if (excluded.has(routeOf(request))) return
    startTimes.set(request, process.hrtime.bigint())
    inFlight.inc()
  })
  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const started = startTimes.get(request)
    if (started === undefined) return
    inFlight.dec()
    const labels = { method: request.method, route: routeOf(request), code: String(reply.statusCode) }
    duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9)
    requests.inc(labels)
  })
  const handler = new MetricsHandler(options.registry, {
    onGatherErrors: (errors) => {
      for (const error of errors) app.log.warn({ collector: error.source }, error.message)
    },
  })
  // Answered through fastify's reply, so the app's own hooks (onSend, onResponse) see the scrape like any request.
  app.get(path, metricsRoute(handler))
}
// Let the plugin's hooks and route apply to the whole app (fastify-plugin's skip-override, without the dependency).
;(fastifyMetrics as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true
