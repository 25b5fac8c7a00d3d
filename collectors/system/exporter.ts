import type { ExporterDefinition } from 'promkit/exporter'
import { arpCollector } from './arp.js'
import { bcacheCollector, priorityFlag } from './bcache.js'
import { bondingCollector } from './bonding.js'
import { btrfsCollector } from './btrfs.js'
import { dmiCollector } from './dmi.js'
import { raplCollector } from './rapl.js'
import { schedstatCollector } from './schedstat.js'
import { selinuxCollector } from './selinux.js'
import { thermalZoneCollector } from './thermal-zone.js'
import { conntrackCollector } from './conntrack.js'
import { cpuCollector } from './cpu.js'
import { cpufreqCollector } from './cpufreq.js'
import { diskstatsCollector } from './diskstats.js'
import { edacCollector } from './edac.js'
import { entropyCollector } from './entropy.js'
import { fibrechannelCollector } from './fibrechannel.js'
import { filefdCollector } from './filefd.js'
import { filesystemCollector } from './filesystem.js'
import { hwmonCollector } from './hwmon.js'
import { infinibandCollector } from './infiniband.js'
import { ipvsCollector } from './ipvs.js'
import { kernelHungCollector } from './kernel-hung.js'
import { loadavgCollector } from './loadavg.js'
import { mdadmCollector } from './mdadm.js'
import { meminfoCollector } from './meminfo.js'
import { netclassCollector } from './netclass.js'
import { netdevCollector } from './netdev.js'
import { netstatCollector } from './netstat.js'
import { nfsCollector, nfsdCollector } from './nfs.js'
import { nvmeCollector } from './nvme.js'
import { osCollector } from './os.js'
import { pathFlags } from './paths.js'
import { ignoredSuppliesFlag, powerSupplyCollector } from './power-supply.js'
import { pressureCollector } from './pressure.js'
import { sockstatCollector } from './sockstat.js'
import { softnetCollector } from './softnet.js'
import { statCollector } from './stat.js'
import { tapestatsCollector } from './tapestats.js'
import { textfileCollector } from './textfile.js'
import { timeCollector } from './time.js'
import { timexCollector } from './timex.js'
import { udpQueuesCollector } from './udp-queues.js'
import { unameCollector } from './uname.js'
import { vmstatCollector } from './vmstat.js'
import { watchdogCollector } from './watchdog.js'
import { xfsCollector } from './xfs.js'
import { zfsCollector } from './zfs.js'

/** The system exporter: node_exporter's names, port and flags, on promkit. */
export const systemExporter: ExporterDefinition = {
  name: 'system_exporter',
  description: 'Host metrics from /proc and /sys, with the names, types and labels of node_exporter 1.5.',
  defaultListenAddress: ':9100',
  namespace: 'node',
  envPrefix: 'SYSTEM_EXPORTER',
  flags: [...Object.values(pathFlags), ignoredSuppliesFlag],
  flagAliases: { 'collector.bcache.priorityStats': { flag: priorityFlag.name, boolean: true } },
  collectors: [
    arpCollector,
    bcacheCollector,
    bondingCollector,
    btrfsCollector,
    conntrackCollector,
    cpuCollector,
    cpufreqCollector,
    diskstatsCollector,
    dmiCollector,
    edacCollector,
    entropyCollector,
    fibrechannelCollector,
    filefdCollector,
    filesystemCollector,
    hwmonCollector,
    infinibandCollector,
    ipvsCollector,
    kernelHungCollector,
    loadavgCollector,
    mdadmCollector,
    meminfoCollector,
    netclassCollector,
    netdevCollector,
    netstatCollector,
    nfsCollector,
    nfsdCollector,
    nvmeCollector,
    osCollector,
    powerSupplyCollector,
    pressureCollector,
    raplCollector,
    schedstatCollector,
    selinuxCollector,
    sockstatCollector,
    softnetCollector,
    statCollector,
    tapestatsCollector,
    textfileCollector,
    thermalZoneCollector,
    timeCollector,
    timexCollector,
    udpQueuesCollector,
    unameCollector,
    vmstatCollector,
    watchdogCollector,
    xfsCollector,
    zfsCollector,
  ],
}
