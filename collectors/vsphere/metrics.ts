import { type Desc, type Emit, constMetric } from 'promkit'
import type { VsphereDescs } from './descs.js'
import { elementOf, epochSeconds, flagOf, numberOf, stringOf } from './properties.js'
import type { PerfTable, Reading } from './reading.js'
import { type XmlNode, children, path } from './xml.js'
import type { ManagedObject } from './vim.js'

/** An object with the values of its kind's labels, in the descriptors' order. */
interface Labelled {
  readonly object: ManagedObject
  readonly labels: readonly string[]
}

/** How deep a snapshot tree is walked: far deeper than vSphere's 32 snapshots per chain. */
const maxSnapshotDepth = 64

/** Emits a gauge when the value is there: a missing property leaves its series out, not the scrape. */
function gauge(emit: Emit, desc: Desc, value: number | undefined, labels: readonly string[]): void {
  if (value !== undefined) emit(constMetric(desc, 'gauge', value, labels))
}

/** Objects with their labels, the first of each label set only (two VMs may share a name in one datacenter). */
function unique(objects: readonly ManagedObject[], labelsOf: (object: ManagedObject) => string[]): Labelled[] {
  const seen = new Set<string>()
  const result: Labelled[] = []
  for (const object of objects) {
    const labels = labelsOf(object)
    const key = labels.join('\u0000')
    if (seen.has(key)) continue
    seen.add(key)
    result.push({ object, labels })
  }
  return result
}

/** A host's name as vmware_exporter labels it (its configured name, without a trailing dot). */
function hostName(host: ManagedObject): string {
  return (stringOf(host, 'summary.config.name') ?? stringOf(host, 'name') ?? '').replace(/\.$/, '')
}

/**
 * `compute` made once per reading, however many sections ask for it: the `vms`, `vmguests` and `snapshots`
 * collectors of one scrape label the same VMs, and every VM's labels include its host's.
 */
function perReading<T>(compute: (reading: Reading) => T): (reading: Reading) => T {
  const computed = new WeakMap<Reading, T>()
  return (reading) => {
    let value = computed.get(reading)
    if (value === undefined) {
      value = compute(reading)
      computed.set(reading, value)
    }
    return value
  }
}

/** Hosts with vmware_exporter's labels: name, datacenter, cluster ('' for a standalone host). */
const labelledHosts = perReading((reading): Labelled[] => {
  const { inventory } = reading
  return unique(reading.hosts, (host) => [
    hostName(host),
    inventory.ancestor(host.ref.value, 'Datacenter'),
    inventory.parentOfType(host.ref.value, 'ClusterComputeResource'),
  ])
})

/** VMs with vmware_exporter's labels: name, datastore of its configuration file, and its host's labels. */
const labelledVms = perReading((reading): Labelled[] => {
  const hosts = new Map(labelledHosts(reading).map(({ object, labels }) => [object.ref.value, labels]))
  return unique(reading.vms, (vm) => {
    const vmPath = stringOf(vm, 'summary.config.vmPathName')
    const datastore = vmPath === undefined ? 'n/a' : (/^\[([^\]]*)\]/.exec(vmPath)?.[1] ?? vmPath)
    const host = hosts.get(stringOf(vm, 'runtime.host') ?? '') ?? ['n/a', 'n/a', 'n/a']
    return [stringOf(vm, 'name') ?? '', datastore, ...host]
  })
})

/** The performance counters of an object that the read found a sample of, under their descriptors. */
function emitCounters(
  emit: Emit,
  descs: ReadonlyMap<string, Desc>,
  table: PerfTable,
  object: ManagedObject,
  labels: readonly string[],
) {
  const values = table.values.get(object.ref.value)
  if (values === undefined) return
  table.counters.forEach((counter, position) => {
    const value = values[position] as number
    if (!Number.isNaN(value)) emit(constMetric(descs.get(counter) as Desc, 'gauge', value, labels))
  })
}

/** The `vms` section: power, boot time, CPU and memory sizing, template, the seed's VM info, and perf counters. */
export function emitVms(emit: Emit, descs: VsphereDescs['vms'], reading: Reading): void {
  for (const { object: vm, labels } of labelledVms(reading)) {
    const power = stringOf(vm, 'runtime.powerState')
    gauge(emit, descs.powerState, power === undefined ? undefined : power === 'poweredOn' ? 1 : 0, labels)
    const boot = stringOf(vm, 'runtime.bootTime')
    if (power === 'poweredOn' && boot !== undefined) gauge(emit, descs.bootTimestamp, epochSeconds(boot), labels)
    gauge(emit, descs.numCpu, numberOf(vm, 'summary.config.numCpu'), labels)
    gauge(emit, descs.memoryMax, numberOf(vm, 'summary.config.memorySizeMB'), labels)
    gauge(emit, descs.maxCpuUsage, numberOf(vm, 'runtime.maxCpuUsage'), labels)
    gauge(emit, descs.template, flagOf(vm, 'summary.config.template'), labels)
    emit(constMetric(descs.info, 'gauge', 1, [...labels, stringOf(vm, 'guest.ipAddress') ?? '', power ?? '']))
    emitCounters(emit, descs.counters, reading.vmPerf, vm, labels)
  }
}

/** The `vmguests` section: guest partitions and VMware Tools, as VMware Tools reports them. */
export function emitVmGuests(emit: Emit, descs: VsphereDescs['vmguests'], reading: Reading): void {
  for (const { object: vm, labels } of labelledVms(reading)) {
    const partitions = new Set<string>()
    for (const disk of children(elementOf(vm, 'guest.disk'), 'GuestDiskInfo')) {
      const partition = path(disk, 'diskPath')
      if (partitions.has(partition)) continue
      partitions.add(partition)
      const number = (name: string) => Number(path(disk, name))
      gauge(emit, descs.diskFree, number('freeSpace'), [...labels, partition])
      gauge(emit, descs.diskCapacity, number('capacity'), [...labels, partition])
    }
    const labelled = (desc: Desc, value: string | undefined) => {
      if (value !== undefined) emit(constMetric(desc, 'gauge', 1, [...labels, value]))
    }
    labelled(descs.toolsRunningStatus, stringOf(vm, 'guest.toolsStatus'))
    labelled(descs.toolsVersion, stringOf(vm, 'guest.toolsVersion'))
    labelled(descs.toolsVersionStatus, stringOf(vm, 'guest.toolsVersionStatus2'))
  }
}

/** Every snapshot in a snapshot tree list, depth first, as vmware_exporter lists them. */
function snapshotList(trees: readonly XmlNode[], depth = 0): { name: string; created: string }[] {
  if (depth >= maxSnapshotDepth) return []
  return trees.flatMap((tree) => [
    { name: path(tree, 'name'), created: path(tree, 'createTime') },
    ...snapshotList(children(tree, 'childSnapshotList'), depth + 1),
  ])
}

/** The `snapshots` section: how many snapshots each VM has and when each was taken. */
export function emitSnapshots(emit: Emit, descs: VsphereDescs['snapshots'], reading: Reading): void {
  for (const { object: vm, labels } of labelledVms(reading)) {
    const info = elementOf(vm, 'snapshot')
    if (info === undefined) continue
    const snapshots = snapshotList(children(info, 'rootSnapshotList'))
    emit(constMetric(descs.count, 'gauge', snapshots.length, labels))
    const names = new Set<string>()
    for (const { name, created } of snapshots) {
      if (names.has(name)) continue
      names.add(name)
      gauge(emit, descs.timestamp, epochSeconds(created), [...labels, name])
    }
  }
}

/** The `datastores` section: capacity, free, uncommitted and provisioned bytes, use, mode, type, accessibility. */
export function emitDatastores(emit: Emit, descs: VsphereDescs['datastores'], reading: Reading): void {
  const { inventory } = reading
  const datastores = unique(reading.datastores, (datastore) => [
    stringOf(datastore, 'name') ?? '',
    inventory.ancestor(datastore.ref.value, 'Datacenter'),
    inventory.parentOfType(datastore.ref.value, 'StoragePod'),
  ])
  for (const { object: datastore, labels } of datastores) {
    const capacity = numberOf(datastore, 'summary.capacity')
    const free = numberOf(datastore, 'summary.freeSpace')
    const uncommitted = numberOf(datastore, 'summary.uncommitted') ?? 0
    gauge(emit, descs.capacity, capacity, labels)
    gauge(emit, descs.freeSpace, free, labels)
    gauge(emit, descs.uncommitted, uncommitted, labels)
    if (capacity !== undefined && free !== undefined)
      gauge(emit, descs.provisioned, capacity - free + uncommitted, labels)
    gauge(emit, descs.hosts, children(elementOf(datastore, 'host'), 'DatastoreHostMount').length, labels)
    gauge(emit, descs.vms, children(elementOf(datastore, 'vm'), 'ManagedObjectReference').length, labels)
    const mode = stringOf(datastore, 'summary.maintenanceMode') ?? 'unknown'
    emit(constMetric(descs.maintenanceMode, 'gauge', 1, [...labels, mode]))
    emit(constMetric(descs.type, 'gauge', 1, [...labels, stringOf(datastore, 'summary.type') ?? 'normal']))
    gauge(emit, descs.accessible, flagOf(datastore, 'summary.accessible'), labels)
  }
}

/** vmware_exporter's sensor state numbers. */
const sensorStates: Readonly<Record<string, number>> = { red: 0, yellow: 1, green: 2, unknown: 3 }

/** What a numeric sensor's base unit makes it, for the sensors vmware_exporter reports a reading of. */
const sensorReadings: Readonly<Record<string, keyof VsphereDescs['hosts']>> = {
  rpm: 'sensorFan',
  'degrees c': 'sensorTemperature',
  volts: 'sensorVoltage',
  amps: 'sensorCurrent',
  watts: 'sensorPower',
  'redundancy-discrete': 'sensorRedundancy',
}

/** A host's sensors: numeric sensors with their readings, and the CPU and memory status elements. */
function emitSensors(emit: Emit, descs: VsphereDescs['hosts'], host: ManagedObject, labels: readonly string[]): void {
  const seen = new Set<string>()
  const state = (name: string, type: string, status: string) => {
    const value = sensorStates[status.toLowerCase()]
    const key = `${name}\u0000${type}`
    if (value === undefined || seen.has(key)) return false
    seen.add(key)
    emit(constMetric(descs.sensorState, 'gauge', value, [...labels, name, type]))
    return true
  }
  const numeric = elementOf(host, 'runtime.healthSystemRuntime.systemHealthInfo.numericSensorInfo')
  for (const sensor of children(numeric, 'HostNumericSensorInfo')) {
    const name = path(sensor, 'name')
    if (!state(name, path(sensor, 'sensorType'), path(sensor, 'healthState', 'key'))) continue
    const reading = sensorReadings[path(sensor, 'baseUnits').toLowerCase()]
    if (reading === undefined) continue
    const value = Number(path(sensor, 'currentReading'))
    const modifier = reading === 'sensorRedundancy' ? 0 : Number(path(sensor, 'unitModifier'))
    // Divided for a negative modifier, so that 12 at -1 is 1.2 and not 1.2000000000000002.
    const scaled = modifier < 0 ? value / 10 ** -modifier : value * 10 ** modifier
    gauge(emit, descs[reading] as Desc, scaled, [...labels, name])
  }
  for (const status of ['cpuStatusInfo', 'memoryStatusInfo']) {
    const elements = elementOf(host, `runtime.healthSystemRuntime.hardwareStatusInfo.${status}`)
    for (const element of children(elements, 'HostHardwareElementInfo'))
      state(path(element, 'name'), 'n/a', path(element, 'status', 'key'))
  }
}

/** The `hosts` section: state, boot time, CPU and memory, product and hardware, sensors, and perf counters. */
export function emitHosts(emit: Emit, descs: VsphereDescs['hosts'], reading: Reading): void {
  for (const { object: host, labels } of labelledHosts(reading)) {
    emitSensors(emit, descs, host, labels)
    const standby = stringOf(host, 'runtime.standbyMode')
    emit(constMetric(descs.standbyMode, 'gauge', standby === 'in' ? 1 : 0, [...labels, standby ?? 'unknown']))
    const power = stringOf(host, 'runtime.powerState')
    gauge(emit, descs.powerState, power === undefined ? undefined : power === 'poweredOn' ? 1 : 0, labels)
    const connection = stringOf(host, 'runtime.connectionState') ?? 'unknown'
    emit(constMetric(descs.connectionState, 'gauge', 1, [...labels, connection]))
    gauge(emit, descs.maintenanceMode, flagOf(host, 'runtime.inMaintenanceMode'), labels)
    // As vmware_exporter: a host that is not powered on has no boot time, usage, sizing or perf worth reporting.
    if (power !== 'poweredOn') continue
    const boot = stringOf(host, 'runtime.bootTime')
    if (boot !== undefined) gauge(emit, descs.bootTimestamp, epochSeconds(boot), labels)
    gauge(emit, descs.cpuUsage, numberOf(host, 'summary.quickStats.overallCpuUsage'), labels)
    const cores = numberOf(host, 'summary.hardware.numCpuCores')
    const mhz = numberOf(host, 'summary.hardware.cpuMhz')
    gauge(emit, descs.numCpu, cores, labels)
    if (cores !== undefined && mhz !== undefined) gauge(emit, descs.cpuMax, cores * mhz, labels)
    gauge(emit, descs.memoryUsage, numberOf(host, 'summary.quickStats.overallMemoryUsage'), labels)
    const memory = numberOf(host, 'summary.hardware.memorySize')
    gauge(emit, descs.memoryMax, memory === undefined ? undefined : memory / 1024 / 1024, labels)
    const product = [stringOf(host, 'summary.config.product.version'), stringOf(host, 'summary.config.product.build')]
    emit(constMetric(descs.productInfo, 'gauge', 1, [...labels, ...product.map((each) => each ?? 'unknown')]))
    const hardware = [stringOf(host, 'summary.hardware.model'), stringOf(host, 'summary.hardware.cpuModel')]
    emit(constMetric(descs.hardwareInfo, 'gauge', 1, [...labels, ...hardware.map((each) => each ?? 'unknown')]))
    emitCounters(emit, descs.counters, reading.hostPerf, host, labels)
  }
}

/** ManagedEntityStatus as a number, red to gray. */
const entityStatuses: Readonly<Record<string, number>> = { red: 0, yellow: 1, green: 2, gray: 3 }

/** The `clusters` section: CPU and memory, total and effective, hosts, overall status, DRS and HA. */
export function emitClusters(emit: Emit, descs: VsphereDescs['clusters'], reading: Reading): void {
  const { inventory } = reading
  const clusters = unique(reading.clusters, (cluster) => [
    stringOf(cluster, 'name') ?? '',
    inventory.ancestor(cluster.ref.value, 'Datacenter'),
  ])
  const megahertz = 1e6
  const mebibyte = 1024 * 1024
  for (const { object: cluster, labels } of clusters) {
    const scaled = (name: string, factor: number) => {
      const value = numberOf(cluster, name)
      return value === undefined ? undefined : value * factor
    }
    gauge(emit, descs.cpuTotal, scaled('summary.totalCpu', megahertz), labels)
    gauge(emit, descs.cpuEffective, scaled('summary.effectiveCpu', megahertz), labels)
    gauge(emit, descs.memoryTotal, numberOf(cluster, 'summary.totalMemory'), labels)
    gauge(emit, descs.memoryEffective, scaled('summary.effectiveMemory', mebibyte), labels)
    gauge(emit, descs.hosts, numberOf(cluster, 'summary.numHosts'), labels)
    gauge(emit, descs.effectiveHosts, numberOf(cluster, 'summary.numEffectiveHosts'), labels)
    gauge(emit, descs.overallStatus, entityStatuses[stringOf(cluster, 'overallStatus') ?? ''], labels)
    gauge(emit, descs.drsEnabled, flagOf(cluster, 'configurationEx.drsConfig.enabled'), labels)
    gauge(emit, descs.haEnabled, flagOf(cluster, 'configurationEx.dasConfig.enabled'), labels)
  }
}
