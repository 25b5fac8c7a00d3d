import { type Desc, type Emit, type ScalarType, constMetric } from 'promkit'
import type { FilesystemDescs, KubeletDescs, NetworkDescs, UsageDescs } from './descs.js'
import type {
  ContainerStats,
  FsStats,
  InterfaceStats,
  PodStats,
  PressureStats,
  Summary,
  UsageStats,
} from './summary.js'

/** One series' labels (the `node` label last, when there is one) and what its values are read from. */
interface Row<T> {
  readonly labels: readonly string[]
  readonly item: T
}

/** One family: how each row's value (and, for `/metrics/resource`'s families, its timestamp) is read. */
interface Column<T> {
  readonly desc: Desc
  readonly type: ScalarType
  read(item: T): number | undefined
  timeMs?(item: T): number | undefined
}

/**
 * Emits each column's samples for every row that has a value: family by family, so that a family's series come
 * together, and never a sample for a missing figure.
 */
function emitTable<T>(emit: Emit, rows: readonly Row<T>[], columns: readonly Column<T>[]): void {
  for (const { desc, type, read, timeMs } of columns) {
    for (const { labels, item } of rows) {
      const value = read(item)
      if (value === undefined) continue
      const timestampMs = timeMs?.(item)
      emit(constMetric(desc, type, value, labels, timestampMs === undefined ? undefined : { timestampMs }))
    }
  }
}

/** Label values with the node's name last, when the exporter reads many nodes. */
export type Labeller = (...values: string[]) => readonly string[]

/** The labeller of one node's series: `node` appended on the cluster-wide route, nothing for a DaemonSet's one node. */
export function labeller(node: string | undefined): Labeller {
  return node === undefined ? (...values) => values : (...values) => [...values, node]
}

function usageColumns(descs: UsageDescs): Column<UsageStats>[] {
  const columns: Column<UsageStats>[] = [
    { desc: descs.cpuUsageCores, type: 'gauge', read: (s) => s.cpu?.usageCores },
    { desc: descs.memoryAvailableBytes, type: 'gauge', read: (s) => s.memory?.availableBytes },
    { desc: descs.memoryUsageBytes, type: 'gauge', read: (s) => s.memory?.usageBytes },
    { desc: descs.memoryRssBytes, type: 'gauge', read: (s) => s.memory?.rssBytes },
    { desc: descs.pageFaults, type: 'counter', read: (s) => s.memory?.pageFaults },
    { desc: descs.majorPageFaults, type: 'counter', read: (s) => s.memory?.majorPageFaults },
    { desc: descs.swapAvailableBytes, type: 'gauge', read: (s) => s.swap?.availableBytes },
  ]
  const { startTime } = descs
  if (startTime) columns.push({ desc: startTime, type: 'gauge', read: (s) => seconds(s.startTimeMs) })
  return columns
}

function seconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000
}

/** Something reported on, and the label values (before `node`) that say which. */
interface Entry<T> {
  readonly base: readonly string[]
  readonly item: T
}

/** Usage figures of each entry, and their pressure stalls by resource. */
function emitUsage<T extends UsageStats>(
  emit: Emit,
  descs: UsageDescs,
  entries: readonly Entry<T>[],
  label: Labeller,
): void {
  emitTable(
    emit,
    entries.map(({ base, item }) => ({ labels: label(...base), item })),
    usageColumns(descs),
  )
  const pressures: Row<PressureStats>[] = []
  for (const { base, item } of entries) {
    const byResource = { cpu: item.cpu?.pressure, memory: item.memory?.pressure, io: item.ioPressure }
    for (const [resource, pressure] of Object.entries(byResource)) {
      if (pressure !== undefined) pressures.push({ labels: label(...base, resource), item: pressure })
    }
  }
  emitTable(emit, pressures, [
    { desc: descs.pressureWaiting, type: 'counter', read: (p) => p.someSeconds },
    { desc: descs.pressureStalled, type: 'counter', read: (p) => p.fullSeconds },
  ])
}

function emitNetwork(
  emit: Emit,
  descs: NetworkDescs,
  entries: readonly Entry<{ readonly interfaces: readonly InterfaceStats[] }>[],
  label: Labeller,
): void {
  const rows = entries.flatMap(({ base, item }) =>
    item.interfaces.map((network) => ({ labels: label(...base, network.name), item: network })),
  )
  emitTable(emit, rows, [
    { desc: descs.rxBytes, type: 'counter', read: (n) => n.rxBytes },
    { desc: descs.rxErrors, type: 'counter', read: (n) => n.rxErrors },
    { desc: descs.txBytes, type: 'counter', read: (n) => n.txBytes },
    { desc: descs.txErrors, type: 'counter', read: (n) => n.txErrors },
  ])
}

/** How each figure of a filesystem is read. */
const filesystemFigures: readonly (readonly [keyof FilesystemDescs, (stats: FsStats) => number | undefined])[] = [
  ['capacityBytes', (f) => f.capacityBytes],
  ['availableBytes', (f) => f.availableBytes],
  ['usedBytes', (f) => f.usedBytes],
  ['inodes', (f) => f.inodes],
  ['inodesFree', (f) => f.inodesFree],
  ['inodesUsed', (f) => f.inodesUsed],
]

/** The figures of each filesystem that `descs` has descriptors for. */
function emitFilesystems(emit: Emit, descs: FilesystemDescs, rows: readonly Row<FsStats>[]): void {
  const columns: Column<FsStats>[] = []
  for (const [key, read] of filesystemFigures) {
    const desc = descs[key]
    if (desc !== undefined) columns.push({ desc, type: 'gauge', read })
  }
  emitTable(emit, rows, columns)
}

/** One row per filesystem that is there: its stats and its label values before `node`. */
function filesystemRows(
  found: readonly (readonly [FsStats | undefined, readonly string[]])[],
  label: Labeller,
): Row<FsStats>[] {
  const rows: Row<FsStats>[] = []
  for (const [stats, values] of found) if (stats !== undefined) rows.push({ labels: label(...values), item: stats })
  return rows
}

/** A container and the pod it belongs to. */
interface PodContainer {
  readonly pod: PodStats
  readonly container: ContainerStats
}

function podContainers(summary: Summary): PodContainer[] {
  return summary.pods.flatMap((pod) => pod.containers.map((container) => ({ pod, container })))
}

/**
 * `/metrics/resource`'s samples, as the kubelet writes them: timestamped with their stats' time (a node's swap with
 * its memory's, as the kubelet does), `container_start_time_seconds` without one, a missing figure skipped.
 */
export function emitResource(emit: Emit, descs: KubeletDescs['resource'], summary: Summary, node?: string): void {
  const label = labeller(node)
  const { node: stats } = summary
  const nodeRow = [{ labels: label(), item: stats }]
  emitTable(emit, nodeRow, [
    { desc: descs.nodeCpu, type: 'counter', read: (s) => s.cpu?.usageSeconds, timeMs: (s) => s.cpu?.timeMs },
    {
      desc: descs.nodeMemory,
      type: 'gauge',
      read: (s) => s.memory?.workingSetBytes,
      timeMs: (s) => s.memory?.timeMs,
    },
    {
      desc: descs.nodeSwap,
      type: 'gauge',
      read: (s) => s.swap?.usageBytes,
      timeMs: (s) => s.memory?.timeMs ?? s.swap?.timeMs,
    },
  ])
  const containers = podContainers(summary).map(({ pod, container }) => ({
    labels: label(container.name, pod.namespace, pod.name),
    item: container,
  }))
  emitTable(emit, containers, [
    { desc: descs.containerStart, type: 'gauge', read: (c) => seconds(c.startTimeMs) },
    { desc: descs.containerCpu, type: 'counter', read: (c) => c.cpu?.usageSeconds, timeMs: (c) => c.cpu?.timeMs },
    {
      desc: descs.containerMemory,
      type: 'gauge',
      read: (c) => c.memory?.workingSetBytes,
      timeMs: (c) => c.memory?.timeMs,
    },
    { desc: descs.containerSwap, type: 'gauge', read: (c) => c.swap?.usageBytes, timeMs: (c) => c.swap?.timeMs },
    {
      desc: descs.containerSwapLimit,
      type: 'gauge',
      read: (c) =>
        c.swap?.availableBytes === undefined ? undefined : c.swap.availableBytes + (c.swap.usageBytes ?? 0),
      timeMs: (c) => c.swap?.timeMs,
    },
  ])
  const pods = summary.pods.map((pod) => ({ labels: label(pod.namespace, pod.name), item: pod }))
  emitTable(emit, pods, [
    { desc: descs.podCpu, type: 'counter', read: (p) => p.cpu?.usageSeconds, timeMs: (p) => p.cpu?.timeMs },
    { desc: descs.podMemory, type: 'gauge', read: (p) => p.memory?.workingSetBytes, timeMs: (p) => p.memory?.timeMs },
    { desc: descs.podSwap, type: 'gauge', read: (p) => p.swap?.usageBytes, timeMs: (p) => p.swap?.timeMs },
  ])
}

/**
 * kubelet's `kubelet_volume_stats_*` of each PersistentVolumeClaim mounted on the node, once per claim (pods that
 * share a claim report the same volume).
 */
export function emitVolumeStats(emit: Emit, descs: KubeletDescs['volumeStats'], summary: Summary, node?: string): void {
  const label = labeller(node)
  const claims = new Map<string, Row<FsStats>>()
  for (const pod of summary.pods) {
    for (const volume of pod.volumes) {
      if (volume.claim === undefined) continue
      const key = `${volume.claim.namespace}/${volume.claim.name}`
      if (!claims.has(key)) claims.set(key, { labels: label(volume.claim.namespace, volume.claim.name), item: volume })
    }
  }
  emitFilesystems(emit, descs, [...claims.values()])
}

/** The node's own figures beyond `/metrics/resource`, and its system containers'. */
export function emitNode(emit: Emit, descs: KubeletDescs['node'], summary: Summary, node?: string): void {
  const label = labeller(node)
  const stats = summary.node
  const entry = [{ base: [], item: stats }]
  emitUsage(emit, descs.usage, entry, label)
  emitNetwork(emit, descs.network, entry, label)
  const filesystems = [
    [stats.rootFs, ['root']],
    [stats.imageFs, ['image']],
    [stats.containerFs, ['container']],
  ] as const
  emitFilesystems(emit, descs.filesystem, filesystemRows(filesystems, label))
  emitTable(
    emit,
    [{ labels: label(), item: stats }],
    [
      { desc: descs.pidsLimit, type: 'gauge', read: (s) => s.maxPids },
      { desc: descs.processes, type: 'gauge', read: (s) => s.processes },
    ],
  )
  const system = stats.systemContainers.map((container) => ({ base: [container.name], item: container }))
  emitTable(
    emit,
    system.map(({ base, item }) => ({ labels: label(...base), item })),
    [
      { desc: descs.systemCpu, type: 'counter', read: (c) => c.cpu?.usageSeconds },
      { desc: descs.systemMemory, type: 'gauge', read: (c) => c.memory?.workingSetBytes },
    ],
  )
  emitUsage(emit, descs.systemUsage, system, label)
}

/** Each pod's figures beyond `/metrics/resource`: usage, network, ephemeral storage, volumes and processes. */
export function emitPods(emit: Emit, descs: KubeletDescs['pod'], summary: Summary, node?: string): void {
  const label = labeller(node)
  const pods = summary.pods.map((pod) => ({ base: [pod.namespace, pod.name], item: pod }))
  emitUsage(emit, descs.usage, pods, label)
  emitNetwork(emit, descs.network, pods, label)
  const ephemeral = pods.map(({ base, item }) => [item.ephemeralStorage, base] as const)
  emitFilesystems(emit, descs.ephemeralStorage, filesystemRows(ephemeral, label))
  const volumes = pods.flatMap(({ base, item }) =>
    item.volumes.map((volume) => [volume, [...base, volume.name]] as const),
  )
  emitFilesystems(emit, descs.volume, filesystemRows(volumes, label))
  emitTable(
    emit,
    pods.map(({ base, item }) => ({ labels: label(...base), item })),
    [{ desc: descs.processes, type: 'gauge', read: (p) => p.processes }],
  )
}

/** Each container's figures beyond `/metrics/resource`: usage, and its rootfs and logs filesystems. */
export function emitContainers(emit: Emit, descs: KubeletDescs['container'], summary: Summary, node?: string): void {
  const label = labeller(node)
  const containers = podContainers(summary).map(({ pod, container }) => ({
    base: [container.name, pod.namespace, pod.name],
    item: container,
  }))
  emitUsage(emit, descs.usage, containers, label)
  const filesystems = containers.flatMap(({ base, item }) => [
    [item.rootfs, [...base, 'rootfs']] as const,
    [item.logs, [...base, 'logs']] as const,
  ])
  emitFilesystems(emit, descs.filesystem, filesystemRows(filesystems, label))
}
