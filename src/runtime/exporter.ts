import { watchFile, unwatchFile } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import {
  type Collector,
  type CollectContext,
  type Emit,
  type WrappingCollector,
  wrappedCollector,
} from '../collector.js'
import { PromkitError, errorMessage } from '../errors.js'
import { currentCollector } from '../gather.js'
import { MetricsHandler, RequestsInFlight } from '../http/handler.js'
import { Registry } from '../registry.js'
import { withTimeLimit } from '../time-limit.js'
import { AllowedTargets, redactTarget } from './allowed-targets.js'
import { BasicAuth } from './basic-auth.js'
import { buildInfo, runtimePlatform } from './build-info.js'
import type { CollectorDefinition, ExporterContext, ExporterDefinition } from './definition.js'
import { type RuntimeOptions, checkDefinition, exporterContext, parseCommandLine } from './flags.js'
import type { ListenAddress } from './listen-address.js'
import { createLogger } from './logger.js'
import { startPushing } from './push-mode.js'
import { logGatherErrors, targetSource, telemetrySource } from './scrape.js'
import { TargetPool } from './target-pool.js'
import { collectAfterScrapes, setHeapGrowth } from './heap-growth.js'
import { SelfMetrics, collectorOutcomes } from './self-metrics.js'
import { type Security, type ServerDeps, createServer, listen, updateCertificates } from './server.js'
import { type TlsSettings, type WebConfig, emptyWebConfig, loadWebConfig } from './web-config.js'

/** In-flight scrapes get this long to finish on shutdown. */
const drainTimeoutMs = 15_000
/** Each collector's close() gets this long on shutdown. */
const closeTimeoutMs = 5_000
/** Multi-target connections unused for this long are closed. */
const idleConnectionMs = 10 * 60_000
/** How often `--web.config.file` is checked for changes. */
const configPollMs = 1_000

/** A started exporter. */
export interface RunningExporter {
  /** `host:port` of every listening server, ports resolved. */
  readonly addresses: readonly string[]
  readonly options: RuntimeOptions
  readonly logger: Logger
  /**
   * Re-reads `--web.config.file` and the exporter's own configuration (its `reload()`); a bad file is logged and the
   * old one kept.
   */
  reload(): Promise<void>
  /** Stops accepting, lets in-flight scrapes finish (bounded), closes collectors. */
  stop(): Promise<void>
  /** Push once (`--push.interval=0`): the exit code when the push is done; otherwise undefined. */
  readonly finished: Promise<number> | undefined
}

/** An exporter binary built from a definition. */
export interface Exporter {
  readonly definition: ExporterDefinition
  /**
   * Parses flags and starts serving; resolves to undefined after `--help` or `--version`. Throws a PromkitError whose
   * message is one line.
   */
  start(argv?: readonly string[], env?: NodeJS.ProcessEnv): Promise<RunningExporter | undefined>
  /**
   * Runs as a process: a start-up error is one line on stderr and exit 1; SIGTERM/SIGINT stop it with exit 0; SIGHUP
   * reloads the web config.
   */
  main(): Promise<void>
}

/** Gives a definition's collector the definition's name (for flags, `?collect[]=` and self-metrics). */
function named(name: string, collector: Collector): WrappingCollector {
  return {
    [wrappedCollector]: collector,
    name,
    describe: () => collector.describe(),
    collect: (emit: Emit, context: CollectContext) => collector.collect(emit, context),
    close: () => collector.close?.(),
  }
}

async function createCollectors(
  definition: ExporterDefinition,
  enabled: readonly string[],
  context: ExporterContext,
): Promise<Collector[]> {
  const collectors: Collector[] = []
  for (const collectorDefinition of definition.collectors.filter((candidate) =>
    enabled.includes(candidate.name),
  ) as CollectorDefinition[]) {
    try {
      // Every line a collector logs names it, as node_exporter's logger.With("collector", name) does.
      const own = { ...context, logger: context.logger.child({ collector: collectorDefinition.name }) }
      collectors.push(named(collectorDefinition.name, await collectorDefinition.create(own)))
    } catch (error) {
      const message = `collector ${collectorDefinition.name}: ${errorMessage(error)}`
      throw new PromkitError(error instanceof PromkitError ? error.code : 'PROMKIT_ERR_INVALID_OPTION', message, {
        cause: error,
      })
    }
  }
  return collectors
}

/**
 * The web config in force: loaded at start, re-read on change and SIGHUP; a bad file is logged and the old one kept.
 */
class WebSecurity {
  private security: Security = { webConfig: emptyWebConfig, auth: new BasicAuth(new Map()) }

  constructor(
    private readonly file: string | undefined,
    private readonly logger: Logger,
  ) {}

  /** What requests are checked against now (read on every request, so a reload applies at once). */
  get current(): Security {
    return this.security
  }

  /** Reads the file given at start; a bad one stops the exporter (the error names the key). */
  async load(): Promise<void> {
    if (this.file) this.apply(await loadWebConfig(this.file))
  }

  /** Re-reads the file; TLS may not be turned on or off, nor its client auth changed, without a restart. */
  async reload(servers: readonly FastifyInstance[]): Promise<void> {
    if (!this.file) return
    try {
      const next = await loadWebConfig(this.file)
      const before = this.security.webConfig.tls
      if (Boolean(before) !== Boolean(next.tls) || before?.clientAuth !== next.tls?.clientAuth) {
        throw new PromkitError(
          'PROMKIT_ERR_INVALID_CONFIG',
          'turning TLS on or off, or changing client_auth_type, needs a restart',
        )
      }
      if (next.tls) for (const server of servers) updateCertificates(server, next.tls)
      this.apply(next)
      this.logger.info({ file: this.file, users: next.users.size, tls: Boolean(next.tls) }, 'reloaded web config')
    } catch (error) {
      this.logger.error({ file: this.file }, `kept the previous web config: ${errorMessage(error)}`)
    }
  }

  private apply(webConfig: WebConfig): void {
    this.security = { webConfig, auth: new BasicAuth(webConfig.users) }
    for (const key of webConfig.ignored)
      this.logger.warn({ key }, 'web config key is not supported by promkit and is ignored')
    for (const warning of webConfig.warnings) this.logger.warn({ file: this.file }, warning)
  }
}

/** One server per listen address; if one cannot listen, those already listening are closed and the error thrown. */
async function listenAll(
  deps: ServerDeps,
  addresses: readonly ListenAddress[],
  tls: TlsSettings | undefined,
): Promise<{ servers: FastifyInstance[]; listening: string[] }> {
  const servers: FastifyInstance[] = []
  const listening: string[] = []
  try {
    for (const address of addresses) {
      const server = await createServer(deps, tls)
      servers.push(server)
      listening.push(await listen(server, address))
    }
  } catch (error) {
    await Promise.all(servers.map((server) => server.close()))
    throw error
  }
  return { servers, listening }
}

/** Runs one shutdown step within its time bound; a failure or overrun is logged and shutdown goes on. */
async function shutdownStep(
  logger: Logger,
  what: string,
  action: () => unknown,
  ms: number,
  fields: Record<string, string> = {},
): Promise<void> {
  try {
    const finished = await withTimeLimit(
      Promise.resolve()
        .then(action)
        .then(() => true),
      ms,
      () => false,
    )
    if (!finished) logger.warn(fields, `${what} did not finish in ${ms} ms; going on`)
  } catch (error) {
    logger.error(fields, `${what} failed: ${errorMessage(error)}`)
  }
}

/**
 * The scrape path: the collectors and the reporters on them (per-collector
 * outcomes, self-metrics) in one registry, and the handlers that serve it and,
 * for a multi-target exporter, `?target=` scrapes, sharing one in-flight count.
 */
function scrapePipeline(
  definition: ExporterDefinition,
  options: RuntimeOptions,
  context: ExporterContext,
  collectors: readonly Collector[],
) {
  const { logger } = context
  const pool = definition.multiTarget ? new TargetPool(options.maxTargetConnections, idleConnectionMs) : undefined
  const self = new SelfMetrics(options.namespace, buildInfo(definition), !options.disableExporterMetrics, pool)
  const outcomes = collectorOutcomes(options.namespace)
  const registry = new Registry({ timeoutMs: options.scrapeTimeoutMs })
  for (const collector of collectors) {
    self.checkNames(collector.name as string, collector)
    registry.register(collector)
  }
  // A push carries the collectors' metrics only: the gateway is not scraping the exporter.
  if (!options.push) for (const reporter of [outcomes, self]) registry.registerReporter(reporter)
  const inFlight = new RequestsInFlight(options.gcAfterScrape ? collectAfterScrapes() : undefined)
  const handlerOptions = {
    errorHandling: options.errorHandling,
    maxRequestsInFlight: options.maxRequests,
    inFlight,
    timeoutMs: options.scrapeTimeoutMs,
    timeoutOffsetMs: options.scrapeTimeoutOffsetMs,
  }
  const telemetry = new MetricsHandler(telemetrySource(registry, options.enabledCollectors), {
    ...handlerOptions,
    instrumentation: self.telemetryRequests,
    onGatherErrors: (errors) => logGatherErrors(logger, errors),
  })
  const multiTarget =
    definition.multiTarget && pool
      ? {
          definition: definition.multiTarget,
          allowed: new AllowedTargets(options.allowedTargets),
          pool,
          context,
          self,
          outcomes,
          logger,
        }
      : undefined
  const target = multiTarget
    ? new MetricsHandler(targetSource(multiTarget), {
        ...handlerOptions,
        instrumentation: self.targetRequests,
        onGatherErrors: (errors, request) =>
          logGatherErrors(logger, errors, redactTarget(String(request.query.target))),
      })
    : undefined
  return { registry, telemetry, target, inFlight, pool }
}

/** Parses flags, builds the collectors and the scrape path, and serves (or pushes); see {@link defineExporter}. */
async function start(
  definition: ExporterDefinition,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<RunningExporter | undefined> {
  const { options } = parseCommandLine(definition, argv, env, (text) => process.stdout.write(text))
  if (options === undefined) return undefined
  setHeapGrowth(options.gcPercent)
  const logger = createLogger(options.logLevel, options.logFormat)
  const build = buildInfo(definition)
  const configFile = options.webConfigFile
  const security = new WebSecurity(configFile, logger)
  await security.load()

  const context = exporterContext(options, logger)
  const checked = await definition.preflight?.(context)
  if (checked !== undefined) {
    process.stdout.write(`${checked}\n`)
    return undefined
  }
  const collectors = await createCollectors(definition, options.enabledCollectors, context)
  const { registry, telemetry, target, inFlight, pool } = scrapePipeline(definition, options, context, collectors)
  const reloadConfig = definition.reload
    ? async (): Promise<void> => {
        try {
          await definition.reload?.(context)
          logger.info('reloaded the configuration')
        } catch (error) {
          logger.error(`kept the previous configuration: ${errorMessage(error)}`)
          throw error
        }
      }
    : undefined
  const deps: ServerDeps = {
    definition,
    options,
    logger,
    telemetry,
    target,
    security: () => security.current,
    reloadConfig,
  }

  /** Closes what the collectors hold open (sessions, connections): at shutdown, or when start-up fails after them. */
  const closeCollectors = async (): Promise<void> => {
    for (const collector of collectors)
      await shutdownStep(logger, 'close()', () => collector.close?.(), closeTimeoutMs, {
        collector: collector.name as string,
      })
    if (definition.multiTarget?.close)
      await shutdownStep(logger, 'close()', () => definition.multiTarget?.close?.(context), closeTimeoutMs, {
        collector: 'multi-target',
      })
    pool?.close()
  }

  // Serving, or pushing instead.
  const pushing = options.push ? startPushing(options.push, registry, logger) : undefined
  const { servers, listening } = await listenAll(
    deps,
    pushing ? [] : options.listenAddresses,
    security.current.webConfig.tls,
  ).catch(async (error: unknown) => {
    // A collector may have connected already (vsphere_exporter logs in at start): log it out before exiting.
    await closeCollectors()
    throw error
  })
  const reload = async (): Promise<void> => {
    await security.reload(servers)
    await reloadConfig?.().catch(() => {})
  }
  if (configFile) watchFile(configFile, { interval: configPollMs }, () => void security.reload(servers)).unref()

  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (configFile) unwatchFile(configFile)
      pushing?.stop()
      logger.info({ in_flight: inFlight.count }, 'shutting down: no new connections, waiting for scrapes in flight')
      const closed = Promise.all(servers.map((server) => server.close()))
      await shutdownStep(logger, 'waiting for scrapes in flight', () => inFlight.drained(), drainTimeoutMs)
      // What is still open serves no scrape: keep-alive sockets, or clients that never finished sending a request.
      for (const server of servers) server.server.closeAllConnections()
      await closed
      await closeCollectors()
      logger.info('stopped')
    })())

  // What runs, as node_exporter says at start; once start-up has succeeded, so that a failure stays one line on stderr.
  logger.info(
    {
      version: build.version,
      revision: build.revision,
      branch: build.branch,
      build_date: build.date,
      nodejs_version: process.version,
      platform: runtimePlatform,
    },
    `Starting ${definition.name}`,
  )
  if (pushing) return { addresses: listening, options, logger, reload, stop, finished: pushing.finished }
  const tls = security.current.webConfig.tls ? ` (TLS, client auth ${security.current.webConfig.tls.clientAuth})` : ''
  logger.info(
    {
      version: build.version,
      addresses: listening,
      collectors: options.enabledCollectors,
      auth: security.current.auth.enabled,
    },
    `${definition.name} listening on ${listening.join(', ')}${tls}, metrics at ${options.telemetryPath}`,
  )
  return { addresses: listening, options, logger, reload, stop, finished: undefined }
}

/**
 * Turns an exporter definition into a binary with the conventions Prometheus
 * users expect (node_exporter's and redis_exporter's flags, web config, health
 * endpoints, self-metrics, collector toggles, multi-target, graceful shutdown).
 * A bin file is two lines: `defineExporter({...}).main()`.
 */
export function defineExporter(definition: ExporterDefinition): Exporter {
  checkDefinition(definition)
  return {
    definition,
    start: (argv = process.argv, env = process.env) => start(definition, argv, env),
    async main(): Promise<void> {
      let running: RunningExporter | undefined
      try {
        running = await start(definition, process.argv, process.env)
      } catch (error) {
        process.stderr.write(`${definition.name}: ${errorMessage(error)}\n`)
        process.exit(1)
      }
      if (running === undefined) process.exit(0)
      if (running.finished) {
        const code = await running.finished
        await running.stop()
        process.exit(code)
      }
      const { logger } = running
      process.on('unhandledRejection', (reason) => {
        const collector = currentCollector()
        const message = errorMessage(reason)
        if (collector === undefined) {
          logger.fatal({ err: message }, 'unhandled promise rejection outside any collector; exiting')
          process.exit(1)
        }
        logger.error(
          { collector, err: message },
          'unhandled promise rejection left behind by a collector; the exporter keeps running',
        )
      })
      process.on('SIGHUP', () => void running?.reload())
      let signals = 0
      const shutdown = (signal: NodeJS.Signals): void => {
        if (++signals > 1) {
          logger.warn({ signal }, 'second signal: exiting without waiting')
          process.exit(1)
        }
        logger.info({ signal }, 'received signal')
        void running?.stop().then(() => process.exit(0))
      }
      process.on('SIGTERM', shutdown)
      process.on('SIGINT', shutdown)
    },
  }
}
