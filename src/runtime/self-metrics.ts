import type { Collector, Emit } from '../collector.js'
import { constMetric, constSummary } from '../const-metric.js'
import { Desc } from '../desc.js'
import type { CollectorOutcome, GatherResult } from '../gather.js'
import { PromkitError, quote } from '../errors.js'
import { Registry } from '../registry.js'
import type { BuildInfo } from './build-info.js'
import { processCollector } from './process-metrics.js'
import type { TargetPool } from './target-pool.js'

/** The name prefix of the exporter's own metrics: `<namespace>_exporter_...` (`exporter_...` without a namespace). */
function prefixed(namespace: string, name: string): string {
  return namespace === '' ? name : `${namespace}_${name}`
}

/** The descriptors of the per-collector metrics, made once per exporter so that their series are cached across scrapes. */
export interface OutcomeDescs {
  readonly duration: Desc
  readonly success: Desc
}

/** `<namespace>_scrape_collector_duration_seconds{collector}` and `<namespace>_scrape_collector_success{collector}`. */
export function outcomeDescs(namespace: string): OutcomeDescs {
  return {
    duration: new Desc({ namespace, name: 'scrape_collector_duration_seconds', help: 'Duration of a collector scrape.', variableLabels: ['collector'], unit: 'seconds' }),
    success: new Desc({ namespace, name: 'scrape_collector_success', help: 'Whether a collector succeeded.', variableLabels: ['collector'] }),
  }
}

/**
 * Per-collector duration and success of one scrape, as node_exporter reports
 * them (`<namespace>_scrape_collector_duration_seconds{collector}`), built from
 * that scrape's own outcomes.
 */
export function collectorOutcomeMetrics(descs: OutcomeDescs, outcomes: readonly CollectorOutcome[]): Collector {
  const { duration, success } = descs
  return {
    name: 'scrape',
    describe: () => [duration, success],
    collect(emit: Emit) {
      for (const outcome of outcomes) {
        emit(constMetric(duration, 'gauge', outcome.durationSeconds, [outcome.name]))
        emit(constMetric(success, 'gauge', outcome.success ? 1 : 0, [outcome.name]))
      }
    },
  }
}

/** The multi-target connection pool's gauge and counters. */
function targetPoolMetrics(name: (suffix: string) => string, pool: TargetPool): Collector {
  const open = new Desc({ name: name('target_connections'), help: 'Connections to multi-target targets open now.' })
  const evicted = new Desc({ name: name('target_connections_evicted_total'), help: 'Target connections closed, least recently used first, to make room for another target.' })
  const refused = new Desc({ name: name('target_connections_refused_total'), help: 'Multi-target scrapes refused because every pooled connection was in use.' })
  return {
    name: 'exporter-target-pool',
    describe: () => [open, evicted, refused],
    collect(emit: Emit) {
      const stats = pool.stats
      emit(constMetric(open, 'gauge', stats.open))
      emit(constMetric(evicted, 'counter', stats.evicted))
      emit(constMetric(refused, 'counter', stats.refused))
    },
  }
}

/**
 * The exporter's metrics about itself, kept as plain numbers and emitted by one
 * promkit collector: scrape counts and durations, the last scrape's error,
 * build info, the multi-target counters, promhttp's handler metrics, and the
 * process and Node runtime metrics of {@link processCollector}. The last two
 * groups go with `--web.disable-exporter-metrics`.
 */
export class SelfMetrics {
  /** The self-metrics as a promkit registry, to merge into every scrape of the telemetry path. */
  readonly registry = new Registry()
  /** Count and sum of scrape durations: `scrapes_total`, and a summary without quantiles as client_golang's default one (no t-digest to keep per scrape). */
  private readonly scrapeDurations = { count: 0, sum: 0 }
  private lastDuration = 0
  private lastError = 0
  private targetErrors = 0
  private inFlight = 0
  /** Telemetry-path answers by status code; promhttp's three start at 0. */
  private readonly requests = new Map(['200', '500', '503'].map((code) => [code, 0]))
  /** The names of the metrics the runtime emits itself, with what each is. */
  private readonly reserved: ReadonlyMap<string, string>

  /** `pool`: the exporter serves `?target=` scrapes, whose refusals, failures and connections it counts. */
  constructor(namespace: string, build: BuildInfo, runtimeMetrics: boolean, pool?: TargetPool) {
    const name = (suffix: string) => prefixed(namespace, `exporter_${suffix}`)
    const desc = (fqName: string, help: string, variableLabels?: string[]) => new Desc({ name: fqName, help, variableLabels })
    const scrapes = desc(name('scrapes_total'), 'Scrapes of the telemetry path.')
    const durations = desc(name('scrape_duration_seconds'), 'Durations of scrapes of the telemetry path.')
    const lastDuration = desc(name('last_scrape_duration_seconds'), 'Duration of the last scrape.')
    const lastError = desc(name('last_scrape_error'), 'Whether the last scrape had an error (1) or not (0).')
    const info = desc(name('build_info'), 'The exporter build: version, revision and Node.js version.', ['nodejs_version', 'revision', 'version'])
    // redis_exporter's name for it, so its alerts keep working.
    const targetErrors = pool ? desc(prefixed(namespace, 'target_scrape_request_errors_total'), 'Multi-target scrapes answered with an error: a refused or malformed target, or collectors that could not be built.') : undefined
    const requests = runtimeMetrics ? desc('promhttp_metric_handler_requests_total', 'Scrapes of the telemetry path by HTTP status code.', ['code']) : undefined
    const inFlight = runtimeMetrics ? desc('promhttp_metric_handler_requests_in_flight', 'Scrapes of the telemetry path being served.') : undefined
    const own = [scrapes, durations, lastDuration, lastError, info, targetErrors, requests, inFlight].filter((d): d is Desc => d !== undefined)
    this.registry.register({
      name: 'exporter',
      describe: () => own,
      collect: (emit: Emit) => {
        emit(constMetric(scrapes, 'counter', this.scrapeDurations.count))
        emit(constSummary(durations, { ...this.scrapeDurations, quantiles: [] }))
        emit(constMetric(lastDuration, 'gauge', this.lastDuration))
        emit(constMetric(lastError, 'gauge', this.lastError))
        emit(constMetric(info, 'gauge', 1, [process.version, build.revision, build.version]))
        if (targetErrors) emit(constMetric(targetErrors, 'counter', this.targetErrors))
        if (requests) for (const [code, count] of this.requests) emit(constMetric(requests, 'counter', count, [code]))
        if (inFlight) emit(constMetric(inFlight, 'gauge', this.inFlight))
      },
    })
    const poolMetrics = pool ? targetPoolMetrics(name, pool) : undefined
    if (poolMetrics) this.registry.register(poolMetrics)
    const processMetrics = runtimeMetrics ? processCollector() : undefined
    if (processMetrics) this.registry.register(processMetrics)
    this.reserved = new Map([
      ...[...own, ...(poolMetrics?.describe() ?? []), ...(processMetrics?.describe() ?? [])].map((d) => [d.fqName, "one of the exporter's own metrics"] as const),
      [prefixed(namespace, 'scrape_collector_duration_seconds'), 'the per-collector scrape duration'],
      [prefixed(namespace, 'scrape_collector_success'), 'the per-collector success'],
    ])
  }

  /**
   * Refuses a collector that describes a metric the runtime emits itself
   * (`<ns>_scrape_collector_success`, `process_cpu_seconds_total`, …): served
   * side by side, one would silently replace the other.
   */
  checkNames(collectorName: string, collector: Collector): void {
    for (const d of collector.describe()) {
      const owner = this.reserved.get(d.fqName)
      if (owner !== undefined) {
        throw new PromkitError('PROMKIT_ERR_DESCRIPTOR_CONFLICT', `collector ${collectorName}: metric ${quote(d.fqName)} is ${owner}, which the runtime emits itself; give it another name`)
      }
    }
  }

  /** Records a finished gather of the exporter's collectors. */
  observeScrape(result: GatherResult, seconds: number): void {
    this.scrapeDurations.count++
    this.scrapeDurations.sum += seconds
    this.lastDuration = seconds
    this.lastError = result.errors.length > 0 ? 1 : 0
  }

  /** A multi-target scrape was answered with an error (400, 500 or 503). */
  targetRequestFailed(): void {
    this.targetErrors++
  }

  /** A scrape of the telemetry path started. */
  requestStarted(): void {
    this.inFlight++
  }

  /** A scrape of the telemetry path was answered with this status. */
  requestFinished(statusCode: number): void {
    this.inFlight--
    const code = String(statusCode)
    this.requests.set(code, (this.requests.get(code) ?? 0) + 1)
  }
}
