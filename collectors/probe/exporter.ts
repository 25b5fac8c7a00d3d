import { readFile } from 'node:fs/promises'
import { stringify as stringifyYaml } from 'yaml'
import { type Collector, Desc, type Emit, PromkitError, ScrapeRefused, constMetric, mapWithin, quote } from 'promkit'
import { ConfigReader, type ExporterContext, type ExporterDefinition, flag, perExporter } from 'promkit/exporter'
import { type ProbeModule, defaultModule, readModules } from './config.js'
import { type ProbeReport, type Sample, listedProbeDescs, probeCollector, runProbe } from './probe-collector.js'
import { type ListedTarget, parseTargets, readTargetsYaml } from './targets.js'

/** The probe exporter's own flags, blackbox_exporter's names. */
export const probeFlags = {
  configFile: flag.string('config.file', { default: 'blackbox.yml', description: 'The module file (blackbox.yml).' }),
  configCheck: flag.boolean('config.check', { description: 'Check the module file, then exit (0 when it is valid).' }),
  targetsFile: flag.string('probe.targets-file', {
    description:
      'Probe these targets (a target and its module per line, or, in a .yml or .yaml file, groups of targets ' +
      'with a module) at every scrape of the telemetry path or push, each labelled with module and target.',
  }),
}

/** Listed targets probed at once, at most. */
const listedConcurrency = 16

/** The module file as last read, and what the exporter counts about probes. */
class ProbeState {
  modules: ReadonlyMap<string, ProbeModule> = new Map()
  lastReloadSuccessful = false
  /** Unix seconds of the last successful read, 0 before one. */
  lastReloadSeconds = 0
  unknownModules = 0
  /** Probes by module, then result. */
  readonly probes = new Map<string, { success: number; failure: number }>()
  /** `--probe.targets-file`'s targets. */
  targets: readonly ListedTarget[] = []
  readonly descs: ReturnType<typeof stateDescs>

  constructor(
    private readonly file: string,
    private readonly targetsFile: string | undefined,
    namespace: string,
  ) {
    this.descs = stateDescs(namespace)
  }

  /**
   * Reads the module file and the targets file; a bad one keeps what is in force and is thrown with its one-line
   * reason.
   */
  async load(): Promise<void> {
    try {
      const modules = await readModules(new ConfigReader('config file', this.file))
      const { targetsFile } = this
      const known = (module: string) => modules.has(module)
      if (targetsFile !== undefined && /\.ya?ml$/.test(targetsFile)) {
        this.targets = await readTargetsYaml(new ConfigReader('targets file', targetsFile), known)
      } else if (targetsFile !== undefined) {
        const text = await readFile(targetsFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
          throw new PromkitError(
            'PROMKIT_ERR_INVALID_CONFIG',
            `targets file ${targetsFile}: cannot be read: ${error.code}`,
          )
        })
        this.targets = parseTargets(text, targetsFile, known)
      }
      this.modules = modules
      this.lastReloadSuccessful = true
      this.lastReloadSeconds = Date.now() / 1000
    } catch (error) {
      this.lastReloadSuccessful = false
      throw error
    }
  }

  /** Counts a finished probe. */
  count(module: string, report: ProbeReport): void {
    const counts = this.probes.get(module) ?? { success: 0, failure: 0 }
    counts[report.success ? 'success' : 'failure']++
    this.probes.set(module, counts)
  }
}

function stateDescs(namespace: string) {
  return {
    reloadSuccessful: new Desc({
      namespace,
      name: 'exporter_config_last_reload_successful',
      help: 'Blackbox exporter config loaded successfully.',
    }),
    reloadSeconds: new Desc({
      namespace,
      name: 'exporter_config_last_reload_success_timestamp_seconds',
      help: 'Timestamp of the last successful configuration reload.',
    }),
    unknownModules: new Desc({
      namespace,
      name: 'module_unknown_total',
      help: 'Count of unknown modules requested by probes',
    }),
    probes: new Desc({
      namespace,
      name: 'probes_total',
      help: 'Probes run, by module and result (success or failure).',
      variableLabels: ['module', 'result'],
    }),
  }
}

const state = perExporter(
  (context: ExporterContext) =>
    new ProbeState(context.value(probeFlags.configFile), context.value(probeFlags.targetsFile), context.namespace),
)

/** What `/probe?debug=true` shows, kept by the request's parameters until its answer is written. */
const debugPages = new WeakMap<object, { target: string; name: string; module: ProbeModule; report: ProbeReport }>()

/** Keys whose values a debug page hides, as blackbox_exporter shows secrets as `<secret>`. */
const secretKeys = new Set(['password', 'bearer_token'])

/** A module as written in the file, its secrets replaced by `<secret>`. */
function redacted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redacted)
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [key, secretKeys.has(key) ? '<secret>' : redacted(inner)]),
  )
}

/** `config` on the telemetry path: the module file's reload status and the probe counters. */
function configCollector(context: ExporterContext): Collector {
  const probes = state(context)
  const { descs } = probes
  return {
    describe: () => Object.values(descs),
    async collect(emit: Emit) {
      emit(constMetric(descs.reloadSuccessful, 'gauge', probes.lastReloadSuccessful ? 1 : 0))
      emit(constMetric(descs.reloadSeconds, 'gauge', probes.lastReloadSeconds))
      emit(constMetric(descs.unknownModules, 'counter', probes.unknownModules))
      for (const [module, counts] of probes.probes) {
        emit(constMetric(descs.probes, 'counter', counts.success, [module, 'success']))
        emit(constMetric(descs.probes, 'counter', counts.failure, [module, 'failure']))
      }
    },
  }
}

/**
 * `targets` on the telemetry path (and in push mode): every target of `--probe.targets-file` probed with its module,
 * 16 at a time, each series labelled with `module` and `target`; nothing without the file.
 */
function targetsCollector(context: ExporterContext): Collector {
  const probes = state(context)
  return {
    describe: () => Object.values(listedProbeDescs),
    async collect(emit: Emit, { deadline }) {
      await mapWithin(probes.targets, listedConcurrency, deadline, async ({ target, module: name }) => {
        const sample: Sample = (desc, value, labels = []) =>
          emit(constMetric(listedProbeDescs[desc], 'gauge', value, [name, target, ...labels]))
        probes.count(name, await runProbe(target, probes.modules.get(name) as ProbeModule, deadline, sample))
      })
    },
  }
}

/** The probe exporter: blackbox_exporter 0.23's `/probe`, module file, flags and families, on promkit. */
export const probeExporter: ExporterDefinition = {
  name: 'probe_exporter',
  description: "HTTP and TCP probes of other endpoints, blackbox_exporter 0.23's modules and metrics.",
  defaultListenAddress: ':9115',
  namespace: 'blackbox',
  envPrefix: 'PROBE_EXPORTER',
  flags: Object.values(probeFlags),
  flagAliases: {
    // blackbox_exporter's offset is a number of seconds: --timeout-offset=0.5.
    'timeout-offset': {
      flag: 'scrape.timeout-offset',
      value(text) {
        if (!/^\d+(\.\d+)?$/.test(text))
          throw new PromkitError(
            'PROMKIT_ERR_INVALID_FLAG',
            `--timeout-offset: ${quote(text)} is not a number of seconds`,
          )
        return `${text}s`
      },
    },
  },
  collectors: [
    { name: 'config', defaultEnabled: true, create: configCollector },
    { name: 'targets', defaultEnabled: true, create: targetsCollector },
  ],
  async preflight(context) {
    await state(context).load()
    return context.value(probeFlags.configCheck) ? 'Config file is ok exiting...' : undefined
  },
  reload: (context) => state(context).load(),
  multiTarget: {
    path: '/probe',
    collectorOutcomes: false,
    collectors(target, context, _connections, parameters) {
      const probes = state(context)
      const name = parameters.module ?? defaultModule
      const module = probes.modules.get(name)
      if (module === undefined) {
        probes.unknownModules++
        throw new ScrapeRefused(400, `Unknown module ${quote(name)}`)
      }
      const { logger } = context
      return [
        probeCollector(target, module, (report) => {
          probes.count(name, report)
          if (parameters.debug === 'true') debugPages.set(parameters, { target, name, module, report })
          if (logger.isLevelEnabled('debug'))
            for (const { level, message } of report.log.entries)
              logger.debug({ module: name, target, probe_level: level }, message)
        }),
      ]
    },
    answer(parameters, exposition) {
      const page = debugPages.get(parameters)
      if (page === undefined) return undefined
      return [
        'Logs for the probe:',
        ...page.report.log.lines({ module: page.name, target: page.target }),
        '',
        '',
        '',
        'Metrics that would have been returned:',
        exposition(),
        '',
        '',
        'Module configuration:',
        stringifyYaml(redacted(page.module.written)).trimEnd(),
      ].join('\n')
    },
  },
}
