import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { Readable, pipeline } from 'node:stream'
import { constants, createGzip, gzipSync } from 'node:zlib'
import { quote } from '../errors.js'
import { encodeBody } from '../exposition/encode.js'
import { negotiateExposition } from '../exposition/negotiate.js'
import type { GatherError } from '../families.js'
import type { GatherOptions, GatherResult, Gatherer } from '../gather.js'

const plainText = 'text/plain; charset=utf-8'

/** The longest scrape deadline a request can ask for (1h), however long its timeout header says. */
export const maxScrapeTimeoutMs = 3_600_000

/** Bodies shorter than this are sent as they are: gzip would save little and cost more than the bytes. */
const compressFromBytes = 1024
/**
 * gzip at zlib's fastest level, nginx's default: a 35 MB exposition (Kafka, 1,000 groups) compresses in 37 ms
 * instead of 108–157 ms at zlib's default level 6, into 1.53 MB instead of 1.41.
 */
const gzipOptions = { level: constants.Z_BEST_SPEED }

/** promhttp's `HandlerOpts.ErrorHandling`: on a collector error, serve what succeeded, or answer 500. */
export const errorHandlings = ['continue', 'http500'] as const
/** One of {@link errorHandlings}. */
export type ErrorHandling = (typeof errorHandlings)[number]

/** nginx's "client closed request": counted for a client that went away before its answer was sent, never sent. */
export const clientClosedRequest = 499

/** Counts a handler's requests, as promhttp's `InstrumentMetricHandler` does. */
export interface HandlerInstrumentation {
  started(): void
  /** With the status answered, or {@link clientClosedRequest} when the client went away first. */
  finished(statusCode: number): void
}

/**
 * The requests being served, by one handler or (shared) by several: bounded by `maxRequestsInFlight`, awaited at
 * shutdown.
 */
export class RequestsInFlight {
  private current = 0
  private waiters: (() => void)[] = []

  /** `idle` is called each time the last request in flight is answered. */
  constructor(private readonly idle?: () => void) {}

  get count(): number {
    return this.current
  }

  started(): void {
    this.current++
  }

  finished(): void {
    if (--this.current > 0) return
    for (const wake of this.waiters.splice(0)) wake()
    this.idle?.()
  }

  /** Resolves when no request is being served. */
  drained(): Promise<void> {
    return this.current === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve))
  }
}

/** A scrape request as a {@link MetricsSource} sees it. */
export interface MetricsRequest {
  readonly headers: IncomingHttpHeaders
  /** The query string; a repeated parameter is an array. */
  readonly query: Readonly<Record<string, unknown>>
}

/**
 * Thrown by a {@link MetricsSource} to answer with this status and text instead of metrics (a refused target is
 * 400; a multi-target exporter's own answer, such as a probe's debug page, 200).
 */
export class ScrapeRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
    this.name = 'ScrapeRefused'
  }
}

/**
 * What a handler serves: a gatherer, or a function of the request that
 * gathers with the options it is given (the deadline and the client's abort
 * signal), e.g. a multi-target scrape building its collectors from `?target=`.
 */
export type MetricsSource = Gatherer | ((request: MetricsRequest, options: GatherOptions) => Promise<GatherResult>)

/** Options of a {@link MetricsHandler}, after promhttp's `HandlerOpts`. */
export interface MetricsHandlerOptions {
  /** Default `continue`. */
  readonly errorHandling?: ErrorHandling
  /** Called with the gather's errors. Default: one line each on stderr. */
  readonly onGatherErrors?: (errors: readonly GatherError[], request: MetricsRequest) => void
  /** More requests than this being served at once are answered 503. Default 0, no limit. */
  readonly maxRequestsInFlight?: number
  /** The count that limit applies to, when several handlers share it (and shutdown waits for it). */
  readonly inFlight?: RequestsInFlight
  /** The deadline of a request without `X-Prometheus-Scrape-Timeout-Seconds`. Default: the gatherer's own. */
  readonly timeoutMs?: number
  /** Taken off the header's timeout, so the answer arrives before Prometheus gives up. Default 0. */
  readonly timeoutOffsetMs?: number
  /** Counts requests by status code and in flight. */
  readonly instrumentation?: HandlerInstrumentation
  /** gzip when the client accepts it. Default true. */
  readonly compression?: boolean
  /**
   * OpenMetrics: `_created` lines for counters, histograms and summaries with a created timestamp, as client_golang's
   * `EnableOpenMetricsTextCreatedSamples`. Default false.
   */
  readonly openMetricsCreatedSamples?: boolean
}

/** An answer, for any server to send as it is. */
export interface MetricsResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string | Buffer | Readable
}

function textResponse(status: number, message: string): MetricsResponse {
  return { status, headers: { 'content-type': plainText }, body: `${message}\n` }
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
 * The scrape deadline in ms: Prometheus' `X-Prometheus-Scrape-Timeout-Seconds`
 * (cut to 1h, however long it says) less the offset, or half of it when it is
 * not longer than the offset; `fallbackMs` without the header. A header that
 * is not a positive number gives the message to answer 400 with.
 */
export function scrapeDeadline(
  header: string | undefined,
  fallbackMs: number | undefined,
  offsetMs: number,
): number | string | undefined {
  if (header === undefined) return fallbackMs
  const seconds = Number(header)
  if (header.trim() === '' || !(seconds > 0))
    return `X-Prometheus-Scrape-Timeout-Seconds: ${quote(header)} is not a positive number of seconds`
  const ms = Math.min(seconds * 1000, maxScrapeTimeoutMs)
  return ms > offsetMs ? ms - offsetMs : ms / 2
}

/** The values of a query parameter that may be repeated (`?name[]=a&name[]=b`), as a list. */
export function queryList(value: unknown): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)]
}

/** The query of a request URL as fastify gives it: a repeated parameter is an array. */
export function parseQuery(url: string | undefined): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {}
  for (const [name, value] of new URL(url ?? '/', 'http://localhost').searchParams) {
    const known = query[name]
    query[name] = known === undefined ? value : [...(Array.isArray(known) ? known : [known]), value]
  }
  return query
}

const connectionSignals = new WeakMap<Socket, AbortSignal>()

/**
 * Aborts when the connection closes: an HTTP/1.1 connection carries one request at a time, so a scrape whose
 * connection closes before it is answered is one whose client went away. One per connection rather than per request:
 * an AbortController costs more than the rest of a trivial scrape's bookkeeping.
 */
function connectionSignal(socket: Socket): AbortSignal {
  let signal = connectionSignals.get(socket)
  if (signal === undefined) {
    const controller = new AbortController()
    socket.once('close', () => controller.abort())
    signal = controller.signal
    connectionSignals.set(socket, signal)
  }
  return signal
}

/**
 * promkit's counterpart of client_golang's `promhttp.HandlerFor`: the one path
 * every scrape takes, whatever the server. It limits concurrent requests,
 * takes the deadline from Prometheus' timeout header, gathers once, reports
 * errors, negotiates the format, encodes (large scrapes as a stream) and
 * compresses. `respond()` returns the answer for the server to send, so
 * fastify's reply pipeline (hooks, `onSend`) sees it like any other.
 */
export class MetricsHandler {
  private readonly inFlight: RequestsInFlight

  constructor(
    private readonly source: MetricsSource,
    private readonly options: MetricsHandlerOptions = {},
  ) {
    this.inFlight = options.inFlight ?? new RequestsInFlight()
  }

  /**
   * Answers one request. The request counts as in flight, and for
   * instrumentation, until `response` closes; a connection that closes before
   * the answer was sent means the client went away, which aborts the gather.
   */
  async respond(
    request: IncomingMessage,
    response: ServerResponse,
    query: Readonly<Record<string, unknown>> = parseQuery(request.url),
  ): Promise<MetricsResponse> {
    const { instrumentation, maxRequestsInFlight = 0 } = this.options
    if (instrumentation) {
      instrumentation.started()
      response.once('close', () =>
        instrumentation.finished(response.writableFinished ? response.statusCode : clientClosedRequest),
      )
    }
    if (maxRequestsInFlight > 0 && this.inFlight.count >= maxRequestsInFlight) {
      return textResponse(503, `too many concurrent scrapes (at most ${maxRequestsInFlight})`)
    }
    this.inFlight.started()
    response.once('close', () => this.inFlight.finished())
    return this.answer({ headers: request.headers, query }, connectionSignal(request.socket))
  }

  private async answer(request: MetricsRequest, signal: AbortSignal): Promise<MetricsResponse> {
    const { options } = this
    // Node joins repeated custom headers into one string; only set-cookie is ever an array.
    const timeoutHeader = request.headers['x-prometheus-scrape-timeout-seconds'] as string | undefined
    const timeoutMs = scrapeDeadline(timeoutHeader, options.timeoutMs, options.timeoutOffsetMs ?? 0)
    if (typeof timeoutMs === 'string') return textResponse(400, timeoutMs)
    let result: GatherResult
    try {
      const gatherOptions = { timeoutMs, signal }
      result = await (typeof this.source === 'function'
        ? this.source(request, gatherOptions)
        : this.source.gather(gatherOptions))
    } catch (error) {
      if (error instanceof ScrapeRefused) return textResponse(error.status, error.message)
      throw error
    }
    if (result.errors.length > 0) (options.onGatherErrors ?? reportToStderr)(result.errors, request)
    if (options.errorHandling === 'http500' && result.errors.length > 0) {
      return textResponse(500, `error gathering metrics:\n${result.errors.map((error) => error.message).join('\n')}`)
    }
    const { format, escaping, contentType } = negotiateExposition(request.headers.accept)
    // `?name[]=a&name[]=b` serves only those families, as client_golang's promhttp does.
    const names = queryList(request.query['name[]'])
    const families = names.length === 0 ? result.families : result.families.filter(({ name }) => names.includes(name))
    const encoded = encodeBody(families, format, {
      createdSamples: options.openMetricsCreatedSamples === true,
      escaping,
    })
    const whole = Buffer.isBuffer(encoded) ? encoded : undefined
    const compressing = options.compression !== false
    const gzipped =
      compressing &&
      acceptsGzip(request.headers['accept-encoding']) &&
      (whole === undefined || whole.length >= compressFromBytes)
    const headers = {
      'content-type': contentType,
      ...(compressing ? { vary: 'Accept-Encoding' } : {}),
      ...(gzipped ? { 'content-encoding': 'gzip' } : {}),
    }
    // A body of one chunk (at most about 64 KiB) is gzipped in line: 12 µs for a probe's 2 KiB, 60 µs for the system
    // exporter's 61 KB, where a round trip through libuv's thread pool costs 85 µs and a wake-up of the event loop.
    if (whole !== undefined) return { status: 200, headers, body: gzipped ? gzipSync(whole, gzipOptions) : whole }
    const chunks = encoded as AsyncIterable<Buffer>
    if (!gzipped) return { status: 200, headers, body: Readable.from(chunks) }
    // pipeline() destroys the encoding when the gzip stream is destroyed (the client went away), and the other way
    // round.
    const compressed = createGzip(gzipOptions)
    pipeline(Readable.from(chunks), compressed, () => {})
    return { status: 200, headers, body: compressed }
  }
}

/** Writes an answer to a node:http response. */
export function writeResponse(response: ServerResponse, answer: MetricsResponse): void {
  response.writeHead(answer.status, answer.headers)
  if (answer.body instanceof Readable) pipeline(answer.body, response, () => {})
  else response.end(answer.body)
}

/**
 * A `(req, res)` handler serving a promkit registry (or any {@link MetricsSource})
 * through a {@link MetricsHandler}, for node:http, express
 * (`app.get('/metrics', metricsHandler(registry))`) or koa
 * (`ctx.respond = false; metricsHandler(registry)(ctx.req, ctx.res)`).
 */
export function metricsHandler(
  source: MetricsSource,
  options: MetricsHandlerOptions = {},
): (request: IncomingMessage, response: ServerResponse) => void {
  const handler = new MetricsHandler(source, options)
  return (request, response) => {
    handler.respond(request, response).then(
      (answer) => writeResponse(response, answer),
      (error: unknown) =>
        writeResponse(response, textResponse(500, `error serving metrics: ${(error as Error).message}`)),
    )
  }
}
