import type { Collector, Emit, SyncCollector } from '../collector.js'
import { constMetric, constSummary } from '../const-metric.js'
import { Desc } from '../desc.js'
import type { ScrapeReporter, ScrapeSummary } from '../gather.js'
import { PromkitError, quote } from '../errors.js'
import { type HandlerInstrumentation, clientClosedRequest } from '../http/handler.js'
import type { BuildInfo } from './build-info.js'
import { processCollector } from './process-metrics.js'
import type { TargetPool } from './target-pool.js'

/** The name prefix of the exporter's own metrics: `<namespace>_exporter_...` (`exporter_...` without a namespace). */
function prefixed(namespace: string, name: string): string {
  return namespace === '' ? name : `${namespace}_${name}`
}

/**
 * Per-collector duration and success of each scrape, as node_exporter reports
 * them: `<namespace>_scrape_collector_duration_seconds{collector}` and
 * `<namespace>_scrape_collector_success{collector}`, from the gather's own
 * outcomes. Made once per exporter, so the series are cached across scrapes.
 */
export function collectorOutcomes(namespace: string): ScrapeReporter {
  const duration = new Desc({
    namespace,
    name: 'scrape_collector_duration_seconds',
    help: 'Duration of a collector scrape.',
    variableLabels: ['collector'],
    unit: 'seconds',
  })
  const success = new Desc({
    namespace,
    name: 'scrape_collector_success',
    help: 'Whether a collector succeeded.',
    variableLabels: ['collector'],
  })
  return {
    name: 'scrape',
    describe: () => [duration, success],
    report(emit: Emit, summary: ScrapeSummary) {
      for (const outcome of summary.collectors) {
        emit(constMetric(duration, 'gauge', outcome.durationSeconds, [outcome.name]))
        emit(constMetric(success, 'gauge', outcome.success ? 1 : 0, [outcome.name]))
      }
    },
  }
}

/** The multi-target connection pool's gauge and counters. */
function targetPoolMetrics(name: (suffix: string) => string, pool: TargetPool): SyncCollector {
  const open = new Desc({ name: name('target_connections'), help: 'Connections to multi-target targets open now.' })
  const evicted = new Desc({
    name: name('target_connections_evicted_total'),
    help: 'Target connections closed, least recently used first, to make room for another target.',
  })
  const refused = new Desc({
    name: name('target_connections_refused_total'),
    help: 'Multi-target scrapes refused because every pooled connection was in use.',
  })
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
 * reporter at the end of every gather of the telemetry path: scrape counts and
 * durations (this scrape's included), the last scrape's error, build info, the
 * multi-target counters, promhttp's handler metrics, and the process and Node
 * runtime metrics of {@link processCollector}. The last two groups go with
 * `--web.disable-exporter-metrics`.
 */
export class SelfMetrics implements ScrapeReporter {
  readonly name = 'exporter'
  /**
   * Count and sum of scrape durations: `scrapes_total`, and a summary without quantiles as client_golang's default one
   * (no t-digest to keep per scrape).
   */
  private readonly scrapeDurations = { count: 0, sum: 0 }
  private lastDuration = 0
  private lastError = 0
  private targetErrors = 0
  private inFlight = 0
  /** Telemetry-path answers by status code; promhttp's three start at 0. */
  private readonly requests = new Map(['200', '500', '503'].map((code) => [code, 0]))
  /** The names of the metrics the runtime emits itself, with what each is. */
  private readonly reserved: ReadonlyMap<string, string>
  private readonly descs: readonly Desc[]
  private readonly emitOwn: (emit: Emit) => void

  /** `pool`: the exporter serves `?target=` scrapes, whose refusals, failures and connections it counts. */
  constructor(namespace: string, build: BuildInfo, runtimeMetrics: boolean, pool?: TargetPool) {
    const name = (suffix: string) => prefixed(namespace, `exporter_${suffix}`)
    const desc = (fqName: string, help: string, variableLabels?: string[]) =>
      new Desc({ name: fqName, help, variableLabels })
    const scrapes = desc(name('scrapes_total'), 'Scrapes of the telemetry path.')
    const durations = desc(name('scrape_duration_seconds'), 'Durations of scrapes of the telemetry path.')
    const lastDuration = desc(name('last_scrape_duration_seconds'), 'Duration of the last scrape.')
    const lastError = desc(name('last_scrape_error'), 'Whether the last scrape had an error (1) or not (0).')
    const info = desc(name('build_info'), 'The exporter build: version, revision and Node.js version.', [
      'nodejs_version',
      'revision',
      'version',
    ])
    // redis_exporter's name for it, so its alerts keep working.
    const targetErrors = pool
      ? desc(
          prefixed(namespace, 'target_scrape_request_errors_total'),
          'Multi-target scrapes answered with an error: a refused or malformed target, or collectors that could not ' +
            'be built.',
        )
      : undefined
    const requests = runtimeMetrics
      ? desc('promhttp_metric_handler_requests_total', 'Scrapes of the telemetry path by HTTP status code.', ['code'])
      : undefined
    const inFlight = runtimeMetrics
      ? desc('promhttp_metric_handler_requests_in_flight', 'Scrapes of the telemetry path being served.')
      : undefined
    const poolMetrics = pool ? targetPoolMetrics(name, pool) : undefined
    const processMetrics = runtimeMetrics ? processCollector() : undefined
    this.emitOwn = (emit) => {
      emit(constMetric(scrapes, 'counter', this.scrapeDurations.count))
      emit(constSummary(durations, { ...this.scrapeDurations, quantiles: [] }))
      emit(constMetric(lastDuration, 'gauge', this.lastDuration))
      emit(constMetric(lastError, 'gauge', this.lastError))
      emit(constMetric(info, 'gauge', 1, [process.version, build.revision, build.version]))
      if (targetErrors) emit(constMetric(targetErrors, 'counter', this.targetErrors))
      if (requests) for (const [code, count] of this.requests) emit(constMetric(requests, 'counter', count, [code]))
      if (inFlight) emit(constMetric(inFlight, 'gauge', this.inFlight))
      poolMetrics?.collect(emit)
      processMetrics?.collect(emit)
    }
    const own = [scrapes, durations, lastDuration, lastError, info, targetErrors, requests, inFlight].filter(
      (d): d is Desc => d !== undefined,
    )
    this.descs = [...own, ...(poolMetrics?.describe() ?? []), ...(processMetrics?.describe() ?? [])]
    this.reserved = new Map([
      ...this.descs.map((d) => [d.fqName, "one of the exporter's own metrics"] as const),
      [prefixed(namespace, 'scrape_collector_duration_seconds'), 'the per-collector scrape duration'],
      [prefixed(namespace, 'scrape_collector_success'), 'the per-collector success'],
    ])
  }

  describe(): readonly Desc[] {
    return this.descs
  }

  /** Records the scrape it ends, then emits everything. */
  report(emit: Emit, summary: ScrapeSummary): void {
    this.scrapeDurations.count++
    this.scrapeDurations.sum += summary.durationSeconds
    this.lastDuration = summary.durationSeconds
    this.lastError = summary.errors.length > 0 ? 1 : 0
    this.emitOwn(emit)
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
        throw new PromkitError(
          'PROMKIT_ERR_DESCRIPTOR_CONFLICT',
          `collector ${collectorName}: metric ${quote(d.fqName)} is ${owner}, which the runtime emits itself; give ` +
            `it another name`,
        )
      }
    }
  }

  /** The handler instrumentation of the telemetry path: promhttp's requests by code and in flight. */
  readonly telemetryRequests: HandlerInstrumentation = {
    started: () => void this.inFlight++,
    finished: (statusCode) => {
      this.inFlight--
      const code = String(statusCode)
      this.requests.set(code, (this.requests.get(code) ?? 0) + 1)
    },
  }

  /** The handler instrumentation of the multi-target path: answers with an error status (400, 500, 503) are counted. */
  readonly targetRequests: HandlerInstrumentation = {
    started: () => {},
    finished: (statusCode) => {
      if (statusCode >= 400 && statusCode !== clientClosedRequest) this.targetErrors++
    },
  }
}
