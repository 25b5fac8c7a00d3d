import { Command, CommanderError, Option } from 'commander'
import { PromkitError, quote } from '../errors.js'
import { type ErrorHandling, errorHandlings, maxScrapeTimeoutMs } from '../http/handler.js'
import { buildInfo, versionText } from './build-info.js'
import { isValidMetricName } from '../names.js'
import type { CollectorDefinition, ExporterContext, ExporterDefinition, FlagAlias } from './definition.js'
import { type Flag, type FlagValue, flag } from './flag.js'
import { type ListenAddress, parseListenAddress } from './listen-address.js'
import { type LogFormat, type LogLevel, type Logger, logFormats, logLevels } from './logger.js'

/** Everything the command line and environment decided, validated once at start and frozen. */
export interface RuntimeOptions {
  readonly listenAddresses: readonly ListenAddress[]
  readonly telemetryPath: string
  readonly scrapePath: string | undefined
  readonly namespace: string
  readonly webConfigFile: string | undefined
  readonly maxRequests: number
  readonly disableExporterMetrics: boolean
  readonly errorHandling: ErrorHandling
  readonly allowedTargets: readonly string[]
  /** `--multi-target.max-connections`; 0 for single-target exporters. */
  readonly maxTargetConnections: number
  readonly logLevel: LogLevel
  readonly logFormat: LogFormat
  /** `--runtime.gc-percent`: the heap's growth between full collections, in percent of the live heap; 0 for V8's. */
  readonly gcPercent: number
  /** `--runtime.gc-after-scrape`: a full collection each time the last scrape in flight is answered. */
  readonly gcAfterScrape: boolean
  readonly scrapeTimeoutMs: number
  readonly scrapeTimeoutOffsetMs: number
  /** Push mode: where to push instead of serving, or undefined to serve. */
  readonly push: PushMode | undefined
  /** Names of the collectors that run, in definition order. */
  readonly enabledCollectors: readonly string[]
  /** Every flag's value by name, the exporter's own and the standard ones. */
  readonly flags: Readonly<Record<string, FlagValue>>
  /** Names of flags whose values must never be logged. */
  readonly secretFlags: ReadonlySet<string>
}

/** Push mode (`--push.gateway-url`): collect, push to a Pushgateway, and exit or repeat. */
export interface PushMode {
  readonly url: string
  readonly job: string
  readonly grouping: Readonly<Record<string, string>>
  readonly method: 'put' | 'post'
  /** 0: push once and exit (1 if the push failed); more: push every so many ms until stopped. */
  readonly intervalMs: number
}

/** The name of the flag that sets the metric namespace. */
function namespaceFlag(definition: ExporterDefinition): string {
  return definition.namespaceFlag ?? 'metric.namespace'
}

/** The flags every exporter has; `--web.scrape-path` and `--web.allowed-targets` only with multi-target. */
function standardFlags(definition: ExporterDefinition): Flag[] {
  const flags: Flag[] = [
    flag.list('web.listen-address', {
      default: [definition.defaultListenAddress],
      description: 'Address to listen on, host:port or :port for every interface; repeat for several.',
    }),
    flag.integer('web.listen-port', {
      description: 'Shortcut for --web.listen-address=:<port>.',
      conflicts: ['web.listen-address'],
    }),
    flag.string('web.telemetry-path', { default: '/metrics', description: 'Path under which metrics are served.' }),
    flag.string(namespaceFlag(definition), {
      default: definition.namespace,
      description: 'Prefix of every metric name this exporter produces.',
    }),
    flag.file('web.config.file', {
      description: 'exporter-toolkit web config (TLS, basic auth, headers); re-read on change and on SIGHUP.',
    }),
    flag.integer('web.max-requests', {
      default: 40,
      description: 'Concurrent scrapes served at most; more get 503. 0 means no limit.',
    }),
    flag.boolean('web.disable-exporter-metrics', {
      description: 'Leave out process_, nodejs_ and promhttp_ metrics about the exporter itself.',
    }),
    flag.enum('web.error-handling', errorHandlings, {
      default: 'continue',
      description: 'On a collector error: serve what succeeded (continue) or answer 500 (http500).',
    }),
    flag.enum('log.level', logLevels, { default: 'info', description: 'Least severe level logged.' }),
    flag.enum('log.format', logFormats, { default: 'logfmt', description: 'Log line format.' }),
    flag.integer('runtime.gc-percent', {
      default: definition.gcPercent ?? 0,
      description:
        "How far the heap may grow past what was live before the next full collection, in percent (Go's GOGC); 0 " +
        "leaves V8's own factor, up to 400.",
    }),
    flag.boolean('runtime.gc-after-scrape', {
      default: definition.gcAfterScrape ?? false,
      description:
        'A full garbage collection each time the last scrape in flight has been answered: a lower peak for ' +
        'exporters whose scrapes read large answers, for tens of milliseconds after each.',
    }),
    flag.duration('scrape.timeout', {
      default: '10s',
      description: 'Scrape deadline when Prometheus sends no X-Prometheus-Scrape-Timeout-Seconds; at most 1h.',
    }),
    flag.duration('scrape.timeout-offset', {
      default: '500ms',
      description:
        "Taken off Prometheus' scrape timeout, to answer before it gives up; a timeout not longer than the offset is " +
        'halved instead.',
    }),
    flag.string('push.gateway-url', {
      description: 'Push to this Pushgateway (e.g. http://pushgateway:9091) instead of serving HTTP.',
    }),
    flag.string('push.job', { description: 'The job label of the pushed group (required with --push.gateway-url).' }),
    flag.list('push.grouping', { description: 'More grouping labels, label=value; repeat for several.' }),
    flag.enum('push.method', ['put', 'post'], {
      default: 'put',
      description: 'put replaces the whole group; post replaces same-named metrics only.',
    }),
    flag.duration('push.interval', {
      default: '0',
      description: 'Push every so often; 0 pushes once and exits (non-zero if the push failed).',
    }),
  ]
  if (definition.multiTarget) {
    flags.push(
      flag.string('web.scrape-path', {
        default: definition.multiTarget.path ?? '/scrape',
        description: 'Path of multi-target scrapes (?target=...).',
      }),
      flag.list('web.allowed-targets', {
        description:
          'Targets multi-target scrapes may reach: host, IP, CIDR block or unix:/path, each with an optional :port; ' +
          '* matches within one label or octet, * alone anything. Repeat for several. None by default.',
      }),
      flag.integer('multi-target.max-connections', {
        default: 100,
        description: 'Connections to targets kept open at most; the least recently used is closed to make room.',
      }),
    )
  }
  return flags
}

/** `--collector.<name>` for each collector of an exporter that has several, and `--collector.disable-defaults`. */
function toggleFlags(definition: ExporterDefinition): Flag<boolean>[] {
  if (definition.collectors.length < 2) return []
  return [
    ...definition.collectors.map((collector) =>
      flag.boolean(`collector.${collector.name}`, {
        description:
          `Enable the ${collector.name} collector (default: ` +
          `${collector.defaultEnabled ? 'enabled' : 'disabled'}; --no-collector.${collector.name} disables it).`,
      }),
    ),
    flag.boolean('collector.disable-defaults', {
      description: 'Run only the collectors enabled by --collector.<name>.',
    }),
  ]
}

/** The environment variable a flag can be set with: `SYSTEM_EXPORTER_WEB_LISTEN_ADDRESS`. */
export function envName(prefix: string, flag: string): string {
  return `${prefix}_${flag.replace(/[.-]/g, '_').toUpperCase()}`
}

const flagNamePattern = /^[a-z][a-z0-9-]*(\.[a-z0-9-]+)*$/

/** Refuses a definition whose names would make flags or metrics that cannot work. */
export function checkDefinition(definition: ExporterDefinition): void {
  const fail = (message: string): never => {
    throw new PromkitError('PROMKIT_ERR_INVALID_OPTION', `exporter ${quote(definition.name)}: ${message}`)
  }
  if (definition.namespace !== '' && !isValidMetricName(definition.namespace))
    fail(`namespace ${quote(definition.namespace)} is not a valid metric name prefix`)
  if (!/^[A-Z][A-Z0-9_]*$/.test(definition.envPrefix))
    fail(`envPrefix ${quote(definition.envPrefix)} must be upper case letters, digits and _`)
  const seen = new Set(standardFlags(definition).map((flag) => flag.name))
  const collectorNames = new Set<string>()
  const own = [
    ...(definition.flags ?? []).map((flag) => ({ flag, owner: undefined as CollectorDefinition | undefined })),
  ]
  for (const collector of definition.collectors) {
    if (!/^[a-z][a-z0-9_-]*$/.test(collector.name))
      fail(`collector name ${quote(collector.name)} must be lower case letters, digits, _ and -`)
    if (collectorNames.has(collector.name)) fail(`collector ${quote(collector.name)} is defined twice`)
    collectorNames.add(collector.name)
    own.push(...(collector.flags ?? []).map((flag) => ({ flag, owner: collector })))
  }
  for (const { flag, owner } of own) {
    if (!flagNamePattern.test(flag.name)) fail(`flag ${quote(flag.name)} must be lower case words joined by . and -`)
    if (owner && !flag.name.startsWith(`collector.${owner.name}.`))
      fail(`flag ${quote(flag.name)} of collector ${quote(owner.name)} must start with "collector.${owner.name}."`)
    if (seen.has(flag.name)) fail(`flag ${quote(flag.name)} is defined twice`)
    seen.add(flag.name)
  }
  for (const toggle of toggleFlags(definition)) seen.add(toggle.name)
  for (const [name, variable] of Object.entries(definition.environment ?? {})) {
    if (!seen.has(name)) fail(`environment variable ${quote(variable)} is given for ${quote(name)}, not a flag`)
    if (!/^[A-Z][A-Z0-9_]*$/.test(variable))
      fail(`environment variable ${quote(variable)} must be upper case letters, digits and _`)
  }
}

/** How a boolean flag's optional value is written in commander's terms; left out of help and messages. */
const booleanValue = ' [bool]'

/** A flag's commander attribute name, under which its value is kept: `web.listenAddress`. */
function attributeName(name: string): string {
  return new Option(`--${name}`).attributeName()
}

/**
 * Adds a flag as a commander option: its environment variable (`.env()`),
 * default (`.default()`), choices (shown by `--help`), conflicts
 * (`.conflicts()`) and parser (`.argParser()`, whose errors name the flag or
 * the variable the text came from). A boolean takes an optional value
 * (`--x`, `--x=false`, and `X=false` from the environment, as Go's flags
 * do), and has a hidden `--no-x`.
 */
function addFlag(program: Command, each: Flag, variable: string): void {
  const option = new Option(
    `--${each.name}${each.kind === 'boolean' ? booleanValue : ' <value>'}`,
    each.description,
  ).env(variable)
  if (each.choices) option.choices(each.choices)
  // A boolean's default (off) and a secret's are not shown; both are applied when the values are read.
  if (each.shownDefault !== undefined) option.default(each.defaultValue, each.shownDefault)
  if (each.conflicts.length > 0) option.conflicts(each.conflicts.map(attributeName))
  // Registered before the option's own listener, so the parser below knows the text came from the environment.
  let fromEnvironment = false
  program.on(`optionEnv:${each.name}`, () => (fromEnvironment = true))
  option.argParser((text: string, previous: FlagValue) =>
    each.parse(
      text,
      previous,
      fromEnvironment ? { where: `$${variable}`, environment: true } : { where: `--${each.name}`, environment: false },
    ),
  )
  // The positive option first: commander defaults a flag to true when its --no- form comes first.
  program.addOption(option)
  if (each.kind === 'boolean') program.addOption(new Option(`--no-${each.name}`).hideHelp())
}

/** Runs `parse` with `env` as the environment: commander reads variables from process.env. */
function withEnvironment(env: NodeJS.ProcessEnv, parse: () => void): void {
  const saved = process.env
  process.env = env
  try {
    parse()
  } finally {
    process.env = saved
  }
}

interface ParsedCommandLine {
  /** Undefined when --help or --version answered and the process should exit 0. */
  readonly options: RuntimeOptions | undefined
}

/**
 * The command line with every aliased flag (`--alias=v`, `--alias v`; a boolean's `--alias`, `--no-alias`) written
 * under its own name.
 */
function unaliased(argv: readonly string[], aliases: Readonly<Record<string, FlagAlias>>): string[] {
  const result: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    // After `--` come operands, not flags.
    if (arg === '--') return [...result, ...argv.slice(i)]
    const [name, inline] = arg.startsWith('--') ? (arg.slice(2).split(/=(.*)/s) as [string, string?]) : ['']
    const negated = name.startsWith('no-') ? name.slice(3) : undefined
    const booleanAlias = Object.hasOwn(aliases, negated ?? name) ? aliases[negated ?? name] : undefined
    if (booleanAlias?.boolean && inline === undefined) {
      result.push(`--${negated === undefined ? '' : 'no-'}${booleanAlias.flag}`)
      continue
    }
    const alias = Object.hasOwn(aliases, name) ? aliases[name] : undefined
    if (alias === undefined) {
      result.push(arg)
      continue
    }
    const text = inline ?? (argv[++i] as string | undefined)
    if (text === undefined) throw new PromkitError('PROMKIT_ERR_INVALID_FLAG', `--${name} needs a value`)
    result.push(`--${alias.flag}=${alias.value ? alias.value(text) : text}`)
  }
  return result
}

/**
 * Parses the command line and the environment against the exporter's flags.
 * Throws a PromkitError whose message is the one line to print for an unknown
 * flag, a malformed value or conflicting flags.
 */
export function parseCommandLine(
  definition: ExporterDefinition,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  write: (text: string) => void,
): ParsedCommandLine {
  const flags = [
    ...standardFlags(definition),
    ...(definition.flags ?? []),
    ...definition.collectors.flatMap((collector) => collector.flags ?? []),
  ]
  const toggles = toggleFlags(definition)
  const program = new Command(definition.name)
    .description(definition.description)
    .version(versionText(definition.name, buildInfo(definition)), '--version', 'Print the version and exit.')
    .helpOption('-h, --help', 'Show this help and exit.')
    .exitOverride()
    .configureOutput({ writeOut: write, outputError: () => {} })
    .configureHelp({ optionTerm: (option) => option.flags.replace(booleanValue, '') })
    .showSuggestionAfterError(true)
  const environment = definition.environment ?? {}
  for (const each of [...flags, ...toggles])
    addFlag(program, each, environment[each.name] ?? envName(definition.envPrefix, each.name))
  try {
    const args = unaliased(argv, definition.flagAliases ?? {})
    withEnvironment(env, () => program.parse(args, { from: 'node' }))
  } catch (error) {
    if (error instanceof PromkitError) throw error
    if (
      error instanceof CommanderError &&
      (error.code === 'commander.helpDisplayed' || error.code === 'commander.version')
    )
      return { options: undefined }
    // commander's own refusals (unknown flag, conflicting flags) start with "error: " and show the value placeholders.
    const message = (error as Error).message
      .replace(/^error: /, '')
      .replaceAll(' <value>', '')
      .replaceAll(booleanValue, '')
    throw new PromkitError('PROMKIT_ERR_INVALID_FLAG', message.split('\n')[0] as string)
  }
  const given = (each: Flag): FlagValue => program.getOptionValue(attributeName(each.name)) as FlagValue
  const values: Record<string, FlagValue> = Object.fromEntries(
    flags.map((each) => [each.name, given(each) ?? each.defaultValue]),
  )
  const disableDefaults = toggles.length > 0 && given(toggles[toggles.length - 1] as Flag) === true
  const enabledCollectors = definition.collectors
    .filter((collector) => {
      if (toggles.length === 0) return true
      const choice = program.getOptionValue(attributeName(`collector.${collector.name}`)) as boolean | undefined
      return choice ?? (collector.defaultEnabled && !disableDefaults)
    })
    .map((collector) => collector.name)
  return { options: runtimeOptions(values, enabledCollectors, flags, namespaceFlag(definition)) }
}

/** What collector factories get: the namespace, the flags (by name, and typed by declaration) and the logger. */
export function exporterContext(options: RuntimeOptions, logger: Logger): ExporterContext {
  return {
    namespace: options.namespace,
    scrapeTimeoutMs: options.scrapeTimeoutMs,
    enabledCollectors: options.enabledCollectors,
    flags: options.flags,
    value: <T extends FlagValue>(declared: Flag<T>) => options.flags[declared.name] as T,
    logger,
  }
}

/** `--multi-target.max-connections`, at least 1 (0 when the exporter has no multi-target path). */
function maxTargetConnections(values: Record<string, FlagValue>): number {
  const max = (values['multi-target.max-connections'] as number | undefined) ?? 0
  if (max === 0 && values['web.scrape-path'] !== undefined)
    throw new PromkitError('PROMKIT_ERR_INVALID_FLAG', '--multi-target.max-connections: must be at least 1')
  return max
}

/**
 * Answered `ok` without credentials, for Kubernetes probes and for Prometheus' own `/-/healthy` and `/-/ready`
 * convention.
 */
export const healthPaths: readonly string[] = ['/health', '/healthz', '/-/healthy', '/-/ready']

/** Paths every exporter serves itself, which the telemetry and scrape paths may not take. */
const reservedPaths: Readonly<Record<string, string>> = {
  '/': 'landing page',
  ...Object.fromEntries(healthPaths.map((path) => [path, 'health endpoint'])),
}

function pushMode(values: Record<string, FlagValue>): PushMode | undefined {
  const url = values['push.gateway-url'] as string | undefined
  if (url === undefined) return undefined
  const job = values['push.job'] as string | undefined
  if (job === undefined || job === '')
    throw new PromkitError('PROMKIT_ERR_INVALID_FLAG', '--push.gateway-url needs --push.job')
  const grouping: Record<string, string> = {}
  for (const pair of values['push.grouping'] as string[]) {
    const equals = pair.indexOf('=')
    if (equals < 1)
      throw new PromkitError('PROMKIT_ERR_INVALID_FLAG', `--push.grouping: ${quote(pair)} is not label=value`)
    grouping[pair.slice(0, equals)] = pair.slice(equals + 1)
  }
  return {
    url,
    job,
    grouping,
    method: values['push.method'] as 'put' | 'post',
    intervalMs: values['push.interval'] as number,
  }
}

function runtimeOptions(
  values: Record<string, FlagValue>,
  enabledCollectors: string[],
  flags: readonly Flag[],
  namespaceName: string,
): RuntimeOptions {
  const port = values['web.listen-port'] as number | undefined
  const addresses = values['web.listen-address'] as string[]
  const timeoutMs = values['scrape.timeout'] as number
  const offsetMs = values['scrape.timeout-offset'] as number
  if (timeoutMs === 0) throw new PromkitError('PROMKIT_ERR_INVALID_FLAG', '--scrape.timeout: must be more than 0')
  if (timeoutMs > maxScrapeTimeoutMs)
    throw new PromkitError('PROMKIT_ERR_INVALID_FLAG', '--scrape.timeout: must be at most 1h')
  if (offsetMs >= timeoutMs)
    throw new PromkitError(
      'PROMKIT_ERR_INVALID_FLAG',
      `--scrape.timeout-offset (${offsetMs} ms) must be less than --scrape.timeout (${timeoutMs} ms)`,
    )
  const listenAddresses =
    port !== undefined
      ? [parseListenAddress(`:${port}`, '--web.listen-port')]
      : addresses.map((address) => parseListenAddress(address, '--web.listen-address'))
  const path = (name: string): string => {
    const value = values[name] as string
    if (!value.startsWith('/'))
      throw new PromkitError('PROMKIT_ERR_INVALID_FLAG', `--${name}: ${quote(value)} must start with /`)
    const taken = reservedPaths[value]
    if (taken)
      throw new PromkitError(
        'PROMKIT_ERR_INVALID_FLAG',
        `--${name}: ${quote(value)} is the ${taken}; choose another path`,
      )
    return value
  }
  const namespace = values[namespaceName] as string
  if (namespace !== '' && !isValidMetricName(namespace)) {
    throw new PromkitError(
      'PROMKIT_ERR_INVALID_FLAG',
      `--${namespaceName}: ${quote(namespace)} is not a valid metric name prefix`,
    )
  }
  const push = pushMode(values)
  const scrapePath = values['web.scrape-path'] === undefined ? undefined : path('web.scrape-path')
  const telemetryPath = path('web.telemetry-path')
  if (scrapePath === telemetryPath)
    throw new PromkitError(
      'PROMKIT_ERR_INVALID_FLAG',
      `--web.scrape-path and --web.telemetry-path are both ${quote(scrapePath)}`,
    )
  return Object.freeze({
    listenAddresses,
    telemetryPath,
    scrapePath,
    namespace,
    webConfigFile: values['web.config.file'] as string | undefined,
    maxRequests: values['web.max-requests'] as number,
    disableExporterMetrics: values['web.disable-exporter-metrics'] === true,
    errorHandling: values['web.error-handling'] as ErrorHandling,
    allowedTargets: (values['web.allowed-targets'] as string[] | undefined) ?? [],
    maxTargetConnections: maxTargetConnections(values),
    logLevel: values['log.level'] as LogLevel,
    logFormat: values['log.format'] as LogFormat,
    gcPercent: values['runtime.gc-percent'] as number,
    gcAfterScrape: values['runtime.gc-after-scrape'] as boolean,
    scrapeTimeoutMs: timeoutMs,
    scrapeTimeoutOffsetMs: offsetMs,
    push,
    enabledCollectors,
    flags: Object.freeze(values),
    secretFlags: new Set(flags.filter((flag) => flag.secret).map((flag) => flag.name)),
  })
}
