import type { Logger } from 'pino'
import { type Collector, collectorName } from '../collector.js'
import { PromkitError, errorMessage, quote } from '../errors.js'
import { contentTypes, encodeBody } from '../exposition/encode.js'
import { negotiate } from '../exposition/negotiate.js'
import type { GatherResult, Gatherer } from '../gather.js'
import { mergeGatherers } from '../gatherers.js'
import { Registry } from '../registry.js'
import { type AllowedTargets, redactTarget } from './allowed-targets.js'
import type { ExporterContext, MultiTargetDefinition } from './definition.js'
import { type RuntimeOptions, maxScrapeTimeoutMs } from './flags.js'
import { type OutcomeDescs, type SelfMetrics, collectorOutcomeMetrics, outcomeDescs } from './self-metrics.js'
import type { TargetPool } from './target-pool.js'

/** What a scrape needs from an HTTP request, whatever the server. */
export interface ScrapeRequest {
  readonly accept: string | undefined
  /** `X-Prometheus-Scrape-Timeout-Seconds`, as sent. */
  readonly timeoutHeader: string | undefined
  readonly query: Readonly<Record<string, unknown>>
  /** Fires when the client goes away. */
  readonly signal: AbortSignal
}

/** What to answer. */
export interface ScrapeResponse {
  readonly status: number
  readonly contentType: string
  readonly body: string | AsyncIterable<string>
}

function badRequest(message: string): ScrapeResponse {
  return { status: 400, contentType: 'text/plain; charset=utf-8', body: `${message}\n` }
}

/** A target the exporter cannot use is the client's error (400); a full pool is a busy server (503); anything else, 500. */
function targetFailureStatus(error: unknown): number {
  const code = error instanceof PromkitError ? error.code : undefined
  return code === 'PROMKIT_ERR_TARGET_REFUSED' ? 400 : code === 'PROMKIT_ERR_POOL_FULL' ? 503 : 500
}

function list(value: unknown): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)]
}

/**
 * The scrape deadline in ms: Prometheus' `X-Prometheus-Scrape-Timeout-Seconds`
 * (cut to 1h, however long it says) less the offset, or half of it when it is
 * not longer than the offset; `--scrape.timeout` without the header. A header
 * that is not a positive number gives the message to answer 400 with.
 */
export function scrapeDeadline(header: string | undefined, options: Pick<RuntimeOptions, 'scrapeTimeoutMs' | 'scrapeTimeoutOffsetMs'>): number | string {
  if (header === undefined) return options.scrapeTimeoutMs
  const seconds = Number(header)
  if (header.trim() === '' || !(seconds > 0)) return `X-Prometheus-Scrape-Timeout-Seconds: ${quote(header)} is not a positive number of seconds`
  const ms = Math.min(seconds * 1000, maxScrapeTimeoutMs)
  return ms > options.scrapeTimeoutOffsetMs ? ms - options.scrapeTimeoutOffsetMs : ms / 2
}

/**
 * Which collectors `?collect[]=a&collect[]=b` or `?exclude[]=c` runs, checked
 * against the enabled ones: undefined for all, or the message to answer 400 with.
 */
export function collectorFilter(query: Readonly<Record<string, unknown>>, enabled: readonly string[]): ((name: string) => boolean) | string | undefined {
  const collect = list(query['collect[]'])
  const exclude = list(query['exclude[]'])
  if (collect.length > 0 && exclude.length > 0) return 'collect[] and exclude[] cannot be used together'
  const unknown = [...collect, ...exclude].find((name) => !enabled.includes(name))
  if (unknown !== undefined) return `unknown or disabled collector ${quote(unknown)} (enabled: ${enabled.join(', ')})`
  if (collect.length > 0) return (name) => collect.includes(name)
  if (exclude.length > 0) return (name) => !exclude.includes(name)
  return undefined
}

/**
 * Serves the telemetry path and the multi-target path: gathers with the
 * request's deadline and collector filter, records self-metrics, logs every
 * error with its collector, and encodes in the negotiated format.
 */
export class Scraper {
  constructor(
    private readonly registry: Registry,
    private readonly self: SelfMetrics,
    private readonly options: RuntimeOptions,
    private readonly logger: Logger,
    private readonly context: ExporterContext,
    private readonly multiTarget: { readonly definition: MultiTargetDefinition; readonly allowed: AllowedTargets; readonly pool: TargetPool } | undefined,
  ) {
    this.outcomeDescs = outcomeDescs(options.namespace)
  }

  /** Made once, so that the per-collector series are cached across scrapes. */
  private readonly outcomeDescs: OutcomeDescs

  /** Logs each gather error with its collector (and, for multi-target, the target with its password already masked). */
  private logErrors(result: GatherResult, shownTarget?: string): void {
    for (const error of result.errors) {
      const fields = { collector: error.source, code: error.code, occurrences: error.occurrences, ...(shownTarget ? { target: shownTarget } : {}) }
      this.logger.warn(fields, error.message)
    }
  }

  private async respond(request: ScrapeRequest, gatherers: readonly Gatherer[], result: GatherResult): Promise<ScrapeResponse> {
    if (this.options.errorHandling === 'http500' && result.errors.length > 0) {
      return { status: 500, contentType: 'text/plain; charset=utf-8', body: `error gathering metrics:\n${result.errors.map((error) => `${error.message}\n`).join('')}` }
    }
    const merged = await mergeGatherers([{ gather: async () => result }, ...gatherers]).gather()
    const format = negotiate(request.accept)
    return { status: 200, contentType: contentTypes[format], body: encodeBody(merged.families, format) }
  }

  private outcomes(result: GatherResult): Registry {
    const registry = new Registry()
    registry.register(collectorOutcomeMetrics(this.outcomeDescs, result.collectors))
    return registry
  }

  /** A scrape of the telemetry path. */
  async telemetry(request: ScrapeRequest): Promise<ScrapeResponse> {
    const timeoutMs = scrapeDeadline(request.timeoutHeader, this.options)
    if (typeof timeoutMs === 'string') return badRequest(timeoutMs)
    const include = collectorFilter(request.query, this.options.enabledCollectors)
    if (typeof include === 'string') return badRequest(include)
    const started = performance.now()
    const result = await this.registry.gather({ timeoutMs, signal: request.signal, include })
    this.self.observeScrape(result, (performance.now() - started) / 1000)
    this.logErrors(result)
    return this.respond(request, [this.outcomes(result), this.self.registry], result)
  }

  /** A multi-target scrape (`?target=`): collectors built for that target, refused unless allowed. */
  async target(request: ScrapeRequest): Promise<ScrapeResponse> {
    const multiTarget = this.multiTarget as NonNullable<Scraper['multiTarget']>
    const asked = request.query.target === undefined ? undefined : String(request.query.target)
    try {
      multiTarget.allowed.check(asked)
    } catch (error) {
      this.self.targetRequestFailed()
      this.logger.warn({ target: asked === undefined ? undefined : redactTarget(asked) }, `refused scrape: ${(error as PromkitError).message}`)
      return badRequest((error as PromkitError).message)
    }
    // check() refuses a missing target, so from here on there is one.
    const target = asked as string
    const shown = redactTarget(target)
    const timeoutMs = scrapeDeadline(request.timeoutHeader, this.options)
    if (typeof timeoutMs === 'string') {
      this.self.targetRequestFailed()
      return badRequest(timeoutMs)
    }
    const registry = new Registry({ timeoutMs })
    const scope = multiTarget.pool.scope()
    try {
      try {
        const collectors: readonly Collector[] = await multiTarget.definition.collectors(target, this.context, scope.connections)
        for (const collector of collectors) {
          this.self.checkNames(collectorName(collector), collector)
          registry.register(collector)
        }
      } catch (error) {
        const message = `cannot scrape target ${quote(shown)}: ${errorMessage(error)}`
        this.self.targetRequestFailed()
        this.logger.error({ target: shown }, message)
        return { status: targetFailureStatus(error), contentType: 'text/plain; charset=utf-8', body: `${message}\n` }
      }
      const result = await registry.gather({ timeoutMs, signal: request.signal })
      this.logErrors(result, shown)
      return await this.respond(request, [this.outcomes(result)], result)
    } finally {
      scope.release()
    }
  }
}

