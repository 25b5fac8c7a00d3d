import type { IncomingMessage, ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { promisify } from 'node:util'
import { createGzip, gzip } from 'node:zlib'
import { contentTypes, encodeBody } from '../exposition/encode.js'
import { negotiate } from '../exposition/negotiate.js'
import type { GatherError } from '../families.js'
import type { Gatherer } from '../gather.js'

const gzipAsync = promisify(gzip)

/** Options of {@link metricsHandler}. */
export interface MetricsHandlerOptions {
  /** Called with the gather's errors (the scrape is still served). Default: one line each on stderr. */
  readonly onGatherErrors?: (errors: readonly GatherError[]) => void
}

function reportToStderr(errors: readonly GatherError[]): void {
  for (const error of errors) process.stderr.write(`promkit: ${error.message}\n`)
}

/** Whether an Accept-Encoding header allows gzip (q > 0). */
function acceptsGzip(header: string | undefined): boolean {
  return (header ?? '').split(',').some((part) => {
    const [coding, ...parameters] = part.trim().split(';')
    const q = parameters.map((p) => p.trim()).find((p) => p.startsWith('q='))
    return coding?.trim().toLowerCase() === 'gzip' && (q === undefined || Number(q.slice(2)) > 0)
  })
}

/**
 * Writes one scrape of a gatherer to a node:http response: the format from the
 * Accept header, gzip when the client accepts it, the encoding streamed in
 * chunks. Failed collectors are reported through `onGatherErrors`; what
 * succeeded is served with 200.
 */
export async function serveMetrics(gatherer: Gatherer, request: IncomingMessage, response: ServerResponse, options: MetricsHandlerOptions = {}): Promise<void> {
  const { families, errors } = await gatherer.gather()
  if (errors.length > 0) (options.onGatherErrors ?? reportToStderr)(errors)
  const format = negotiate(request.headers.accept)
  const gzipped = acceptsGzip(request.headers['accept-encoding'] as string | undefined)
  response.writeHead(200, { 'content-type': contentTypes[format], vary: 'accept-encoding', ...(gzipped ? { 'content-encoding': 'gzip' } : {}) })
  const encoded = encodeBody(families, format)
  if (typeof encoded === 'string') {
    response.end(gzipped ? await gzipAsync(encoded) : encoded)
    return
  }
  const body = Readable.from(encoded)
  await (gzipped ? pipeline(body, createGzip(), response) : pipeline(body, response))
}

/**
 * A `(req, res)` handler serving a promkit registry, for node:http, express
 * (`app.get('/metrics', metricsHandler(registry))`) or koa
 * (`ctx.respond = false; metricsHandler(registry)(ctx.req, ctx.res)`).
 */
export function metricsHandler(gatherer: Gatherer, options: MetricsHandlerOptions = {}): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    serveMetrics(gatherer, request, response, options).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
      response.end(`error serving metrics: ${(error as Error).message}\n`)
    })
  }
}
