import * as client from 'prom-client'
import type { Collector, Emit } from '../collector.js'
import { constMetric, constSummary } from '../const-metric.js'
import { Desc } from '../desc.js'
import type { CollectorOutcome, GatherResult } from '../gather.js'
import { PromkitError, quote } from '../errors.js'
import { Registry } from '../registry.js'
import { promClientCollector } from '../prom-client-bridge.js'
import type { BuildInfo } from './build-info.js'
import { processCollector } from './process-metrics.js'
import type { TargetPool } from './target-pool.js'


/** The name prefix of the exporter's own metrics: `<namespace>_exporter_...` (`exporter_...` without a namespace). */
function prefixed(namespace: string, name: string): string {
  return namespace === '' ? name : `${namespace}_${name}`
}

/**
 * Per-collector duration and success of one scrape, as node_exporter reports
 * them (`<namespace>_scrape_collector_duration_seconds{collector}`), built from
 * that scrape's own outcomes.
 */
export function collectorOutcomeMetrics(namespace: string, outcomes: readonly CollectorOutcome[]): Collector {
  const duration = new Desc({ namespace, name: 'scrape_collector_duration_seconds', help: 'Duration of a collector scrape.', variableLabels: ['collector'], unit: 'seconds' })
  const success = new Desc({ namespace, name: 'scrape_collector_success', help: 'Whether a collector succeeded.', variableLabels: ['collector'] })
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
 * The exporter's metrics about itself: scrape counts and durations, the last
 * scrape's error and build info (prom-client gauges, served through the
 * bridge), promhttp's handler metrics, and the process and Node runtime
 * metrics of {@link processCollector}. The last two groups go with
 * `--web.disable-exporter-metrics`.
 */
export class SelfMetrics {
  /** The self-metrics as a promkit registry, to merge into every scrape of the telemetry path. */
  readonly registry = new Registry()
  /** Count and sum of scrape durations: `scrapes_total`, and a summary without quantiles as client_golang's default one (no t-digest to keep per scrape). */
  private readonly scrapeDurations = { count: 0, sum: 0 }
  private readonly lastDuration: client.Gauge
  private readonly lastError: client.Gauge
  private readonly requests: client.Counter<'code'> | undefined
  private readonly inFlight: client.Gauge | undefined
  private readonly targetErrors: client.Counter | undefined
  /** The names of the metrics the runtime emits itself, with what each is. */
  private readonly reserved: ReadonlyMap<string, string>

  /** `pool`: the exporter serves `?target=` scrapes, whose refusals, failures and connections it counts. */
  constructor(namespace: string, build: BuildInfo, runtimeMetrics: boolean, pool?: TargetPool) {
    const register = new client.Registry()
    let processMetrics: Collector | undefined
    const registers = [register]
    const name = (suffix: string) => prefixed(namespace, `exporter_${suffix}`)
    this.lastDuration = new client.Gauge({ name: name('last_scrape_duration_seconds'), help: 'Duration of the last scrape.', registers })
    this.lastError = new client.Gauge({ name: name('last_scrape_error'), help: 'Whether the last scrape had an error (1) or not (0).', registers })
    const info = new client.Gauge({ name: name('build_info'), help: 'The exporter build: version, revision and Node.js version.', labelNames: ['version', 'revision', 'nodejs_version'], registers })
    info.set({ version: build.version, revision: build.revision, nodejs_version: process.version }, 1)
    const poolMetrics = pool ? targetPoolMetrics(name, pool) : undefined
    if (poolMetrics) {
      this.registry.register(poolMetrics)
      // redis_exporter's name for it, so its alerts keep working.
      this.targetErrors = new client.Counter({
        name: prefixed(namespace, 'target_scrape_request_errors_total'),
        help: 'Multi-target scrapes answered with an error: a refused or malformed target, or collectors that could not be built.',
        registers,
      })
    }
    if (runtimeMetrics) {
      this.requests = new client.Counter({ name: 'promhttp_metric_handler_requests_total', help: 'Scrapes of the telemetry path by HTTP status code.', labelNames: ['code'], registers })
      for (const code of ['200', '500', '503']) this.requests.inc({ code }, 0)
      this.inFlight = new client.Gauge({ name: 'promhttp_metric_handler_requests_in_flight', help: 'Scrapes of the telemetry path being served.', registers })
      processMetrics = processCollector()
      this.registry.register(processMetrics)
    }
    this.registry.register(promClientCollector(register, { name: 'exporter' }))
    const scrapes = new Desc({ name: name('scrapes_total'), help: 'Scrapes of the telemetry path.' })
    const durations = new Desc({ name: name('scrape_duration_seconds'), help: 'Durations of scrapes of the telemetry path.' })
    this.registry.register({
      name: 'exporter-scrapes',
      describe: () => [scrapes, durations],
      collect: (emit: Emit) => {
        emit(constMetric(scrapes, 'counter', this.scrapeDurations.count))
        emit(constSummary(durations, { ...this.scrapeDurations, quantiles: [] }))
      },
    })
    const own = [
      ...register.getMetricsAsArray().map((metric) => metric.name),
      ...[scrapes, durations, ...(poolMetrics?.describe() ?? []), ...(processMetrics?.describe() ?? [])].map((desc) => desc.fqName),
    ]
    this.reserved = new Map([
      ...own.map((metricName) => [metricName, "one of the exporter's own metrics"] as const),
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
    for (const desc of collector.describe()) {
      const owner = this.reserved.get(desc.fqName)
      if (owner !== undefined) {
        throw new PromkitError('PROMKIT_ERR_DESCRIPTOR_CONFLICT', `collector ${collectorName}: metric ${quote(desc.fqName)} is ${owner}, which the runtime emits itself; give it another name`)
      }
    }
  }

  /** Records a finished gather of the exporter's collectors. */
  observeScrape(result: GatherResult, seconds: number): void {
    this.scrapeDurations.count++
    this.scrapeDurations.sum += seconds
    this.lastDuration.set(seconds)
    this.lastError.set(result.errors.length > 0 ? 1 : 0)
  }

  /** A multi-target scrape was answered with an error (400 or 500). */
  targetRequestFailed(): void {
    this.targetErrors?.inc()
  }

  /** A scrape of the telemetry path started. */
  requestStarted(): void {
    this.inFlight?.inc()
  }

  /** A scrape of the telemetry path was answered with this status. */
  requestFinished(statusCode: number): void {
    this.inFlight?.dec()
    this.requests?.inc({ code: String(statusCode) })
  }
}
