/**
 * The kubelet's `/stats/summary` answer (`k8s.io/kubelet/pkg/apis/stats/v1alpha1`), read tolerantly: every figure
 * the schema calls optional may be missing or of the wrong type on a real node (Windows nodes, a first scrape, an
 * older kubelet), and is then left undefined, never read as 0.
 */

/** Pressure stall totals (Linux PSI) of one resource, in seconds. */
export interface PressureStats {
  /** Time some tasks were stalled (`some.total`). */
  readonly someSeconds?: number
  /** Time all tasks were stalled (`full.total`). */
  readonly fullSeconds?: number
}

/** CPU usage at `timeMs`. */
export interface CpuStats {
  readonly timeMs?: number
  /** Cores in use, averaged over the kubelet's sample window. */
  readonly usageCores?: number
  /** CPU time used since the object started, in seconds (summed over cores). */
  readonly usageSeconds?: number
  readonly pressure?: PressureStats
}

/** Memory usage at `timeMs`, in bytes and page faults. */
export interface MemoryStats {
  readonly timeMs?: number
  readonly availableBytes?: number
  readonly usageBytes?: number
  readonly workingSetBytes?: number
  readonly rssBytes?: number
  readonly pageFaults?: number
  readonly majorPageFaults?: number
  readonly pressure?: PressureStats
}

/** Swap at `timeMs`, in bytes. */
export interface SwapStats {
  readonly timeMs?: number
  readonly availableBytes?: number
  readonly usageBytes?: number
}

/** One network interface's counters. */
export interface InterfaceStats {
  readonly name: string
  readonly rxBytes?: number
  readonly rxErrors?: number
  readonly txBytes?: number
  readonly txErrors?: number
}

/** A filesystem's (or a volume's) size and inodes at `timeMs`. */
export interface FsStats {
  readonly timeMs?: number
  readonly availableBytes?: number
  readonly capacityBytes?: number
  readonly usedBytes?: number
  readonly inodes?: number
  readonly inodesFree?: number
  readonly inodesUsed?: number
}

/** A pod's volume; `claim` names its PersistentVolumeClaim when it has one. */
export interface VolumeStats extends FsStats {
  readonly name: string
  readonly claim?: { readonly namespace: string; readonly name: string }
}

/** What containers, pods and the node all report. */
export interface UsageStats {
  readonly startTimeMs?: number
  readonly cpu?: CpuStats
  readonly memory?: MemoryStats
  readonly swap?: SwapStats
  /** Pressure stalls on I/O. */
  readonly ioPressure?: PressureStats
}

/** A container of a pod, or a system container of the node (`kubelet`, `runtime`, `pods`, `misc`). */
export interface ContainerStats extends UsageStats {
  readonly name: string
  readonly rootfs?: FsStats
  readonly logs?: FsStats
}

/** A pod and its containers. */
export interface PodStats extends UsageStats {
  readonly namespace: string
  readonly name: string
  readonly containers: readonly ContainerStats[]
  readonly interfaces: readonly InterfaceStats[]
  readonly volumes: readonly VolumeStats[]
  readonly ephemeralStorage?: FsStats
  readonly processes?: number
}

/** The node as a whole. */
export interface NodeStats extends UsageStats {
  readonly name: string
  readonly systemContainers: readonly ContainerStats[]
  readonly interfaces: readonly InterfaceStats[]
  /** The filesystem of the kubelet's root directory (`fs`). */
  readonly rootFs?: FsStats
  /** Where the container runtime keeps images (`runtime.imageFs`). */
  readonly imageFs?: FsStats
  /** Where the container runtime keeps containers' writable layers (`runtime.containerFs`), when apart. */
  readonly containerFs?: FsStats
  /** `rlimit.maxpid`. */
  readonly maxPids?: number
  /** `rlimit.curproc`. */
  readonly processes?: number
}

/** Entries a summary named twice, of which one was kept. */
export interface Duplicates {
  readonly pods: number
  readonly containers: number
}

/** A whole `/stats/summary` answer. */
export interface Summary {
  readonly node: NodeStats
  readonly pods: readonly PodStats[]
  readonly duplicates: Duplicates
}

/** Why an answer is not a summary at all (not JSON, or no `node` object). */
export class SummaryError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SummaryError'
  }
}

type Fields = Readonly<Record<string, unknown>>

function fields(value: unknown): Fields | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : undefined
}

function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : []
}

/** A non-negative finite number, or undefined. */
function amount(value: unknown): number | undefined {
  return typeof value === 'number' && value >= 0 && Number.isFinite(value) ? value : undefined
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

/** A name that is a non-empty string, or undefined. */
function name(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

function scaled(value: unknown, divisor: number): number | undefined {
  const read = amount(value)
  return read === undefined ? undefined : read / divisor
}

function pressure(value: unknown): PressureStats | undefined {
  const psi = fields(value)
  if (psi === undefined) return undefined
  return {
    someSeconds: scaled(fields(psi.some)?.total, 1e6),
    fullSeconds: scaled(fields(psi.full)?.total, 1e6),
  }
}

function networkInterface(value: unknown): InterfaceStats | undefined {
  const stats = fields(value)
  const called = name(stats?.name)
  if (stats === undefined || called === undefined) return undefined
  return {
    name: called,
    rxBytes: amount(stats.rxBytes),
    rxErrors: amount(stats.rxErrors),
    txBytes: amount(stats.txBytes),
    txErrors: amount(stats.txErrors),
  }
}

/**
 * A network's interfaces: its `interfaces` list, or, from a kubelet that sends only the default interface (inline),
 * that one. Windows nodes send interfaces without a top-level name.
 */
function interfaces(value: unknown): InterfaceStats[] {
  const network = fields(value)
  if (network === undefined) return []
  const listed = list(network.interfaces)
  const found = (listed.length > 0 ? listed : [network]).map(networkInterface)
  return firstOfEach(defined(found), (item) => item.name).kept
}

/** Items by key, the first of each kept (in the order they came), and how many were dropped. */
function firstOfEach<T>(items: readonly T[], key: (item: T) => string): { kept: T[]; dropped: number } {
  const kept = new Map<string, T>()
  for (const item of items) if (!kept.has(key(item))) kept.set(key(item), item)
  return { kept: [...kept.values()], dropped: items.length - kept.size }
}

/**
 * Items by key, keeping of each the one that started last (the kubelet lists a restarted container's old and new
 * instance for a while; the new one is running), the earlier-listed one on a tie, in the order they came.
 */
function latestOfEach<T extends UsageStats>(items: readonly T[], key: (item: T) => string) {
  const kept = new Map<string, T>()
  for (const item of items) {
    const seen = kept.get(key(item))
    if (seen === undefined || (item.startTimeMs ?? 0) > (seen.startTimeMs ?? 0)) kept.set(key(item), item)
  }
  return { kept: [...kept.values()], dropped: items.length - kept.size }
}

function defined<T>(items: readonly (T | undefined)[]): T[] {
  return items.filter((item) => item !== undefined)
}

/** Reads one parsed answer; remembers the times it has read (a summary repeats each a few hundred times). */
class SummaryParser {
  private readonly times = new Map<string, number | undefined>()
  duplicateContainers = 0

  /** An RFC 3339 time in epoch milliseconds; the zero time (`0001-01-01T00:00:00Z`) and nonsense are undefined. */
  private time(value: unknown): number | undefined {
    if (typeof value !== 'string') return undefined
    if (this.times.has(value)) return this.times.get(value)
    const ms = Date.parse(value)
    const read = ms > 0 ? ms : undefined
    this.times.set(value, read)
    return read
  }

  private cpu(value: unknown): CpuStats | undefined {
    const stats = fields(value)
    if (stats === undefined) return undefined
    return {
      timeMs: this.time(stats.time),
      usageCores: scaled(stats.usageNanoCores, 1e9),
      usageSeconds: scaled(stats.usageCoreNanoSeconds, 1e9),
      pressure: pressure(stats.psi),
    }
  }

  private memory(value: unknown): MemoryStats | undefined {
    const stats = fields(value)
    if (stats === undefined) return undefined
    return {
      timeMs: this.time(stats.time),
      availableBytes: amount(stats.availableBytes),
      usageBytes: amount(stats.usageBytes),
      workingSetBytes: amount(stats.workingSetBytes),
      rssBytes: amount(stats.rssBytes),
      pageFaults: amount(stats.pageFaults),
      majorPageFaults: amount(stats.majorPageFaults),
      pressure: pressure(stats.psi),
    }
  }

  private swap(value: unknown): SwapStats | undefined {
    const stats = fields(value)
    if (stats === undefined) return undefined
    return {
      timeMs: this.time(stats.time),
      availableBytes: amount(stats.swapAvailableBytes),
      usageBytes: amount(stats.swapUsageBytes),
    }
  }

  private filesystem(value: unknown): FsStats | undefined {
    const stats = fields(value)
    return stats === undefined ? undefined : this.filesystemOf(stats)
  }

  private filesystemOf(stats: Fields): FsStats {
    return {
      timeMs: this.time(stats.time),
      availableBytes: amount(stats.availableBytes),
      capacityBytes: amount(stats.capacityBytes),
      usedBytes: amount(stats.usedBytes),
      inodes: amount(stats.inodes),
      inodesFree: amount(stats.inodesFree),
      inodesUsed: amount(stats.inodesUsed),
    }
  }

  private volume(value: unknown): VolumeStats | undefined {
    const stats = fields(value)
    const called = name(stats?.name)
    if (stats === undefined || called === undefined) return undefined
    const reference = fields(stats.pvcRef)
    const claimName = name(reference?.name)
    const claimNamespace = name(reference?.namespace)
    const claim = claimName && claimNamespace ? { name: claimName, namespace: claimNamespace } : undefined
    return Object.assign(this.filesystemOf(stats), { name: called, claim })
  }

  /** What containers, pods and the node all report. */
  private usage(stats: Fields): UsageStats {
    return {
      startTimeMs: this.time(stats.startTime),
      cpu: this.cpu(stats.cpu),
      memory: this.memory(stats.memory),
      swap: this.swap(stats.swap),
      ioPressure: pressure(fields(stats.io)?.psi),
    }
  }

  private container(value: unknown): ContainerStats | undefined {
    const stats = fields(value)
    const called = name(stats?.name)
    if (stats === undefined || called === undefined) return undefined
    return Object.assign(this.usage(stats), {
      name: called,
      rootfs: this.filesystem(stats.rootfs),
      logs: this.filesystem(stats.logs),
    })
  }

  pod(value: unknown): PodStats | undefined {
    const pod = fields(value)
    const reference = fields(pod?.podRef)
    const called = name(reference?.name)
    const namespace = name(reference?.namespace)
    if (pod === undefined || called === undefined || namespace === undefined) return undefined
    const containers = latestOfEach(defined(list(pod.containers).map((item) => this.container(item))), (c) => c.name)
    this.duplicateContainers += containers.dropped
    return Object.assign(this.usage(pod), {
      namespace,
      name: called,
      containers: containers.kept,
      interfaces: interfaces(pod.network),
      volumes: firstOfEach(defined(list(pod.volume).map((item) => this.volume(item))), (v) => v.name).kept,
      ephemeralStorage: this.filesystem(pod['ephemeral-storage']),
      processes: amount(fields(pod.process_stats)?.process_count),
    })
  }

  node(node: Fields): NodeStats {
    const runtime = fields(node.runtime)
    const rlimit = fields(node.rlimit)
    const systemContainers = defined(list(node.systemContainers).map((item) => this.container(item)))
    return Object.assign(this.usage(node), {
      name: text(node.nodeName) ?? '',
      systemContainers: firstOfEach(systemContainers, (item) => item.name).kept,
      interfaces: interfaces(node.network),
      rootFs: this.filesystem(node.fs),
      imageFs: this.filesystem(runtime?.imageFs),
      containerFs: this.filesystem(runtime?.containerFs),
      maxPids: amount(rlimit?.maxpid),
      processes: amount(rlimit?.curproc),
    })
  }
}

/** Parses one `/stats/summary` body; throws a SummaryError when it is not JSON or has no `node` object. */
export function parseSummary(body: string): Summary {
  let document: unknown
  try {
    document = JSON.parse(body)
  } catch (error) {
    throw new SummaryError(`the answer is not JSON (${(error as Error).message})`)
  }
  const node = fields(fields(document)?.node)
  if (node === undefined) throw new SummaryError('the answer has no "node" object: not a /stats/summary answer')
  const parser = new SummaryParser()
  const pods = latestOfEach(
    defined(list(fields(document)?.pods).map((pod) => parser.pod(pod))),
    (pod) => `${pod.namespace}/${pod.name}`,
  )
  return {
    node: parser.node(node),
    pods: pods.kept,
    duplicates: { pods: pods.dropped, containers: parser.duplicateContainers },
  }
}
