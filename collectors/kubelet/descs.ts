import { Desc } from 'promkit'

/** The six figures of a filesystem or volume, named with one prefix (`kubelet_volume_stats` has these suffixes). */
function filesystemDescs(prefix: string, what: string, labels: readonly string[]) {
  const desc = (suffix: string, help: string) =>
    new Desc({ name: `${prefix}_${suffix}`, help: `${help} ${what}.`, variableLabels: labels })
  return {
    capacityBytes: desc('capacity_bytes', 'Capacity in bytes of'),
    availableBytes: desc('available_bytes', 'Bytes available to non-root users on'),
    usedBytes: desc('used_bytes', 'Bytes used on'),
    inodes: desc('inodes', 'Inodes of'),
    inodesFree: desc('inodes_free', 'Free inodes of'),
    inodesUsed: desc('inodes_used', 'Used inodes of'),
  }
}

/** Descriptors of a filesystem's figures: all six, or only what is used (see {@link filesystemUsageDescs}). */
export type FilesystemDescs = Partial<ReturnType<typeof filesystemDescs>>

/**
 * Only the bytes and inodes used, for what lives on the node's own filesystems (a container's rootfs and logs, a
 * pod's ephemeral storage): their capacity, available bytes and inodes are the node filesystem's, repeated for every
 * container by the summary, and reported once, as the node's.
 */
function filesystemUsageDescs(prefix: string, what: string, labels: readonly string[]) {
  const { usedBytes, inodesUsed } = filesystemDescs(prefix, what, labels)
  return { usedBytes, inodesUsed }
}

/** What the node, its system containers, pods and containers all report, beyond `/metrics/resource`. */
function usageDescs(
  prefix: string,
  what: string,
  labels: readonly string[],
  node: readonly string[],
  { startTime = true } = {},
) {
  const desc = (name: string, help: string, extra: readonly string[] = []) =>
    new Desc({ name: `${prefix}_${name}`, help: `${help} ${what}.`, variableLabels: [...labels, ...extra, ...node] })
  return {
    cpuUsageCores: desc('cpu_usage_cores', 'CPU cores in use, averaged over the kubelet sample window, by'),
    memoryAvailableBytes: desc('memory_available_bytes', 'Memory limit less working set, in bytes, of'),
    memoryUsageBytes: desc('memory_usage_bytes', 'Memory in use, however recently accessed, in bytes, by'),
    memoryRssBytes: desc('memory_rss_bytes', 'Anonymous and swap cache memory, in bytes, of'),
    pageFaults: desc('memory_page_faults_total', 'Minor page faults of'),
    majorPageFaults: desc('memory_major_page_faults_total', 'Major page faults of'),
    swapAvailableBytes: desc('swap_available_bytes', 'Swap limit less swap usage, in bytes, of'),
    pressureWaiting: desc(
      'pressure_waiting_seconds_total',
      'Time in seconds some tasks waited for the resource (PSI some) in',
      ['resource'],
    ),
    pressureStalled: desc(
      'pressure_stalled_seconds_total',
      'Time in seconds all tasks stalled on the resource (PSI full) in',
      ['resource'],
    ),
    startTime: startTime
      ? desc('start_time_seconds', 'When the kubelet started collecting stats, in seconds since the epoch, of')
      : undefined,
  }
}

/** Descriptors of what every usage scope reports. */
export type UsageDescs = ReturnType<typeof usageDescs>

/** Receive and transmit counters of a network interface. */
function networkDescs(prefix: string, what: string, labels: readonly string[], node: readonly string[]) {
  const desc = (name: string, help: string) =>
    new Desc({ name: `${prefix}_${name}`, help: `${help} ${what}.`, variableLabels: [...labels, 'interface', ...node] })
  return {
    rxBytes: desc('network_receive_bytes_total', 'Bytes received on the interface of'),
    rxErrors: desc('network_receive_errors_total', 'Receive errors on the interface of'),
    txBytes: desc('network_transmit_bytes_total', 'Bytes transmitted on the interface of'),
    txErrors: desc('network_transmit_errors_total', 'Transmit errors on the interface of'),
  }
}

/** Descriptors of a network interface's counters. */
export type NetworkDescs = ReturnType<typeof networkDescs>

/** The prefix of every family that `/metrics/resource` has no name for. */
export const statsPrefix = 'kubelet_stats'

/**
 * Every descriptor of the kubelet exporter. `nodeLabel` adds a `node` label to each (the cluster-wide route reads
 * many nodes; a DaemonSet's exporter reads one, whose target labels say which).
 */
export function kubeletDescs(nodeLabel: boolean) {
  const node = nodeLabel ? ['node'] : []
  const pod = ['namespace', 'pod']
  const container = ['container', 'namespace', 'pod']
  const system = ['system_container']
  const desc = (name: string, help: string, labels: readonly string[]) =>
    new Desc({ name, help, variableLabels: [...labels, ...node] })
  const p = statsPrefix
  return {
    resource: {
      nodeCpu: desc(
        'node_cpu_usage_seconds_total',
        'CPU time the node has used, summed over its cores, in seconds.',
        [],
      ),
      nodeMemory: desc('node_memory_working_set_bytes', 'Working set memory of the node, in bytes.', []),
      nodeSwap: desc('node_swap_usage_bytes', 'Swap the node uses, in bytes.', []),
      containerStart: desc(
        'container_start_time_seconds',
        'When the container started, in seconds since the epoch.',
        container,
      ),
      containerCpu: desc(
        'container_cpu_usage_seconds_total',
        'CPU time the container has used, summed over cores, in seconds.',
        container,
      ),
      containerMemory: desc(
        'container_memory_working_set_bytes',
        'Working set memory of the container, in bytes.',
        container,
      ),
      containerSwap: desc('container_swap_usage_bytes', 'Swap the container uses, in bytes.', container),
      containerSwapLimit: desc(
        'container_swap_limit_bytes',
        'Swap the container may use (its usage plus what is available), in bytes.',
        container,
      ),
      podCpu: desc('pod_cpu_usage_seconds_total', 'CPU time the pod has used, summed over cores, in seconds.', pod),
      podMemory: desc('pod_memory_working_set_bytes', 'Working set memory of the pod, in bytes.', pod),
      podSwap: desc('pod_swap_usage_bytes', 'Swap the pod uses, in bytes.', pod),
      scrapeError: desc('resource_scrape_error', 'Whether the node stats could not be read (1) or could (0).', []),
    },
    volumeStats: filesystemDescs('kubelet_volume_stats', 'the PersistentVolumeClaim', [
      'namespace',
      'persistentvolumeclaim',
      ...node,
    ]),
    reading: {
      up: desc(`${p}_up`, 'Whether the last read of the node /stats/summary succeeded (1) or not (0).', []),
      duration: desc(
        `${p}_read_duration_seconds`,
        'How long the last read of the node /stats/summary took, in seconds.',
        [],
      ),
      duplicates: desc(
        `${p}_duplicates`,
        'Entries the node /stats/summary listed twice in the last read, of which one was kept (the latest started).',
        ['kind'],
      ),
    },
    node: {
      usage: usageDescs(`${p}_node`, 'the node', [], node),
      network: networkDescs(`${p}_node`, 'the node', [], node),
      filesystem: filesystemDescs(`${p}_node_filesystem`, 'the node filesystem (root, image or container)', [
        'filesystem',
        ...node,
      ]),
      pidsLimit: desc(`${p}_node_pids_limit`, 'Most process IDs the node allows (rlimit maxpid).', []),
      processes: desc(`${p}_node_processes`, 'Processes running on the node.', []),
      systemUsage: usageDescs(
        `${p}_system_container`,
        'the system container (kubelet, runtime, pods, misc)',
        system,
        node,
      ),
      systemCpu: desc(
        `${p}_system_container_cpu_usage_seconds_total`,
        'CPU time the system container has used, summed over cores, in seconds.',
        system,
      ),
      systemMemory: desc(
        `${p}_system_container_memory_working_set_bytes`,
        'Working set memory of the system container, in bytes.',
        system,
      ),
    },
    pod: {
      usage: usageDescs(`${p}_pod`, 'the pod', pod, node),
      network: networkDescs(`${p}_pod`, 'the pod', pod, node),
      ephemeralStorage: filesystemUsageDescs(`${p}_pod_ephemeral_storage`, 'the pod ephemeral storage', [
        ...pod,
        ...node,
      ]),
      volume: filesystemDescs(`${p}_pod_volume`, 'the pod volume', [...pod, 'volume', ...node]),
      processes: desc(`${p}_pod_processes`, 'Processes running in the pod.', pod),
    },
    container: {
      // container_start_time_seconds has the containers' start time
      usage: usageDescs(`${p}_container`, 'the container', container, node, { startTime: false }),
      filesystem: filesystemUsageDescs(`${p}_container_filesystem`, 'the container filesystem (rootfs or logs)', [
        ...container,
        'filesystem',
        ...node,
      ]),
    },
  }
}

/** The kubelet exporter's descriptors. */
export type KubeletDescs = ReturnType<typeof kubeletDescs>
