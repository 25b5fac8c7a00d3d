import { Command, CommanderError, Option } from 'commander'
import { PromkitError, quote } from '../errors.js'
import { type ErrorHandling, errorHandlings, maxScrapeTimeoutMs } from '../http/handler.js'
import { buildInfo, versionText } from './build-info.js'
import { isValidMetricName } from '../names.js'
import type { CollectorDefinition, ExporterDefinition, FlagDefinition, FlagValue } from './definition.js'
import { parseDuration } from './duration.js'
import { type ListenAddress, parseListenAddress } from './listen-address.js'
import { type LogFormat, type LogLevel, logFormats, logLevels } from './logger.js'


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
function standardFlags(definition: ExporterDefinition): FlagDefinition[] {
  const flags: FlagDefinition[] = [
    { name: 'web.listen-address', type: 'list', default: [definition.defaultListenAddress], description: 'Address to listen on, host:port or :port for every interface; repeat for several.' },
    { name: 'web.listen-port', type: 'number', description: 'Shortcut for --web.listen-address=:<port>.' },
    { name: 'web.telemetry-path', default: '/metrics', description: 'Path under which metrics are served.' },
    { name: namespaceFlag(definition), default: definition.namespace, description: 'Prefix of every metric name this exporter produces.' },
    { name: 'web.config.file', description: "exporter-toolkit web config (TLS, basic auth, headers); re-read on change and on SIGHUP." },
    { name: 'web.max-requests', type: 'number', default: '40', description: 'Concurrent scrapes served at most; more get 503. 0 means no limit.' },
    { name: 'web.disable-exporter-metrics', type: 'boolean', description: 'Leave out process_, nodejs_ and promhttp_ metrics about the exporter itself.' },
    { name: 'web.error-handling', choices: errorHandlings, default: 'continue', description: 'On a collector error: serve what succeeded (continue) or answer 500 (http500).' },
    { name: 'log.level', choices: logLevels, default: 'info', description: 'Least severe level logged.' },
    { name: 'log.format', choices: logFormats, default: 'logfmt', description: 'Log line format.' },
    { name: 'scrape.timeout', type: 'duration', default: '10s', description: 'Scrape deadline when Prometheus sends no X-Prometheus-Scrape-Timeout-Seconds; at most 1h.' },
    { name: 'scrape.timeout-offset', type: 'duration', default: '500ms', description: "Taken off Prometheus' scrape timeout, to answer before it gives up; a timeout not longer than the offset is halved instead." },
    { name: 'push.gateway-url', description: 'Push to this Pushgateway (e.g. http://pushgateway:9091) instead of serving HTTP.' },
    { name: 'push.job', description: 'The job label of the pushed group (required with --push.gateway-url).' },
    { name: 'push.grouping', type: 'list', default: [], description: 'More grouping labels, label=value; repeat for several.' },
    { name: 'push.method', choices: ['put', 'post'], default: 'put', description: 'put replaces the whole group; post replaces same-named metrics only.' },
    { name: 'push.interval', type: 'duration', default: '0', description: 'Push every so often; 0 pushes once and exits (non-zero if the push failed).' },
  ]
  if (definition.multiTarget) {
    flags.push(
      { name: 'web.scrape-path', default: definition.multiTarget.path ?? '/scrape', description: 'Path of multi-target scrapes (?target=...).' },
      { name: 'web.allowed-targets', type: 'list', default: [], description: 'Targets multi-target scrapes may reach: host, IP, CIDR block or unix:/path, each with an optional :port; * matches within one label or octet, * alone anything. Repeat for several. None by default.' },
      { name: 'multi-target.max-connections', type: 'number', default: '100', description: 'Connections to targets kept open at most; the least recently used is closed to make room.' },
    )
  }
  return flags
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
  if (definition.namespace !== '' && !isValidMetricName(definition.namespace)) fail(`namespace ${quote(definition.namespace)} is not a valid metric name prefix`)
  if (!/^[A-Z][A-Z0-9_]*$/.test(definition.envPrefix)) fail(`envPrefix ${quote(definition.envPrefix)} must be upper case letters, digits and _`)
  const seen = new Set(standardFlags(definition).map((flag) => flag.name))
  const collectorNames = new Set<string>()
  const own = [...(definition.flags ?? []).map((flag) => ({ flag, owner: undefined as CollectorDefinition | undefined }))]
  for (const collector of definition.collectors) {
    if (!/^[a-z][a-z0-9_-]*$/.test(collector.name)) fail(`collector name ${quote(collector.name)} must be lower case letters, digits, _ and -`)
    if (collectorNames.has(collector.name)) fail(`collector ${quote(collector.name)} is defined twice`)
    collectorNames.add(collector.name)
    own.push(...(collector.flags ?? []).map((flag) => ({ flag, owner: collector })))
  }
  for (const { flag, owner } of own) {
    if (!flagNamePattern.test(flag.name)) fail(`flag ${quote(flag.name)} must be lower case words joined by . and -`)
    if (owner && !flag.name.startsWith(`collector.${owner.name}.`)) fail(`flag ${quote(flag.name)} of collector ${quote(owner.name)} must start with "collector.${owner.name}."`)
    if (seen.has(flag.name)) fail(`flag ${quote(flag.name)} is defined twice`)
    seen.add(flag.name)
  }
}

function parseBoolean(text: string, where: string): boolean {
  if (/^(true|1|yes)$/i.test(text)) return true
  if (/^(false|0|no)$/i.test(text)) return false
  throw new PromkitError('PROMKIT_ERR_INVALID_FLAG', `${where}: ${quote(text)} is not a boolean (want true or false)`)
}

/** Turns the raw text of a flag into its typed value, naming the flag (and the variable it came from) on error. */
function convert(flag: FlagDefinition, raw: string | boolean | readonly string[], where: string): FlagValue {
  if (flag.choices && typeof raw === 'string' && !flag.choices.includes(raw)) {
    throw new PromkitError('PROMKIT_ERR_INVALID_FLAG', `${where}: ${quote(raw)} is not one of ${flag.choices.join(', ')}`)
  }
  switch (flag.type) {
    case 'number': {
      const value = Number(raw)
      if (typeof raw !== 'string' || !/^\d+$/.test(raw)) throw new PromkitError('PROMKIT_ERR_INVALID_FLAG', `${where}: ${quote(raw)} is not a whole number`)
      return value
    }
    case 'duration':
      return parseDuration(raw as string, where)
    case 'regexp':
      try {
        new RegExp(raw as string)
      } catch (error) {
        throw new PromkitError('PROMKIT_ERR_INVALID_FLAG', `${where}: ${quote(raw)} is not a valid regular expression: ${(error as Error).message}`)
      }
      return raw
    default:
      return raw
  }
}

interface ParsedCommandLine {
  /** Undefined when --help or --version answered and the process should exit 0. */
  readonly options: RuntimeOptions | undefined
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
  const flags = [...standardFlags(definition), ...(definition.flags ?? []), ...definition.collectors.flatMap((collector) => collector.flags ?? [])]
  const program = new Command(definition.name)
    .description(definition.description)
    .version(versionText(definition.name, buildInfo(definition)), '--version', 'Print the version and exit.')
    .helpOption('-h, --help', 'Show this help and exit.')
    .exitOverride()
    .configureOutput({ writeOut: write, outputError: () => {} })
    .showSuggestionAfterError(true)
  const attributes = new Map<string, string>()
  for (const flag of flags) {
    const value = flag.type === 'boolean' ? '' : ' <value>'
    const env = envName(definition.envPrefix, flag.name)
    const shownDefault = flag.secret || flag.default === undefined ? '' : ` (default: ${Array.isArray(flag.default) ? flag.default.join(', ') || 'none' : String(flag.default)})`
    const option = new Option(`--${flag.name}${value}`, `${flag.description}${shownDefault} [env: ${env}]`)
    if (flag.type === 'list') option.argParser((item: string, previous: string[] | undefined) => [...(previous ?? []), item])
    // The positive option first: commander defaults a flag to true when its --no- form comes first.
    program.addOption(option)
    if (flag.type === 'boolean') program.addOption(new Option(`--no-${flag.name}`).hideHelp())
    attributes.set(flag.name, option.attributeName())
  }
  const toggles = definition.collectors.length > 1 ? definition.collectors : []
  for (const collector of toggles) {
    const state = collector.defaultEnabled ? 'enabled' : 'disabled'
    const option = new Option(`--collector.${collector.name}`, `Enable the ${collector.name} collector (default: ${state}; --no-collector.${collector.name} disables it) [env: ${envName(definition.envPrefix, `collector.${collector.name}`)}]`)
    program.addOption(option)
    program.addOption(new Option(`--no-collector.${collector.name}`).hideHelp())
    attributes.set(`collector.${collector.name}`, option.attributeName())
  }
  if (toggles.length > 0) {
    const option = new Option('--collector.disable-defaults', `Run only the collectors enabled by --collector.<name>. [env: ${envName(definition.envPrefix, 'collector.disable-defaults')}]`)
    program.addOption(option)
    attributes.set('collector.disable-defaults', option.attributeName())
  }
  try {
    program.parse([...argv], { from: 'node' })
  } catch (error) {
    if (error instanceof CommanderError && (error.code === 'commander.helpDisplayed' || error.code === 'commander.version')) return { options: undefined }
    // commander throws CommanderError, whose message starts with "error: ".
    const message = (error as Error).message.replace(/^error: /, '')
    throw new PromkitError('PROMKIT_ERR_INVALID_FLAG', message.split('\n')[0] as string)
  }
  const values: Record<string, FlagValue> = {}
  const given = new Set<string>()
  const read = (name: string, flag: FlagDefinition | undefined): FlagValue => {
    const attribute = attributes.get(name) as string
    const variable = envName(definition.envPrefix, name)
    let raw = program.getOptionValue(attribute) as string | boolean | string[] | undefined
    const fromCli = program.getOptionValueSource(attribute) === 'cli'
    let where = `--${name}`
    if (!fromCli && env[variable] !== undefined) {
      where = `$${variable}`
      const text = env[variable] as string
      raw = flag?.type === 'list' ? text.split(',').map((item) => item.trim()).filter((item) => item !== '') : flag === undefined || flag.type === 'boolean' ? parseBoolean(text, where) : text
    }
    if (raw === undefined) raw = flag?.default as string | boolean | string[] | undefined
    else if (fromCli || where !== `--${name}`) given.add(name)
    return flag && raw !== undefined ? convert(flag, raw, where) : raw
  }
  for (const flag of flags) values[flag.name] = read(flag.name, flag)
  const disableDefaults = toggles.length > 0 && read('collector.disable-defaults', undefined) === true
  const enabledCollectors = definition.collectors
    .filter((collector) => {
      if (toggles.length === 0) return true
      const choice = read(`collector.${collector.name}`, undefined)
      return choice === undefined ? collector.defaultEnabled && !disableDefaults : choice === true
    })
    .map((collector) => collector.name)
  return { options: runtimeOptions(values, given, enabledCollectors, flags, namespaceFlag(definition)) }
}

/** `--multi-target.max-connections`, at least 1 (0 when the exporter has no multi-target path). */
function maxTargetConnections(values: Record<string, FlagValue>): number {
  const max = (values['multi-target.max-connections'] as number | undefined) ?? 0
  if (max === 0 && values['web.scrape-path'] !== undefined) throw new PromkitError('PROMKIT_ERR_INVALID_FLAG', '--multi-target.max-connections: must be at least 1')
  return max
}

/** Answered `ok` without credentials, for Kubernetes probes and for Prometheus' own `/-/healthy` and `/-/ready` convention. */
export const healthPaths: readonly string[] = ['/health', '/healthz', '/-/healthy', '/-/ready']

/** Paths every exporter serves itself, which the telemetry and scrape paths may not take. */
const reservedPaths: Readonly<Record<string, string>> = { '/': 'landing page', ...Object.fromEntries(healthPaths.map((path) => [path, 'health endpoint'])) }

function pushMode(values: Record<string, FlagValue>): PushMode | undefined {
  const url = values['push.gateway-url'] as string | undefined
  if (url === undefined) return undefined
  const job = values['push.job'] as string | undefined
  if (job === undefined || job === '') throw new PromkitError('PROMKIT_ERR_INVALID_FLAG', '--push.gateway-url needs --push.job')
  const grouping: Record<string, string> = {}
  for (const pair of values['push.grouping'] as string[]) {
    const equals = pair.indexOf('=')
    if (equals < 1) throw new PromkitError('PROMKIT_ERR_INVALID_FLAG', `--push.grouping: ${quote(pair)} is not label=value`)
    grouping[pair.slice(0, equals)] = pair.slice(equals + 1)
  }
  return { url, job, grouping, method: values['push.method'] as 'put' | 'post', intervalMs: values['push.interval'] as number }
}

function runtimeOptions(
  values: Record<string, FlagValue>,
  given: ReadonlySet<string>,
  enabledCollectors: string[],
  flags: readonly FlagDefinition[],
  namespaceName: string,
): RuntimeOptions {
  const port = values['web.listen-port'] as number | undefined
  const addresses = values['web.listen-address'] as string[]
  if (port !== undefined && given.has('web.listen-address')) {
    throw new PromkitError('PROMKIT_ERR_INVALID_FLAG', '--web.listen-port and --web.listen-address were both given; use one')
  }
  const timeoutMs = values['scrape.timeout'] as number
  const offsetMs = values['scrape.timeout-offset'] as number
  if (timeoutMs === 0) throw new PromkitError('PROMKIT_ERR_INVALID_FLAG', '--scrape.timeout: must be more than 0')
  if (timeoutMs > maxScrapeTimeoutMs) throw new PromkitError('PROMKIT_ERR_INVALID_FLAG', '--scrape.timeout: must be at most 1h')
  if (offsetMs >= timeoutMs) throw new PromkitError('PROMKIT_ERR_INVALID_FLAG', `--scrape.timeout-offset (${offsetMs} ms) must be less than --scrape.timeout (${timeoutMs} ms)`)
  const listenAddresses = port !== undefined ? [parseListenAddress(`:${port}`, '--web.listen-port')] : addresses.map((address) => parseListenAddress(address, '--web.listen-address'))
  const path = (name: string): string => {
    const value = values[name] as string
    if (!value.startsWith('/')) throw new PromkitError('PROMKIT_ERR_INVALID_FLAG', `--${name}: ${quote(value)} must start with /`)
    const taken = reservedPaths[value]
    if (taken) throw new PromkitError('PROMKIT_ERR_INVALID_FLAG', `--${name}: ${quote(value)} is the ${taken}; choose another path`)
    return value
  }
  const namespace = values[namespaceName] as string
  if (namespace !== '' && !isValidMetricName(namespace)) {
    throw new PromkitError('PROMKIT_ERR_INVALID_FLAG', `--${namespaceName}: ${quote(namespace)} is not a valid metric name prefix`)
  }
  const push = pushMode(values)
  const scrapePath = values['web.scrape-path'] === undefined ? undefined : path('web.scrape-path')
  const telemetryPath = path('web.telemetry-path')
  if (scrapePath === telemetryPath) throw new PromkitError('PROMKIT_ERR_INVALID_FLAG', `--web.scrape-path and --web.telemetry-path are both ${quote(scrapePath)}`)
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
    scrapeTimeoutMs: timeoutMs,
    scrapeTimeoutOffsetMs: offsetMs,
    push,
    enabledCollectors,
    flags: Object.freeze(values),
    secretFlags: new Set(flags.filter((flag) => flag.secret).map((flag) => flag.name)),
  })
}
