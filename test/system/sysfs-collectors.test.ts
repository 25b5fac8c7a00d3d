// The schedstat, thermal_zone, dmi, bonding, netclass, cpufreq, mdadm, nvme, rapl and selinux collectors on what other kernels and machines have: newer sysfs
// layouts, files an unprivileged exporter cannot read, sensors that are off, and malformed files.
import { mkdirSync, rmSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { bondingCollector } from '../../collectors/system/bonding.js'
import { cpufreqCollector } from '../../collectors/system/cpufreq.js'
import { dmiCollector } from '../../collectors/system/dmi.js'
import { mdadmCollector, parseMdstat } from '../../collectors/system/mdadm.js'
import { netclassCollector } from '../../collectors/system/netclass.js'
import { nvmeCollector } from '../../collectors/system/nvme.js'
import { raplCollector } from '../../collectors/system/rapl.js'
import { parseSchedstat } from '../../collectors/system/schedstat.js'
import { selinuxCollector } from '../../collectors/system/selinux.js'
import { thermalZoneCollector } from '../../collectors/system/thermal-zone.js'
import { fakeSystem } from '../helpers/system.js'

const { root, write, gathered } = fakeSystem(t, 'promkit-sysfs-')

t.test('schedstat: a short cpu line is refused; other lines are skipped', async (t) => {
  t.same(parseSchedstat('version 15\ntimestamp 1\ndomain0 3 1 2\n'), [])
  t.throws(() => parseSchedstat('cpu0 1 2 3\n'), { message: "couldn't parse /proc/schedstat: cpu0 has 4 fields" })
})

t.test(
  'thermal_zone: zones without a type or a readable temperature, and devices missing a state, are left out',
  async (t) => {
    write({
      'sys/class/thermal/thermal_zone0/type': 'acpitz\n',
      'sys/class/thermal/thermal_zone0/temp': '27800\n',
      'sys/class/thermal/thermal_zone1/temp': '1000\n',
      'sys/class/thermal/thermal_zone2/type': 'off\n',
      'sys/class/thermal/cooling_device0/type': 'Fan\n',
      'sys/class/thermal/cooling_device0/cur_state': '1\n',
      'sys/class/thermal/cooling_device1/type': 'Fan\n',
      'sys/class/thermal/other/type': 'ignored\n',
    })
    // A sensor that is off answers its reads with an error: here a directory stands in for the file.
    mkdirSync(join(root, 'sys/class/thermal/thermal_zone2/temp'))
    const text = await gathered(thermalZoneCollector)
    t.match(text, /^node_thermal_zone_temp\{type="acpitz",zone="0"\} 27\.8$/m)
    t.equal(text.match(/^node_thermal_zone_temp/gm)?.length, 1)
    t.notMatch(text, /^node_cooling_device/m)
    rmSync(join(root, 'sys/class/thermal'), { recursive: true })
    write({ 'sys/class/thermal': 'not a directory' })
    await t.rejects(gathered(thermalZoneCollector), {
      code: 'PROMKIT_ERR_COLLECT_FAILED',
      message: /ENOTDIR: not a directory/,
    })
    rmSync(join(root, 'sys/class/thermal'))
  },
)

t.test('dmi: labels for the files there are, unreadable ones left out', async (t) => {
  write({ 'sys/class/dmi/id/sys_vendor': 'QEMU\n', 'sys/class/dmi/id/product_name': 'Standard PC\n' })
  // A root-only file (product_serial, product_uuid) cannot be read by an unprivileged exporter.
  mkdirSync(join(root, 'sys/class/dmi/id/product_serial'))
  const text = await gathered(dmiCollector, {}, 2)
  t.match(text, /^node_dmi_info\{product_name="Standard PC",system_vendor="QEMU"\} 1$/m)
})

t.test(
  'bonding: MII status under lower_<slave> (newer kernels) or slave_<slave>, a master without slaves',
  async (t) => {
    write({
      'sys/class/net/bonding_masters': 'bond1 bond0\n',
      'sys/class/net/bond0/bonding/slaves': 'eth0 eth1\n',
      'sys/class/net/bond0/lower_eth0/bonding_slave/mii_status': 'up\n',
      'sys/class/net/bond0/slave_eth1/bonding_slave/mii_status': 'down\n',
    })
    const text = await gathered(bondingCollector)
    t.match(text, /^node_bonding_slaves\{master="bond0"\} 2$/m)
    t.match(text, /^node_bonding_active\{master="bond0"\} 1$/m)
    t.match(text, /^node_bonding_slaves\{master="bond1"\} 0$/m)
  },
)

t.test('netclass: refused attributes, a dangling link, an invalid speed kept without the flag', async (t) => {
  write({
    'sys/class/net/veth1/operstate': 'lowerlayerdown\n',
    'sys/class/net/veth1/speed': '-1\n',
    'sys/class/net/veth1/mtu': 'x\n',
    'sys/class/net/veth1/flags': '0x1002\n',
  })
  // Reading the speed of a link that is down fails (EINVAL); a directory stands in for it here.
  mkdirSync(join(root, 'sys/class/net/veth2/speed'), { recursive: true })
  symlinkSync(join(root, 'nowhere'), join(root, 'sys/class/net/gone'))
  const text = await gathered(netclassCollector)
  t.match(text, /^node_network_speed_bytes\{device="veth1"\} -125000$/m)
  t.notMatch(text, /node_network_mtu_bytes/)
  t.match(text, /^node_network_up\{device="veth1"\} 0$/m)
  t.match(
    text,
    /^node_network_info\{address="",adminstate="down",broadcast="",device="veth1",duplex="",ifalias="",operstate="lowerlayerdown"\} 1$/m,
  )
  t.match(text, /^node_network_up\{device="veth2"\} 0$/m)
  t.notMatch(text, /device="gone"/)
  rmSync(join(root, 'sys/class/net'), { recursive: true })
  write({ 'sys/class/net': 'not a directory' })
  await t.rejects(gathered(netclassCollector), { message: /ENOTDIR: not a directory/ })
  rmSync(join(root, 'sys/class/net'))
  t.equal(await gathered(netclassCollector), '', 'no /sys/class/net, no data')
})

t.test('cpufreq: cpuinfo frequencies when readable, a governor without the list of available ones', async (t) => {
  t.equal(await gathered(cpufreqCollector), '', 'no /sys/devices/system/cpu, no data')
  write({
    'sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_cur_freq': '2400000\n',
    'sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq': '3000000\n',
    'sys/devices/system/cpu/cpu0/cpufreq/scaling_governor': 'schedutil\n',
    'sys/devices/system/cpu/cpu0/cpufreq/scaling_available_governors': 'performance schedutil\n',
    'sys/devices/system/cpu/cpu10/cpufreq/scaling_governor': 'performance\n',
    'sys/devices/system/cpu/cpu2/topology/core_id': '2\n',
    'sys/devices/system/cpu/cpufreq/boost': '1\n',
  })
  // cpuinfo_cur_freq is root's: unreadable for the exporter, like this directory.
  mkdirSync(join(root, 'sys/devices/system/cpu/cpu10/cpufreq/cpuinfo_cur_freq'))
  const text = await gathered(cpufreqCollector)
  t.match(text, /^node_cpu_frequency_hertz\{cpu="0"\} 2400000000$/m)
  t.match(text, /^node_cpu_frequency_max_hertz\{cpu="0"\} 3000000000$/m)
  t.notMatch(text, /node_cpu_frequency_hertz\{cpu="10"\}/)
  t.match(text, /^node_cpu_scaling_governor\{cpu="0",governor="performance"\} 0$/m)
  t.match(text, /^node_cpu_scaling_governor\{cpu="0",governor="schedutil"\} 1$/m)
  t.match(text, /^node_cpu_scaling_governor\{cpu="10",governor="performance"\} 1$/m)
  t.notMatch(text, /cpu="2"/, 'a CPU without cpufreq is left out')
})

t.test('mdadm: no software RAID, an unreadable raid_disks, a device line without its blocks', async (t) => {
  t.equal(await gathered(mdadmCollector), '', 'no /proc/mdstat and no /sys/block, no data')
  t.throws(() => parseMdstat('md0 : active raid1 sda1[0] sdb1[1]\n\nunused devices: <none>\n'), {
    message: `couldn't parse /proc/mdstat: md0 blocks is undefined, not a number`,
  })
  t.throws(() => parseMdstat('md0 : active raid1 sda1[0]'), { message: /md0 blocks is undefined/ })
  // raid_disks cannot be read (a directory stands in for it): the array is left out of the sysfs families.
  mkdirSync(join(root, 'sys/block/md3/md/raid_disks'), { recursive: true })
  write({ 'sys/block/md5/md/raid_disks': '2\n', 'sys/block/sda/size': '100\n' })
  const text = await gathered(mdadmCollector)
  t.match(text, /^node_md_raid_disks\{device="md5"\} 2$/m)
  t.match(text, /^node_md_degraded\{device="md5"\} 0$/m, 'no degraded file (raid0 and linear have none) is 0')
  t.notMatch(text, /md3/)
})

t.test(
  'nvme: a controller without namespaces or attributes, a namespace with a bad size, no NVMe at all',
  async (t) => {
    t.equal(await gathered(nvmeCollector), '', 'no /sys/class/nvme, no data')
    write({ 'sys/class/nvme/nvme1/nvme1c1n1/size': '1\n' })
    t.match(
      await gathered(nvmeCollector),
      /^node_nvme_info\{cntlid="",device="nvme1",firmware_revision="",model="",serial="",state=""\} 1$/m,
      'a multipath path (nvme1c1n1) is not a namespace',
    )
    write({
      'sys/class/nvme/nvme1/nvme1n1/size': 'many\n',
      'sys/class/nvme/nvme1/nvme1n1/nuse': '1\n',
      'sys/class/nvme/nvme1/nvme1n1/queue/logical_block_size': '512\n',
    })
    await t.rejects(gathered(nvmeCollector), { message: /nvme1\/nvme1n1\/size: size is "many", not a number/ })
    rmSync(join(root, 'sys/class/nvme'), { recursive: true })
    write({ 'sys/class/nvme': 'not a directory' })
    await t.rejects(gathered(nvmeCollector), { message: /ENOTDIR/ })
    rmSync(join(root, 'sys/class/nvme'))
  },
)

t.test('selinux: not mounted, permissive with no config, enforcing, an unknown configured mode', async (t) => {
  t.equal(
    await gathered(selinuxCollector),
    '# HELP node_selinux_enabled SELinux is enabled, 1 is true, 0 is false\n# TYPE node_selinux_enabled gauge\nnode_selinux_enabled 0\n',
  )
  write({
    'proc/self/mounts': 'proc /proc proc rw 0 0\nselinuxfs /sys/fs/selinux selinuxfs rw 0 0\n',
    'root/sys/fs/selinux/enforce': '0\n',
  })
  const permissive = await gathered(selinuxCollector)
  t.match(permissive, /^node_selinux_enabled 1$/m)
  t.match(permissive, /^node_selinux_current_mode 0$/m)
  t.match(permissive, /^node_selinux_config_mode -1$/m, 'no /etc/selinux/config reads as disabled')
  write({ 'root/sys/fs/selinux/enforce': '1\n', 'root/etc/selinux/config': '# comment\nSELINUX=enforcing\n' })
  const enforcing = await gathered(selinuxCollector)
  t.match(enforcing, /^node_selinux_current_mode 1$/m)
  t.match(enforcing, /^node_selinux_config_mode 1$/m)
  write({ 'root/etc/selinux/config': 'SELINUX=sometimes\n' })
  t.match(await gathered(selinuxCollector), /^node_selinux_config_mode -1$/m)
  write({ 'proc/self/mounts': 'selinuxfs /gone selinuxfs rw 0 0\n' })
  t.match(
    await gathered(selinuxCollector),
    /^node_selinux_enabled 0$/m,
    'mounted where no enforce file is: not enabled',
  )
})

t.test('rapl: zones numbered by their name or by count, a zone label, directories without a name', async (t) => {
  const zone = (dir: string, name: string, microjoules: string) => ({
    [`sys/class/powercap/${dir}/name`]: `${name}\n`,
    [`sys/class/powercap/${dir}/energy_uj`]: `${microjoules}\n`,
  })
  write({
    ...zone('intel-rapl:0', 'package-0', '2500000'),
    ...zone('intel-rapl:0:1', 'dram', '1000000'),
    ...zone('intel-rapl:1', 'package-1', '3000000'),
    ...zone('intel-rapl:1:1', 'dram', '1500000'),
    ...zone('intel-rapl-mmio:0', 'uncore.mmio', '4000000'),
    'sys/class/powercap/intel-rapl/enabled': '1\n',
  })
  const powercap = join(root, 'sys/class/powercap')
  t.same(
    (await gathered(raplCollector)).split('\n').filter((line) => line.startsWith('node_rapl')),
    [
      `node_rapl_dram_joules_total{index="0",path="${powercap}/intel-rapl:0:1"} 1`,
      `node_rapl_dram_joules_total{index="1",path="${powercap}/intel-rapl:1:1"} 1.5`,
      `node_rapl_package_joules_total{index="0",path="${powercap}/intel-rapl:0"} 2.5`,
      `node_rapl_package_joules_total{index="1",path="${powercap}/intel-rapl:1"} 3`,
      `node_rapl_uncore_mmio_joules_total{index="0",path="${powercap}/intel-rapl-mmio:0"} 4`,
    ],
  )
  const labelled = await gathered(raplCollector, { 'collector.rapl.enable-zone-label': 'true' })
  t.match(labelled, `node_rapl_joules_total{index="1",path="${powercap}/intel-rapl:1:1",rapl_zone="dram"} 1.5`)
  t.notMatch(labelled, 'node_rapl_dram_joules_total')
  write({ 'sys/class/powercap/intel-rapl:2/name': 'package-2\n' })
  await t.rejects(gathered(raplCollector), { message: /intel-rapl:2\/energy_uj: energy_uj is undefined, not a number/ })
  rmSync(powercap, { recursive: true })
})
