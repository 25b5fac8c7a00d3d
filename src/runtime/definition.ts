import type { Logger } from 'pino'
import type { Collector } from '../collector.js'
import type { Flag, FlagValue } from './flag.js'
import type { TargetConnections } from './target-pool.js'

/**
 * What collector factories get: the parsed flags, the metric namespace and the
 * logger (in a collector's `create()`, one that adds `collector=<name>` to every
 * line). Every collector of an exporter sees the same `flags` object.
 */
export interface ExporterContext {
  /** `--metric.namespace`: the prefix of every metric name this exporter's collectors produce. */
  readonly namespace: string
  /**
   * The scrape deadline without Prometheus' timeout header (`--scrape.timeout`), in ms: what a client's own timeouts
   * should not exceed.
   */
  readonly scrapeTimeoutMs: number
  /** The names of the collectors that run, in the definition's order: what a source can skip reading for. */
  readonly enabledCollectors: readonly string[]
  /** Every flag's value by name, defaults applied; `value()` reads one with its type. */
  readonly flags: Readonly<Record<string, FlagValue>>
  /** A declared flag's value, typed by its declaration: `context.value(addressFlag)` is a string. */
  value<T extends FlagValue>(declared: Flag<T>): T
  readonly logger: Logger
}

/** One collector of an exporter, switchable with `--collector.<name>` / `--no-collector.<name>`. */
export interface CollectorDefinition {
  /** Names the collector in flags, `?collect[]=`, logs and `scrape_collector_*{collector}`. */
  readonly name: string
  /** Whether it runs without `--collector.<name>`. */
  readonly defaultEnabled: boolean
  /** Its own flags, each named `collector.<name>.<flag>`. */
  readonly flags?: readonly Flag[]
  /** Builds the collector once at start; a throw stops the exporter with that message. */
  create(context: ExporterContext): Collector | Promise<Collector>
}

/** Opt-in `/scrape?target=...` (the blackbox/redis_exporter pattern). */
export interface MultiTargetDefinition {
  /** Default path, changeable with `--web.scrape-path`. Default `/scrape`. */
  readonly path?: string
  /**
   * The collectors that scrape one allowed target for one request. Take
   * connections from `connections`: the runtime's pool reuses them across
   * scrapes, bounds them (`--multi-target.max-connections`) and closes them.
   * Throw a PromkitError with code PROMKIT_ERR_TARGET_REFUSED for a target that
   * cannot be scraped (400), a ScrapeRefused to answer with its own status and
   * message, anything else for a failure (500). `parameters` holds the
   * request's other query parameters, the first value of each (blackbox's
   * `module`).
   */
  collectors(
    target: string,
    context: ExporterContext,
    connections: TargetConnections,
    parameters: Readonly<Record<string, string>>,
  ): readonly Collector[] | Promise<readonly Collector[]>
  /**
   * Whether a target's answer carries `<namespace>_scrape_collector_*` for its collectors. Default true; a probe
   * answers with its own metrics only, as blackbox_exporter's `/probe` does.
   */
  readonly collectorOutcomes?: boolean
  /**
   * Text to answer with instead of the metrics, once they are gathered (blackbox's `&debug=true`), or undefined to
   * serve them: `exposition()` gives them in the text format, and `parameters` is the object the request's
   * `collectors()` got, so what the collectors saw can be kept by it.
   */
  answer?(parameters: Readonly<Record<string, string>>, exposition: () => string): string | undefined
  close?(context: ExporterContext): Promise<void> | void
}

/** Another name a flag answers to on the command line, and how a value given under that name is written for it. */
export interface FlagAlias {
  /** The flag's own name, e.g. `scrape.timeout-offset`. */
  readonly flag: string
  /** The value under the flag's own name (blackbox's `--timeout-offset=0.5`, seconds, is `500ms`); throw to refuse. */
  readonly value?: (text: string) => string
  /** A boolean flag's alias, given alone (`--alias`, `--no-alias`), e.g. `--collector.bcache.priorityStats`. */
  readonly boolean?: true
}

/** Everything that makes an exporter binary: see `defineExporter`. */
export interface ExporterDefinition {
  /** The binary's name, e.g. `system_exporter`. */
  readonly name: string
  readonly description: string
  /** Shown by `--version`, at start and in `exporter_build_info`. Default: the package's version. */
  readonly version?: string
  /** The source revision, shown with the version. Default: the git revision the package was built from. */
  readonly revision?: string
  /** Default `--web.listen-address`, e.g. `:9100`. */
  readonly defaultListenAddress: string
  /**
   * Default `--runtime.gc-percent`: 0 (V8's own heap growth) unless its scrapes read large answers, whose garbage V8
   * would let pile up over several scrapes (100, as Go's GOGC, for vCenter's and a Kafka cluster's).
   */
  readonly gcPercent?: number
  /**
   * Default `--runtime.gc-after-scrape`: off unless its scrapes read large answers and are far apart (vCenter's),
   * where a full collection after each keeps the peak near what a scrape needs.
   */
  readonly gcAfterScrape?: boolean
  /** Default `--metric.namespace`, e.g. `node`. */
  readonly namespace: string
  /** The flag that sets the namespace, when not `metric.namespace` (redis_exporter's is `namespace`). */
  readonly namespaceFlag?: string
  /** Environment variables are `<envPrefix>_<FLAG>`, e.g. `SYSTEM_EXPORTER_WEB_LISTEN_ADDRESS`. */
  readonly envPrefix: string
  /** The exporter's own flags. */
  readonly flags?: readonly Flag[]
  readonly collectors: readonly CollectorDefinition[]
  readonly multiTarget?: MultiTargetDefinition
  /**
   * Names the reference exporter gives some flags, by that name (blackbox_exporter's `timeout-offset`), so that its
   * users' command lines keep working.
   */
  readonly flagAliases?: Readonly<Record<string, FlagAlias>>
  /**
   * The environment variable some flags are read from instead of `<envPrefix>_<FLAG>`, by flag name
   * (vmware_exporter's `VSPHERE_HOST` for `vsphere.host`, `VSPHERE_COLLECT_VMS` for `collector.vms`), so that the
   * reference's deployments keep working.
   */
  readonly environment?: Readonly<Record<string, string>>
  /**
   * Runs once the flags are parsed, before the collectors are built: a throw stops the exporter with its message
   * (exit 1); a returned text is printed and the exporter exits 0 without serving (a `--config.check`).
   */
  preflight?(context: ExporterContext): Promise<string | undefined> | string | undefined
  /**
   * Re-reads the exporter's own configuration, on SIGHUP and on `POST /-/reload` (which answers 500 with the error's
   * message when it throws, and is only served when this is defined).
   */
  reload?(context: ExporterContext): Promise<void> | void
}
