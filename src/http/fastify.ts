// promkit/fastify: serve a promkit registry from a fastify app and record its HTTP traffic.
export { fastifyMetrics, unmatchedRoute } from './fastify-metrics.js'
export type { FastifyMetricsOptions } from './fastify-metrics.js'
