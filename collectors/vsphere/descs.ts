import { Desc } from 'promkit'

/** vmware_exporter's labels of a VM's series. */
export const vmLabels = ['vm_name', 'ds_name', 'host_name', 'dc_name', 'cluster_name'] as const
/** vmware_exporter's labels of a host's series. */
export const hostLabels = ['host_name', 'dc_name', 'cluster_name'] as const
/** vmware_exporter's labels of a datastore's series. */
export const datastoreLabels = ['ds_name', 'dc_name', 'ds_cluster'] as const
/** The labels of a cluster's series. */
export const clusterLabels = ['cluster_name', 'dc_name'] as const

/** The performance counters vmware_exporter reads for VMs, as `group.name.rollup`. */
export const vmCounters = [
  'cpu.ready.summation',
  'cpu.maxlimited.summation',
  'cpu.usage.average',
  'cpu.usagemhz.average',
  'cpu.costop.summation',
  'cpu.idle.summation',
  'cpu.demand.average',
  'mem.usage.average',
  'mem.consumed.average',
  'mem.active.average',
  'mem.swapped.average',
  'mem.vmmemctl.average',
  'disk.maxTotalLatency.latest',
  'disk.usage.average',
  'disk.read.average',
  'disk.write.average',
  'net.received.average',
  'net.transmitted.average',
  'net.multicastRx.summation',
  'net.multicastTx.summation',
  'net.broadcastTx.summation',
  'net.broadcastRx.summation',
  'net.droppedRx.summation',
  'net.droppedTx.summation',
] as const

/** The performance counters vmware_exporter reads for hosts. */
export const hostCounters = [
  'cpu.costop.summation',
  'cpu.demand.average',
  'cpu.idle.summation',
  'cpu.ready.summation',
  'cpu.swapwait.summation',
  'cpu.usage.average',
  'cpu.usagemhz.average',
  'cpu.used.summation',
  'disk.read.average',
  'disk.write.average',
  'mem.active.average',
  'mem.latency.average',
  'mem.swapin.average',
  'mem.swapinRate.average',
  'mem.swapout.average',
  'mem.swapoutRate.average',
  'mem.vmmemctl.average',
  'net.bytesRx.average',
  'net.bytesTx.average',
  'net.droppedRx.summation',
  'net.droppedTx.summation',
  'net.errorsRx.summation',
  'net.errorsTx.summation',
  'net.usage.average',
] as const

/** A descriptor maker for one kind of object: its labels, then the family's own. */
function maker(labels: readonly string[]) {
  return (name: string, help: string, extra: readonly string[] = []) =>
    new Desc({ name, help, variableLabels: [...labels, ...extra] })
}

/** A descriptor for each performance counter, named as vmware_exporter names it: `vmware_vm_cpu_ready_summation`. */
function counterDescs(prefix: string, what: string, counters: readonly string[], labels: readonly string[]) {
  return new Map(
    counters.map((counter) => {
      const help = `vCenter's ${counter} performance counter of the ${what}, its latest real-time (20 s) sample.`
      return [counter, new Desc({ name: `${prefix}_${counter.replaceAll('.', '_')}`, help, variableLabels: labels })]
    }),
  )
}

/** Every descriptor of the vSphere exporter, by section. `namespace` prefixes the exporter's own families. */
export function vsphereDescs(namespace: string) {
  const vm = maker(vmLabels)
  const host = maker(hostLabels)
  const datastore = maker(datastoreLabels)
  const cluster = maker(clusterLabels)
  const own = (name: string, help: string, labels: readonly string[] = []) =>
    new Desc({ namespace, name, help, variableLabels: labels })
  return {
    reading: {
      up: own(
        'up',
        'Whether the last read of vCenter succeeded: logged in and every object type read (1), or not (0).',
      ),
      readDuration: own('read_duration_seconds', 'Seconds each part of the last read of vCenter took.', ['read']),
      objects: own('objects', 'Objects of each type the last read of vCenter found.', ['type']),
      missingProperties: own(
        'missing_properties',
        'Properties vCenter could not give in the last read (an object being created, deleted or rebooted), by ' +
          'section; the series that need them are left out and the rest served.',
        ['section'],
      ),
      logins: own(
        'logins_total',
        'Logins to vCenter since start: one session is kept across scrapes, so more than one means sessions expired.',
      ),
    },
    vms: {
      powerState: vm('vmware_vm_power_state', 'Whether the VM is powered on (1) or not (0).'),
      bootTimestamp: vm('vmware_vm_boot_timestamp_seconds', 'When a powered-on VM booted, in seconds since the epoch.'),
      numCpu: vm('vmware_vm_num_cpu', 'Virtual CPUs of the VM.'),
      memoryMax: vm('vmware_vm_memory_max', 'Memory of the VM, in MiB.'),
      maxCpuUsage: vm('vmware_vm_max_cpu_usage', 'The most CPU the VM can use, in MHz.'),
      template: vm('vmware_vm_template', 'Whether the VM is a template (1) or not (0).'),
      info: vm('vmware_vm_info', "The VM's guest IP address and power state as labels; always 1.", [
        'guest_ip',
        'power_state',
      ]),
      counters: counterDescs('vmware_vm', 'VM', vmCounters, vmLabels),
    },
    vmguests: {
      diskFree: vm('vmware_vm_guest_disk_free', 'Free bytes of a guest partition, as VMware Tools reports it.', [
        'partition',
      ]),
      diskCapacity: vm('vmware_vm_guest_disk_capacity', 'Size in bytes of a guest partition.', ['partition']),
      toolsRunningStatus: vm('vmware_vm_guest_tools_running_status', "VMware Tools' status as a label; always 1.", [
        'tools_status',
      ]),
      toolsVersion: vm('vmware_vm_guest_tools_version', "VMware Tools' version as a label; always 1.", [
        'tools_version',
      ]),
      toolsVersionStatus: vm(
        'vmware_vm_guest_tools_version_status',
        "VMware Tools' version status (current, needs upgrade, …) as a label; always 1.",
        ['tools_version_status'],
      ),
    },
    snapshots: {
      count: vm('vmware_vm_snapshots', 'Snapshots of the VM.'),
      timestamp: vm('vmware_vm_snapshot_timestamp_seconds', 'When a snapshot was taken, in seconds since the epoch.', [
        'vm_snapshot_name',
      ]),
    },
    datastores: {
      capacity: datastore('vmware_datastore_capacity_size', 'Capacity of the datastore in bytes.'),
      freeSpace: datastore('vmware_datastore_freespace_size', 'Free space on the datastore in bytes.'),
      uncommitted: datastore(
        'vmware_datastore_uncommited_size',
        'Bytes promised to thin-provisioned disks on the datastore beyond what they use.',
      ),
      provisioned: datastore(
        'vmware_datastore_provisoned_size',
        'Bytes provisioned on the datastore: capacity less free space plus uncommitted.',
      ),
      hosts: datastore('vmware_datastore_hosts', 'Hosts that mount the datastore.'),
      vms: datastore('vmware_datastore_vms', 'VMs with files on the datastore.'),
      maintenanceMode: datastore(
        'vmware_datastore_maintenance_mode',
        "The datastore's maintenance mode (normal, inMaintenance, enteringMaintenance) as a label; always 1.",
        ['mode'],
      ),
      type: datastore(
        'vmware_datastore_type',
        "The datastore's type (VMFS, NFS, NFS41, vsan, …) as a label; always 1.",
        ['ds_type'],
      ),
      accessible: datastore('vmware_datastore_accessible', 'Whether the datastore is accessible (1) or not (0).'),
    },
    hosts: {
      powerState: host('vmware_host_power_state', 'Whether the host is powered on (1) or not (0).'),
      standbyMode: host(
        'vmware_host_standby_mode',
        'Whether the host is in standby (1) or not (0), with its standby state (entering, exiting, in, none).',
        ['standby_mode_state'],
      ),
      connectionState: host(
        'vmware_host_connection_state',
        "The host's connection state (connected, disconnected, notResponding) as a label; always 1.",
        ['state'],
      ),
      maintenanceMode: host('vmware_host_maintenance_mode', 'Whether the host is in maintenance mode (1) or not (0).'),
      bootTimestamp: host('vmware_host_boot_timestamp_seconds', 'When the host booted, in seconds since the epoch.'),
      cpuUsage: host('vmware_host_cpu_usage', 'CPU the host uses, in MHz.'),
      cpuMax: host('vmware_host_cpu_max', 'CPU of the host (cores times core speed), in MHz.'),
      numCpu: host('vmware_host_num_cpu', 'Physical CPU cores of the host.'),
      memoryUsage: host('vmware_host_memory_usage', 'Memory the host uses, in MiB.'),
      memoryMax: host('vmware_host_memory_max', 'Memory of the host, in MiB.'),
      productInfo: host('vmware_host_product_info', "The host's ESXi version and build as labels; always 1.", [
        'version',
        'build',
      ]),
      hardwareInfo: host('vmware_host_hardware_info', "The host's hardware and CPU model as labels; always 1.", [
        'hardware_model',
        'hardware_cpu_model',
      ]),
      sensorState: host(
        'vmware_host_sensor_state',
        "A hardware sensor's health: 0 red, 1 yellow, 2 green, 3 unknown.",
        ['name', 'type'],
      ),
      sensorFan: host('vmware_host_sensor_fan', 'A fan sensor’s speed in RPM.', ['name']),
      sensorTemperature: host('vmware_host_sensor_temperature', 'A temperature sensor’s reading in degrees Celsius.', [
        'name',
      ]),
      sensorVoltage: host('vmware_host_sensor_power_voltage', 'A voltage sensor’s reading in volts.', ['name']),
      sensorCurrent: host('vmware_host_sensor_power_current', 'A current sensor’s reading in amperes.', ['name']),
      sensorPower: host('vmware_host_sensor_power_watt', 'A power sensor’s reading in watts.', ['name']),
      sensorRedundancy: host('vmware_host_sensor_redundancy', 'A redundancy sensor: 1 redundant, 0 not.', ['name']),
      counters: counterDescs('vmware_host', 'host', hostCounters, hostLabels),
    },
    clusters: {
      cpuTotal: cluster('vmware_cluster_cpu_total_hertz', "CPU of the cluster's hosts, in hertz."),
      cpuEffective: cluster(
        'vmware_cluster_cpu_effective_hertz',
        'CPU of the hosts available to VMs (connected, not in maintenance, less virtualization overhead), in hertz.',
      ),
      memoryTotal: cluster('vmware_cluster_memory_total_bytes', "Memory of the cluster's hosts, in bytes."),
      memoryEffective: cluster(
        'vmware_cluster_memory_effective_bytes',
        'Memory of the hosts available to VMs, in bytes.',
      ),
      hosts: cluster('vmware_cluster_hosts', 'Hosts in the cluster.'),
      effectiveHosts: cluster('vmware_cluster_effective_hosts', 'Hosts of the cluster that can run VMs.'),
      overallStatus: cluster(
        'vmware_cluster_overall_status',
        "The cluster's overall status: 0 red, 1 yellow, 2 green, 3 gray (unknown).",
      ),
      drsEnabled: cluster('vmware_cluster_drs_enabled', 'Whether DRS is enabled on the cluster (1) or not (0).'),
      haEnabled: cluster('vmware_cluster_ha_enabled', 'Whether vSphere HA is enabled on the cluster (1) or not (0).'),
    },
  }
}

/** The descriptors of the vSphere exporter. */
export type VsphereDescs = ReturnType<typeof vsphereDescs>
