import { type Collector, type Emit, ScrapeShared, constMetric, descsIn } from 'promkit'
import { type ExporterContext, type ExporterDefinition, type Logger, perExporter } from 'promkit/exporter'
import { type KubeletDescs, kubeletDescs } from './descs.js'
import { kubeletFlags, summarySource } from './settings.js'
import type { Readings } from './sources.js'
import type { Summary } from './summary.js'
import { emitContainers, emitNode, emitPods, emitResource, emitVolumeStats, labeller } from './summary-metrics.js'

/** The collectors that need only what `?only_cpu_and_memory=true` still sends. */
const cpuAndMemoryCollectors = new Set(['kubelet', 'resource'])

/**
 * What the collectors of one exporter share: the descriptors, the source the flags chose, and its one read of every
 * node per scrape.
 */
const state = perExporter((context: ExporterContext) => {
  const onlyCpuAndMemory = context.enabledCollectors.every((name) => cpuAndMemoryCollectors.has(name))
  const source = summarySource(context, onlyCpuAndMemory)
  return {
    descs: kubeletDescs(context.value(kubeletFlags.kubeletUrl) === ''),
    source,
    reader: new ScrapeShared((signal, deadline) => source.read(signal, deadline)),
  }
})

/** A collector that emits, for each node whose summary was read, what `write` makes of it. */
function summaryCollector<G extends object>(
  context: ExporterContext,
  name: string,
  pick: (descs: KubeletDescs) => G,
  write: (emit: Emit, descs: G, summary: Summary, node: string | undefined) => void,
): Collector {
  const { descs, reader, source } = state(context)
  const group = pick(descs)
  return {
    name,
    describe: () => descsIn(group),
    async collect(emit, collectContext) {
      for (const { summary, node } of (await reader.get(collectContext)).nodes) {
        if (summary !== undefined) write(emit, group, summary, node)
      }
    },
    close: () => source.close(),
  }
}

/** Logs each node that could not be read; the scrape's one node (a DaemonSet's) also fails the collector. */
function reportFailures(readings: Readings, logger: Logger, reportError: (error: unknown) => void): void {
  if (readings.error !== undefined) reportError(new Error(readings.error))
  for (const { node, error } of readings.nodes) {
    if (error === undefined) continue
    if (node === undefined) reportError(new Error(error))
    else logger.warn({ node, err: error }, 'cannot read the node stats')
  }
}

/** `kubelet_stats_up`, how long each read took, and the duplicates each summary carried. */
function kubeletCollector(context: ExporterContext): Collector {
  const { descs, reader, source } = state(context)
  const { up, duration, duplicates } = descs.reading
  return {
    name: 'kubelet',
    describe: () => [up, duration, duplicates],
    async collect(emit, collectContext) {
      const readings = await reader.get(collectContext)
      for (const { node, summary, seconds } of readings.nodes) {
        emit(constMetric(up, 'gauge', summary === undefined ? 0 : 1, labeller(node)()))
        emit(constMetric(duration, 'gauge', seconds, labeller(node)()))
      }
      for (const { node, summary } of readings.nodes) {
        if (summary === undefined) continue
        emit(constMetric(duplicates, 'gauge', summary.duplicates.pods, labeller(node)('pod')))
        emit(constMetric(duplicates, 'gauge', summary.duplicates.containers, labeller(node)('container')))
      }
      reportFailures(readings, context.logger, collectContext.reportError)
    },
    close: () => source.close(),
  }
}

/** kubelet's `/metrics/resource` families, and `resource_scrape_error` for every node, read or not. */
function resourceCollector(context: ExporterContext): Collector {
  const { descs, reader, source } = state(context)
  const { resource } = descs
  return {
    name: 'resource',
    describe: () => descsIn(resource),
    async collect(emit, collectContext) {
      const readings = await reader.get(collectContext)
      for (const { node, summary } of readings.nodes) {
        if (summary !== undefined) emitResource(emit, resource, summary, node)
        emit(constMetric(resource.scrapeError, 'gauge', summary === undefined ? 1 : 0, labeller(node)()))
      }
    },
    close: () => source.close(),
  }
}

/** The kubelet exporter: node, pod and container usage from the kubelet's `/stats/summary`, Linux and Windows. */
export const kubeletExporter: ExporterDefinition = {
  name: 'kubelet_exporter',
  description:
    "Node, pod and container usage from the kubelet's /stats/summary (Linux and Windows nodes), with the names of " +
    "the kubelet's own /metrics/resource and kubelet_volume_stats_*.",
  defaultListenAddress: ':9779',
  namespace: 'kubelet_stats',
  envPrefix: 'KUBELET_EXPORTER',
  flags: Object.values(kubeletFlags),
  collectors: [
    { name: 'kubelet', defaultEnabled: true, create: kubeletCollector },
    { name: 'resource', defaultEnabled: true, create: resourceCollector },
    {
      name: 'volume',
      defaultEnabled: true,
      create: (context) => summaryCollector(context, 'volume', (d) => d.volumeStats, emitVolumeStats),
    },
    {
      name: 'node',
      defaultEnabled: true,
      create: (context) => summaryCollector(context, 'node', (d) => d.node, emitNode),
    },
    {
      name: 'pod',
      defaultEnabled: true,
      create: (context) => summaryCollector(context, 'pod', (d) => d.pod, emitPods),
    },
    {
      name: 'container',
      defaultEnabled: true,
      create: (context) => summaryCollector(context, 'container', (d) => d.container, emitContainers),
    },
  ],
}
