import type { Logger } from 'pino'
import { type Collector, collectorName } from '../collector.js'
import { PromkitError, errorMessage, quote } from '../errors.js'
import type { GatherError } from '../families.js'
import type { ScrapeReporter } from '../gather.js'
import { type MetricsSource, ScrapeRefused, queryList } from '../http/handler.js'
import { encode } from '../exposition/encode.js'
import { Registry } from '../registry.js'
import { type AllowedTargets, redactTarget } from './allowed-targets.js'
import type { ExporterContext, MultiTargetDefinition } from './definition.js'
import type { SelfMetrics } from './self-metrics.js'
import type { TargetPool } from './target-pool.js'

/**
 * A target the exporter cannot use is the client's error (400); a full pool is a busy server (503); anything else, 500.
 */
function targetFailureStatus(error: unknown): number {
  const code = error instanceof PromkitError ? error.code : undefined
  return code === 'PROMKIT_ERR_TARGET_REFUSED' ? 400 : code === 'PROMKIT_ERR_POOL_FULL' ? 503 : 500
}

/** A request's query parameters but `target`, the first value of each. */
function queryParameters(query: Readonly<Record<string, unknown>>): Record<string, string> {
  const parameters: Record<string, string> = {}
  for (const [name, value] of Object.entries(query))
    if (name !== 'target') parameters[name] = queryList(value)[0] as string
  return parameters
}

/**
 * Which collectors `?collect[]=a&collect[]=b` or `?exclude[]=c` runs, checked
 * against the enabled ones: undefined for all, or the message to answer 400 with.
 */
export function collectorFilter(
  query: Readonly<Record<string, unknown>>,
  enabled: readonly string[],
): ((name: string) => boolean) | string | undefined {
  const collect = queryList(query['collect[]'])
  const exclude = queryList(query['exclude[]'])
  if (collect.length > 0 && exclude.length > 0) return 'collect[] and exclude[] cannot be used together'
  const unknown = [...collect, ...exclude].find((name) => !enabled.includes(name))
  if (unknown !== undefined) return `unknown or disabled collector ${quote(unknown)} (enabled: ${enabled.join(', ')})`
  if (collect.length > 0) return (name) => collect.includes(name)
  if (exclude.length > 0) return (name) => !exclude.includes(name)
  return undefined
}

/** Logs each gather error with its collector (and, for multi-target, the target with its password already masked). */
export function logGatherErrors(logger: Logger, errors: readonly GatherError[], shownTarget?: string): void {
  for (const error of errors) {
    const fields = {
      collector: error.source,
      code: error.code,
      occurrences: error.occurrences,
      ...(shownTarget ? { target: shownTarget } : {}),
    }
    logger.warn(fields, error.message)
  }
}

/** The telemetry path: the exporter's registry, gathered with the collectors `?collect[]=`/`?exclude[]=` choose. */
export function telemetrySource(registry: Registry, enabled: readonly string[]): MetricsSource {
  return async (request, options) => {
    const include = collectorFilter(request.query, enabled)
    if (typeof include === 'string') throw new ScrapeRefused(400, include)
    return registry.gather({ ...options, include })
  }
}

/** What a multi-target scrape needs besides the request. */
export interface MultiTarget {
  readonly definition: MultiTargetDefinition
  readonly allowed: AllowedTargets
  readonly pool: TargetPool
  readonly context: ExporterContext
  readonly self: SelfMetrics
  /** The per-collector outcomes, made once so their series stay cached. */
  readonly outcomes: ScrapeReporter
  readonly logger: Logger
}

/**
 * The multi-target path (`?target=`): refused unless the target is allowed;
 * otherwise the definition's collectors for that target, with its pooled
 * connections, in a registry of their own, gathered once.
 */
export function targetSource(multiTarget: MultiTarget): MetricsSource {
  const { definition, allowed, pool, context, self, outcomes, logger } = multiTarget
  return async (request, options) => {
    const asked = request.query.target === undefined ? undefined : String(request.query.target)
    try {
      allowed.check(asked)
    } catch (error) {
      logger.warn(
        { target: asked === undefined ? undefined : redactTarget(asked) },
        `refused scrape: ${(error as PromkitError).message}`,
      )
      throw new ScrapeRefused(400, (error as PromkitError).message)
    }
    // check() refuses a missing target, so from here on there is one.
    const target = asked as string
    const registry = new Registry()
    if (definition.collectorOutcomes !== false) registry.registerReporter(outcomes)
    const scope = pool.scope()
    const parameters = queryParameters(request.query)
    try {
      try {
        const collectors: readonly Collector[] = await definition.collectors(
          target,
          context,
          scope.connections,
          parameters,
        )
        for (const collector of collectors) {
          self.checkNames(collectorName(collector), collector)
          registry.register(collector)
        }
      } catch (error) {
        if (error instanceof ScrapeRefused) throw error
        const shown = redactTarget(target)
        const message = `cannot scrape target ${quote(shown)}: ${errorMessage(error)}`
        logger.error({ target: shown }, message)
        throw new ScrapeRefused(targetFailureStatus(error), message)
      }
      const gathered = await registry.gather(options)
      const answer = definition.answer?.(parameters, () => encode(gathered.families, 'text'))
      if (answer !== undefined) throw new ScrapeRefused(200, answer)
      return gathered
    } finally {
      scope.release()
    }
  }
}
