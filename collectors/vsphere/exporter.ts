import {
  type CollectContext,
  type Collector,
  type Emit,
  PromkitError,
  ScrapeShared,
  constMetric,
  descsIn,
} from 'promkit'
import { type ExporterContext, type ExporterDefinition, type Logger, perExporter } from 'promkit/exporter'
import { type VsphereDescs, vsphereDescs } from './descs.js'
import { emitClusters, emitDatastores, emitHosts, emitSnapshots, emitVmGuests, emitVms } from './metrics.js'
import { type Reading, type Sections, missingBySection, prepareVcenter, readVcenter, sectionsWhere } from './reading.js'
import { type ConfigSection, readConfig } from './config.js'
import { type Profile, flagProfile, vcenterUrl, vimSettings, vsphereEnvironment, vsphereFlags } from './settings.js'
import { VimSession, type VimSettings } from './vim.js'

/** The sections as collectors, each switchable as vmware_exporter's `VSPHERE_COLLECT_<SECTION>`. */
const sectionNames = ['vms', 'vmguests', 'snapshots', 'datastores', 'hosts', 'clusters'] as const

/** QueryPerf calls in flight at once for one vCenter. */
const perfConcurrency = 4

/** How long logging out may take at shutdown. */
const logoutMs = 2000

/** How long setting up a session at start may take: a vCenter that takes longer is left to the scrapes. */
const prepareMs = 60_000

/**
 * One vCenter: its session, kept across scrapes, and its read. The collectors of one scrape share one read, and a
 * scrape that comes while a read is in flight shares that one too (vmware_exporter starts another, and overlapping
 * scrapes of a large inventory pile up), so each vCenter has at most one read in flight.
 */
export class Vcenter {
  readonly session: VimSession
  private readonly reads: ScrapeShared<Reading>
  private readonly closing = new AbortController()

  constructor(
    private readonly settings: VimSettings,
    readonly profile: Profile,
    private readonly logger: Logger,
  ) {
    const session = new VimSession(settings)
    const limits = { specsSize: profile.specsSize, concurrency: perfConcurrency }
    this.session = session
    this.reads = new ScrapeShared(async (signal, deadline) => {
      const read = await readVcenter(session, profile.sections, limits, signal, deadline)
      for (const [part, error] of read.errors) logger.warn({ part, err: error }, 'cannot read vCenter')
      return read
    }, true)
  }

  /**
   * Sets the session up before any scrape needs it (the exporter's own vCenter, at start): a wrong password or an
   * unreachable vCenter is logged then, and the first scrape finds the session, its views and the counter table
   * ready. A multi-target vCenter is not: its first scrape is already waiting, and would log the same failure twice.
   */
  prepare(): void {
    const { logger, closing } = this
    const vcenter = this.settings.url.host
    const signal = AbortSignal.any([closing.signal, AbortSignal.timeout(prepareMs)])
    prepareVcenter(this.session, this.profile.sections, signal).then(
      () => logger.info({ vcenter }, 'vCenter session set up'),
      (error: Error) => {
        if (closing.signal.aborted) return
        logger.warn({ vcenter, err: error.message }, 'cannot set up the vCenter session; each scrape tries again')
      },
    )
  }

  /** The read this scrape's collectors share. */
  read(context: CollectContext): Promise<Reading> {
    return this.reads.get(context)
  }

  /** Logs out and closes the connections; the collectors of one vCenter each call it, the first does it. */
  close(): Promise<void> {
    this.closing.abort()
    return this.session.close(AbortSignal.timeout(logoutMs))
  }
}

/** The sections the enabled collectors make. */
function sectionsOf(context: ExporterContext): Sections {
  return sectionsWhere((section) => context.enabledCollectors.includes(section))
}

/** The config file of each exporter (its flags), read before the collectors are built. */
const configs = new WeakMap<ExporterContext['flags'], ReadonlyMap<string, ConfigSection>>()

/**
 * What the collectors of one exporter share: descriptors, the profile of each config section (or the flags' when
 * there is no config file), and the vCenter of `--vsphere.host` (or the default section's host) if there is one.
 */
const state = perExporter((context: ExporterContext) => {
  const enabled = sectionsOf(context)
  const config = configs.get(context.flags)
  const profiles = new Map<string, Profile>()
  for (const [name, section] of config ?? []) {
    profiles.set(name, {
      user: section.user,
      password: section.password,
      ignoreSsl: section.ignoreSsl,
      specsSize: section.specsSize ?? context.value(vsphereFlags.specsSize),
      // What its collect_only and the enabled collectors both ask for.
      sections: sectionsWhere((key) => enabled[key] && section.collect[key]),
    })
  }
  if (config === undefined) profiles.set('default', flagProfile(context, enabled))
  const host =
    config === undefined ? context.value(vsphereFlags.host) : ((config.get('default') as ConfigSection).host ?? '')
  const open = (url: URL, profile: Profile) => new Vcenter(vimSettings(context, url, profile), profile, context.logger)
  const where = config === undefined ? '--vsphere.host' : 'default.vsphere_host'
  const vcenter = host === '' ? undefined : open(vcenterUrl(host, where), profiles.get('default') as Profile)
  vcenter?.prepare()
  return { descs: vsphereDescs(context.namespace), vcenter, profiles, open }
})

/** The read parts each section's series come from: a failed part fails the section's collector. */
const sectionParts: Readonly<Record<string, readonly string[]>> = {
  vms: ['inventory', 'vms', 'hosts', 'counters', 'vm_perf'],
  vmguests: ['inventory', 'vms', 'hosts'],
  snapshots: ['inventory', 'vms', 'hosts'],
  datastores: ['inventory', 'datastores'],
  hosts: ['inventory', 'hosts', 'counters', 'host_perf'],
  clusters: ['inventory', 'clusters'],
}

/** How each section writes its series. */
const sectionWriters: {
  readonly [S in keyof Sections]: (emit: Emit, descs: VsphereDescs[S], reading: Reading) => void
} = {
  vms: emitVms,
  vmguests: emitVmGuests,
  snapshots: emitSnapshots,
  datastores: emitDatastores,
  hosts: emitHosts,
  clusters: emitClusters,
}

/** The collector of one section of one vCenter: its series, and a failure for each of its parts that failed. */
function sectionCollector<S extends keyof Sections>(
  section: S,
  descs: VsphereDescs,
  vcenter: Vcenter | undefined,
): Collector {
  const group = descs[section]
  const write = sectionWriters[section] as (emit: Emit, descs: VsphereDescs[S], reading: Reading) => void
  return {
    name: section,
    describe: () => descsIn(group),
    async collect(emit, context) {
      // No vCenter, or a config section whose collect_only leaves this section out.
      if (vcenter === undefined || !vcenter.profile.sections[section]) return
      const reading = await vcenter.read(context)
      write(emit, group, reading)
      for (const part of sectionParts[section] as readonly string[]) {
        const error = reading.errors.get(part)
        if (error !== undefined) context.reportError(new Error(`${part}: ${error}`))
      }
    },
    close: () => vcenter?.close(),
  }
}

/** `vsphere_up`, how long each part of the read took, the objects found, the missing properties, the logins. */
function readingCollector(descs: VsphereDescs, vcenter: Vcenter | undefined): Collector {
  const { up, readDuration, objects, missingProperties, logins } = descs.reading
  return {
    name: 'vsphere',
    describe: () => descsIn(descs.reading),
    async collect(emit, context) {
      if (vcenter === undefined) return
      const reading = await vcenter.read(context)
      emit(constMetric(up, 'gauge', reading.errors.size === 0 ? 1 : 0))
      for (const [part, seconds] of reading.durations) emit(constMetric(readDuration, 'gauge', seconds, [part]))
      const found = { VirtualMachine: reading.vms, HostSystem: reading.hosts, Datastore: reading.datastores }
      for (const [type, list] of Object.entries({ ...found, ClusterComputeResource: reading.clusters }))
        emit(constMetric(objects, 'gauge', list.length, [type]))
      for (const [section, count] of missingBySection(reading))
        emit(constMetric(missingProperties, 'gauge', count, [section]))
      emit(constMetric(logins, 'counter', vcenter.session.logins))
    },
    // The default vCenter's session ends with the exporter (its first collector to close logs out); a multi-target
    // one's when the pool closes it.
    close: () => vcenter?.close(),
  }
}

/** Every collector of one vCenter: its reading's, and its profile's sections'. */
function vcenterCollectors(descs: VsphereDescs, vcenter: Vcenter): Collector[] {
  return [
    readingCollector(descs, vcenter),
    ...sectionNames
      .filter((section) => vcenter.profile.sections[section])
      .map((section) => sectionCollector(section, descs, vcenter)),
  ]
}

/**
 * The vSphere exporter: VMs, hosts, datastores and clusters from vCenter's vim25 API, with vmware_exporter's
 * names, one session kept across scrapes and one read per object type.
 */
export const vsphereExporter: ExporterDefinition = {
  name: 'vsphere_exporter',
  description:
    "VMs, hosts, datastores and clusters from vCenter's vim25 API with vmware_exporter's names: one session kept " +
    'across scrapes, one round trip per object type, vsphere_up 0 instead of a failed scrape when vCenter is down.',
  defaultListenAddress: ':9272',
  // vCenter's answers are large: V8's own heap growth would let several scrapes' garbage pile up.
  gcPercent: 100,
  gcAfterScrape: true,
  namespace: 'vsphere',
  envPrefix: 'VSPHERE_EXPORTER',
  environment: vsphereEnvironment,
  flags: Object.values(vsphereFlags),
  collectors: [
    {
      name: 'vsphere',
      defaultEnabled: true,
      create: (context) => readingCollector(state(context).descs, state(context).vcenter),
    },
    ...sectionNames.map((section) => ({
      name: section,
      defaultEnabled: true,
      create: (context: ExporterContext) => sectionCollector(section, state(context).descs, state(context).vcenter),
    })),
  ],
  flagAliases: { config: { flag: 'config.file' } },
  async preflight(context) {
    const file = context.value(vsphereFlags.configFile)
    if (file !== undefined) configs.set(context.flags, await readConfig(file))
    return undefined
  },
  multiTarget: {
    collectors(target, context, connections, parameters) {
      const current = state(context)
      const refuse = (message: string) => new PromkitError('PROMKIT_ERR_TARGET_REFUSED', message)
      const name = parameters.section ?? 'default'
      const profile = current.profiles.get(name)
      if (profile === undefined) {
        const known = [...current.profiles.keys()].join(', ')
        throw refuse(
          configs.has(context.flags)
            ? `section ${JSON.stringify(name)} is not in the config file (it has ${known})`
            : `?section=${name} needs a config file (--config.file)`,
        )
      }
      let url: URL
      try {
        url = vcenterUrl(target, 'target')
      } catch (error) {
        throw refuse((error as Error).message)
      }
      // One session per vCenter and section: sections may log in as different users.
      const vcenter = connections.get(`${name} ${url.href}`, () => current.open(url, profile))
      return vcenterCollectors(current.descs, vcenter)
    },
  },
}
