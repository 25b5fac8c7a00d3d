import type { FastifyReply, FastifyRequest } from 'fastify'
import type { MetricsHandler } from './handler.js'

/**
 * A fastify route handler that answers through a {@link MetricsHandler} and fastify's reply, so hooks and the error
 * handler apply.
 */
export function metricsRoute(
  handler: MetricsHandler,
): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply> {
  return async (request, reply) => {
    const answer = await handler.respond(request.raw, reply.raw, request.query as Record<string, unknown>)
    return reply.code(answer.status).headers(answer.headers).send(answer.body)
  }
}
