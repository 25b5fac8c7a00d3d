// The collectors of server hardware and filesystems (zfs, xfs, bcache, btrfs, nfs, nfsd, ipvs, hwmon, infiniband,
// fibrechannel, powersupplyclass, tapestats, edac, cpu's sysfs and cpuinfo metrics) on what node_exporter's fixture
// tree does not have: other kernels' layouts, absent parts, and malformed files. The fixture tree itself is compared
// with node_exporter's output in node-exporter-fixtures.test.ts.
import { mkdirSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { Registry, encode } from 'promkit'
import { collectAndCompare, collectAndCount } from 'promkit/testing'
import t from 'tap'
import { bcacheCollector, dehumanize } from '../../collectors/system/bcache.js'
import { allocationRatio, btrfsCollector } from '../../collectors/system/btrfs.js'
import { cpuCollector, parseCpuList } from '../../collectors/system/cpu.js'
import { cpufreqCollector } from '../../collectors/system/cpufreq.js'
import { dimmLabel, edacCollector } from '../../collectors/system/edac.js'
import { systemExporter } from '../../collectors/system/exporter.js'
import { fibrechannelCollector } from '../../collectors/system/fibrechannel.js'
import { hwmonCollector, sensorFile } from '../../collectors/system/hwmon.js'
import { infinibandCollector } from '../../collectors/system/infiniband.js'
import { ipvsCollector, parseIpvs, parseIpvsStats } from '../../collectors/system/ipvs.js'
import { kernelHungCollector } from '../../collectors/system/kernel-hung.js'
import { netdevCollector } from '../../collectors/system/netdev.js'
import { nfsCollector, nfsdCollector } from '../../collectors/system/nfs.js'
import { powerSupplyCollector } from '../../collectors/system/power-supply.js'
import { tapestatsCollector } from '../../collectors/system/tapestats.js'
import { watchdogCollector } from '../../collectors/system/watchdog.js'
import { xfsCollector } from '../../collectors/system/xfs.js'
import { parseKstat, parsePoolIo, zfsCollector } from '../../collectors/system/zfs.js'
import { parseCommandLine } from '../../src/runtime/flags.js'
import { fakeSystem, systemContext } from '../helpers/system.js'

const { root, write, gathered } = fakeSystem(t, 'promkit-server-')

/** The sample lines of an exposition, without HELP and TYPE. */
const sampleLines = (text: string) => text.split('\n').filter((line) => line !== '' && !line.startsWith('#'))

t.test('every collector: no data on a machine without the hardware or filesystem', async (t) => {
  const collectors = [
    bcacheCollector,
    btrfsCollector,
    edacCollector,
    fibrechannelCollector,
    hwmonCollector,
    infinibandCollector,
    ipvsCollector,
    kernelHungCollector,
    nfsCollector,
    nfsdCollector,
    powerSupplyCollector,
    tapestatsCollector,
    watchdogCollector,
    xfsCollector,
    zfsCollector,
  ]
  for (const collector of collectors) t.equal(await gathered(collector), '', collector.name)
})

t.test('netdev: receive_nohandler from sysfs, where node_exporter reads it over netlink', async (t) => {
  write({
    'proc/net/dev':
      'Inter-|   Receive                                                |  Transmit\n' +
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n' +
      '  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n' +
      '  eth1: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n',
    'sys/class/net/eth0/statistics/rx_nohandler': '17\n',
  })
  const text = await gathered(netdevCollector)
  t.match(text, /^node_network_receive_nohandler_total\{device="eth0"\} 17$/m)
  t.notMatch(text, /nohandler_total\{device="eth1"\}/, 'a kernel before 4.6 has no such file')
  write({ 'sys/class/net/eth0/statistics/rx_nohandler': 'many\n' })
  await t.rejects(gathered(netdevCollector), { message: /rx_nohandler: rx_nohandler is "many", not a number/ })
})

t.test('zfs: kstat files a ZFS version lacks, odd rows, pools without state or datasets', async (t) => {
  const kstat = (rows: string) => `6 1 0x01 91 4368 5266997922 97951858082072\nname type data\n${rows}`
  write({
    'proc/spl/kstat/zfs/arcstats': kstat('hits 4 12\nnegative 3 -5\ncomment 7 some text here\nshort 4\n'),
    'proc/spl/kstat/zfs/p1/io':
      'x\nnread nwritten reads writes wtime wlentime wupdate rtime rlentime rupdate wcnt rcnt\n' +
      '1 2 3 4 5 6 7 8 9 10 11 12\n',
    'proc/spl/kstat/zfs/p1/objset-0x36': kstat('writes 4 3\n'),
    'proc/spl/kstat/zfs/p1/not-an-objset': 'ignored\n',
  })
  t.same(
    sampleLines(await gathered(zfsCollector)).filter(
      (line) => !line.startsWith('node_zfs_zpool_') || line.includes('writes'),
    ),
    [
      'node_zfs_arc_hits 12',
      'node_zfs_arc_negative -5',
      'node_zfs_zpool_dataset_writes{dataset="",zpool="p1"} 3',
      'node_zfs_zpool_writes{zpool="p1"} 4',
    ],
  )
  t.throws(() => parseKstat('1 2 3\nhits 4 1\n', 'arcstats'), {
    message: `couldn't parse arcstats: no "name type data" line`,
  })
  t.throws(() => parsePoolIo('1 2 3\n', 'p1/io'), { message: `couldn't parse p1/io: no "nread …" columns` })
  write({ 'proc/spl/kstat/zfs/p1/state': 'SUSPENDED\n', 'proc/spl/kstat/zfs/arcstats': kstat('hits 4 twelve\n') })
  await t.rejects(gathered(zfsCollector), { message: /arcstats: hits is "twelve", not a number/ })
})

t.test('xfs: the filesystem-wide stats directory is not a device; unknown lines are skipped', async (t) => {
  write({
    'sys/fs/xfs/stats/stats': 'rw 1 1\n',
    'sys/fs/xfs/vdb/stats/stats': 'rw 7\nnewline 1 2 3\n',
  })
  mkdirSync(join(root, 'sys/fs/xfs/vdc'))
  t.same(sampleLines(await gathered(xfsCollector)), ['node_xfs_write_calls_total{device="vdb"} 7'])
  write({ 'sys/fs/xfs/vdb/stats/stats': 'rw seven 1\n' })
  await t.rejects(gathered(xfsCollector), { message: /vdb\/stats\/stats: rw column 1 is "seven", not a number/ })
})

t.test('bcache: the numbers bch_hprint writes, and files a cache set lacks', async (t) => {
  const cases: [string, number][] = [
    ['0', 0],
    ['512', 512],
    ['1.5', 1],
    ['1.1M', 1150976],
    ['427.5k', 437748],
    ['-321.5k', -329204],
    ['20.4G', 21894266880],
    ['3T', 3 * 1024 ** 4],
  ]
  for (const [text, value] of cases) t.equal(dehumanize(text, 'f'), value, text)
  t.throws(() => dehumanize('1.1X', 'f'), { message: `couldn't parse f: "1.1X" is not a bcache number` })
  const set = 'sys/fs/bcache/0a-1b'
  const setFiles = Object.fromEntries(
    [
      'average_key_size',
      'btree_cache_size',
      'cache_available_percent',
      'congested',
      'root_usage_percent',
      'tree_depth',
      'internal/active_journal_entries',
      'internal/btree_nodes',
      'internal/btree_read_average_duration_us',
      'internal/cache_read_races',
    ].map((file) => [`${set}/${file}`, '0\n']),
  )
  write({ ...setFiles, [`${set}/cache0/io_errors`]: '0\n', [`${set}/cache0/metadata_written`]: '0\n' })
  write({ [`${set}/cache0/written`]: '1.0k\n', [`${set}/cache0/priority_stats`]: 'Unused: 5%\nno colon\n' })
  const text = await gathered(bcacheCollector)
  t.match(text, /^node_bcache_written_bytes_total\{cache_device="cache0",uuid="0a-1b"\} 1024$/m)
  t.notMatch(text, /priority_stats/, 'priority stats only with --collector.bcache.priorityStats')
  await t.rejects(gathered(bcacheCollector, { 'collector.bcache.priority-stats': 'true' }), {
    message: `couldn't parse ${join(root, set, 'cache0/priority_stats')}: no "Metadata:" line`,
  })
  write({ [`${set}/bdev1/dirty_data`]: '0\n' })
  await t.rejects(gathered(bcacheCollector), { message: /bdev1\/stats_total\/bypassed/ })
})

t.test('btrfs: profiles and their allocation ratios; a filesystem without commit stats or label', async (t) => {
  t.same(
    ['single', 'raid0', 'dup', 'raid1', 'raid10', 'raid1c3', 'raid1c4', 'raid5', 'raid6', 'unknown'].map((profile) =>
      allocationRatio(profile, 4),
    ),
    [1, 1, 2, 2, 2, 3, 4, 4 / 3, 2, 0],
  )
  const fs = 'sys/fs/btrfs/1-2'
  write({
    [`${fs}/allocation/global_rsv_size`]: '5\n',
    ...Object.fromEntries(
      ['data', 'metadata', 'system'].map((type) => [`${fs}/allocation/${type}/bytes_reserved`, '0\n']),
    ),
    [`${fs}/allocation/data/raid1c3/total_bytes`]: '30\n',
    [`${fs}/allocation/data/raid1c3/used_bytes`]: '3\n',
  })
  const text = await gathered(btrfsCollector)
  t.match(text, /^node_btrfs_info\{label="",uuid="1-2"\} 1$/m)
  t.match(text, /^node_btrfs_allocation_ratio\{block_group_type="data",mode="raid1c3",uuid="1-2"\} 3$/m)
  t.match(text, /^node_btrfs_commits_total\{uuid="1-2"\} 0$/m)
})

t.test('nfs and nfsd: files with only some lines (older and newer kernels)', async (t) => {
  write({ 'proc/net/rpc/nfs': 'net 1 2 3 4\nproc4 3 7 8\n', 'proc/net/rpc/nfsd': 'th 2 0\nproc4ops 4 0 0 0 9\n' })
  const client = sampleLines(await gathered(nfsCollector))
  for (const line of [
    'node_nfs_packets_total{protocol="udp"} 2',
    'node_nfs_packets_total{protocol="tcp"} 3',
    'node_nfs_connections_total 4',
    'node_nfs_rpcs_total 0',
    'node_nfs_requests_total{method="Null",proto="4"} 7',
    'node_nfs_requests_total{method="Read",proto="4"} 8',
    'node_nfs_requests_total{method="Clone",proto="4"} 0',
  ])
    t.ok(client.includes(line), line)
  t.equal(
    client.filter((line) => line.startsWith('node_nfs_requests_total')).length,
    59,
    "a short line's missing operations count 0",
  )
  const server = sampleLines(await gathered(nfsdCollector))
  t.ok(server.includes('node_nfsd_server_threads 2'))
  t.ok(server.includes('node_nfsd_read_ahead_cache_size_blocks 0'), 'kernels since 5.x have no ra line')
  t.ok(server.includes('node_nfsd_requests_total{method="Access",proto="4"} 9'))
  t.notOk(
    server.some((line) => line.includes('WdelegGetattr')),
    'no wdeleg_getattr line, no series',
  )
  write({ 'proc/net/rpc/nfs': 'rpc 1 2 3\n', 'proc/net/rpc/nfsd': 'rc 1 2 3\n' })
  t.match(await gathered(nfsCollector), /^node_nfs_connections_total 0$/m, 'no net line')
  t.match(await gathered(nfsdCollector), /^node_nfsd_server_threads 0$/m, 'no th line')
  write({ 'proc/net/rpc/nfsd': 'th eight\n' })
  await t.rejects(gathered(nfsdCollector), { message: /nfsd: th field 1 is "eight", not a number/ })
})

t.test('ipvs: IPv6 services, backend labels chosen and summed, malformed files', async (t) => {
  const header = 'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> x\n'
  const services =
    `${header}TCP  [2620:0000:0000:0000:0000:0000:0000:0001]:0050 sed\n` +
    '  -> [2620:0000:0000:0000:0000:0000:0000:0002]:0050      Route   1      2          3\n' +
    '  -> [2620:0000:0000:0000:0000:0000:0000:0003]:0050      Route   1      4          5\n'
  t.same(parseIpvs(services)[0], {
    proto: 'TCP',
    localAddress: '2620::1',
    localPort: '80',
    localMark: '',
    remoteAddress: '2620::2',
    remotePort: '80',
    weight: 1,
    activeConnections: 2,
    inactiveConnections: 3,
  })
  t.throws(() => parseIpvs(`${header}  -> C0A80016:0CEA Tunnel 1 2 3\n`), {
    message: /backend line .* before any service/,
  })
  t.throws(() => parseIpvs(`${header}FWM 1 wlc\n  -> C0A80016:0CEA Tunnel 1\n`), {
    message: /lacks weight and connection counts/,
  })
  t.throws(() => parseIpvs(`${header}TCP C0A8001G:0CEA wlc\n`), {
    message: /the address of C0A8001G:0CEA is "C0A8001G"/,
  })
  t.throws(() => parseIpvsStats('a\nb\n'), { message: /connections is undefined, not hexadecimal/ })
  t.throws(() => parseIpvs(`${header}TCP\n`), { message: /the port of {2}is "", not hexadecimal/ })
  t.throws(() => parseIpvs(`${header}FWM\n  ->\n`), { message: /the port of {2}is "", not hexadecimal/ })
  t.same(parseIpvs(`${header}FWM\n`), [], 'a firewall-mark service without a mark or backends')
  write({ 'proc/net/ip_vs_stats': ' Total Incoming\n Conns Packets\n 1 2 3 4 5\n' })
  t.match(await gathered(ipvsCollector), /^node_ipvs_connections_total 1$/m, 'totals without /proc/net/ip_vs')
  write({
    'proc/net/ip_vs': services,
    'proc/net/ip_vs_stats': ' Total Incoming\n Conns Packets\n 1 2 3 4 5\n',
  })
  const text = await gathered(ipvsCollector, { 'collector.ipvs.backend-labels': 'local_port,proto' })
  t.match(text, /^node_ipvs_backend_connections_active\{local_port="80",proto="TCP"\} 6$/m, 'both backends summed')
  t.match(text, /^node_ipvs_outgoing_bytes_total 5$/m)
  t.throws(() => ipvsCollector.create(systemContext(root, { 'collector.ipvs.backend-labels': 'proto,vip' })), {
    message:
      '--collector.ipvs.backend-labels: unknown label vip; the labels are local_address, local_port, ' +
      'remote_address, remote_port, proto, local_mark',
  })
})

t.test('hwmon: sensor types, units, chips without a device or a name, filters', async (t) => {
  t.same(sensorFile('temp1_crit_alarm'), { sensor: 'temp1', type: 'temp', element: 'crit_alarm' })
  t.same(sensorFile('beep_enable'), { sensor: 'beep_enable0', type: 'beep_enable', element: '' })
  t.equal(sensorFile('uevent'), undefined)
  t.equal(sensorFile('1_input'), undefined)
  const chip = 'sys/devices/platform/it87.2608/hwmon/hwmon0'
  mkdirSync(join(root, 'sys/class/hwmon'), { recursive: true })
  write({
    [`${chip}/name`]: 'it8728\n',
    [`${chip}/beep_enable`]: '1\n',
    [`${chip}/vrm`]: '9.1\n',
    [`${chip}/update_interval`]: '500\n',
    [`${chip}/temp1`]: '41000\n',
    [`${chip}/temp1_input`]: '42000\n',
    [`${chip}/temp1_type`]: '4\n',
    [`${chip}/curr1_input`]: '1500\n',
    [`${chip}/power1_accuracy`]: '500000\n',
    [`${chip}/power1_average_interval`]: '1000\n',
    [`${chip}/power1_average`]: '12000000\n',
    [`${chip}/energy1_input`]: '3000000\n',
    [`${chip}/humidity1_input`]: '450000\n',
    [`${chip}/fan1_input`]: '1200\n',
    [`${chip}/fan1_fault`]: '0\n',
    [`${chip}/freq1_input`]: '300000000\n',
    [`${chip}/in0_label`]: 'Vcore\n',
    [`${chip}/in0_input`]: 'N/A\n',
    [`${chip}/pwm1`]: '128\n',
    'sys/devices/virtual/hwmon/hwmon1/temp1_input': '1000\n',
    'sys/devices/virtual/hwmon/hwmon1/name': '--\n',
    // Two chips of one device (as asus-nb-wmi has), one without a name: each gets its name, or its directory's.
    'sys/devices/platform/dual.0/hwmon/hwmon4/name': 'fan_control\n',
    'sys/devices/platform/dual.0/hwmon/hwmon4/fan1_input': '100\n',
    'sys/devices/platform/dual.0/hwmon/hwmon5/fan1_input': '200\n',
  })
  for (const n of [4, 5]) {
    symlinkSync('../..', join(root, `sys/devices/platform/dual.0/hwmon/hwmon${n}/device`))
    symlinkSync(join(root, `sys/devices/platform/dual.0/hwmon/hwmon${n}`), join(root, `sys/class/hwmon/hwmon${n}`))
  }
  symlinkSync(join(root, chip), join(root, 'sys/class/hwmon/hwmon0'))
  symlinkSync(join(root, 'sys/devices/virtual/hwmon/hwmon1'), join(root, 'sys/class/hwmon/hwmon1'))
  symlinkSync(join(root, 'gone'), join(root, 'sys/class/hwmon/hwmon2'))
  // A sensor file that answers its reads with an error (here a directory) is left out.
  mkdirSync(join(root, chip, 'temp2_input'))
  const text = await gathered(hwmonCollector)
  t.same(sampleLines(text).sort(), [
    'node_hwmon_beep_enabled{chip="it8728",sensor="beep_enable0"} 1',
    'node_hwmon_chip_names{chip="it8728",chip_name="it8728"} 1',
    'node_hwmon_chip_names{chip="platform_dual_0_fan_control",chip_name="fan_control"} 1',
    'node_hwmon_curr_amps{chip="it8728",sensor="curr1"} 1.5',
    'node_hwmon_energy_joule_total{chip="it8728",sensor="energy1"} 3',
    'node_hwmon_fan_fault{chip="it8728",sensor="fan1"} 0',
    'node_hwmon_fan_rpm{chip="it8728",sensor="fan1"} 1200',
    'node_hwmon_fan_rpm{chip="platform_dual_0_fan_control",sensor="fan1"} 100',
    'node_hwmon_fan_rpm{chip="platform_dual_0_hwmon5",sensor="fan1"} 200',
    'node_hwmon_humidity{chip="it8728",sensor="humidity1"} 0.45',
    'node_hwmon_power_accuracy{chip="it8728",sensor="power1"} 0.5',
    'node_hwmon_power_average_interval_seconds{chip="it8728",sensor="power1"} 1',
    'node_hwmon_power_average_watt{chip="it8728",sensor="power1"} 12',
    'node_hwmon_pwm{chip="it8728",sensor="pwm1"} 128',
    'node_hwmon_sensor_label{chip="it8728",label="Vcore",sensor="in0"} 1',
    'node_hwmon_temp_celsius{chip="hwmon1",sensor="temp1"} 1',
    'node_hwmon_temp_celsius{chip="it8728",sensor="temp1"} 41',
    'node_hwmon_temp_input_celsius{chip="it8728",sensor="temp1"} 42',
    'node_hwmon_temp_type{chip="it8728",sensor="temp1"} 4',
    'node_hwmon_update_interval_seconds{chip="it8728",sensor="update_interval0"} 0.5',
    'node_hwmon_voltage_regulator_version{chip="it8728",sensor="vrm0"} 9.1',
  ])
  const filtered = await gathered(hwmonCollector, {
    'collector.hwmon.chip-exclude': '^(hwmon1|platform_dual)',
    'collector.hwmon.sensor-include': '^it8728;(fan|vrm)',
  })
  t.same(sampleLines(filtered).sort(), [
    'node_hwmon_chip_names{chip="it8728",chip_name="it8728"} 1',
    'node_hwmon_fan_fault{chip="it8728",sensor="fan1"} 0',
    'node_hwmon_fan_rpm{chip="it8728",sensor="fan1"} 1200',
    'node_hwmon_voltage_regulator_version{chip="it8728",sensor="vrm0"} 9.1',
  ])
  write({ [`${chip}/vrm`]: 'unknown\n', [`${chip}/beep_enable`]: '0\n' })
  const changed = await gathered(hwmonCollector)
  t.notMatch(changed, /voltage_regulator/, 'a vrm that is not a number is left out')
  t.match(changed, /^node_hwmon_beep_enabled\{chip="it8728",sensor="beep_enable0"\} 0$/m)
})

t.test('infiniband, fibrechannel and tapestats: missing attributes and malformed values', async (t) => {
  write({
    'sys/class/infiniband/hfi1_0/ports/1/rate': '100 Gb/sec (4X EDR)\n',
    'sys/class/infiniband/hfi1_0/ports/1/state': '4: ACTIVE\n',
    'sys/class/infiniband/hfi1_0/ports/1/phys_state': '5: LinkUp\n',
  })
  t.same(sampleLines(await gathered(infinibandCollector)).sort(), [
    'node_infiniband_info{board_id="",device="hfi1_0",firmware_version="",hca_type=""} 1',
    'node_infiniband_physical_state_id{device="hfi1_0",port="1"} 5',
    'node_infiniband_rate_bytes_per_second{device="hfi1_0",port="1"} 12500000000',
    'node_infiniband_state_id{device="hfi1_0",port="1"} 4',
  ])
  write({ 'sys/class/infiniband/hfi1_0/ports/1/rate': 'fast\n' })
  await t.rejects(gathered(infinibandCollector), { message: /ports\/1\/rate: "fast" is not "<n> Gb\/sec"/ })
  write({ 'sys/class/fc_host/host7/statistics/rx_frames': '0x10\n' })
  t.same(sampleLines(await gathered(fibrechannelCollector)), [
    'node_fibrechannel_info{dev_loss_tmo="",fabric_name="",fc_host="host7",port_id="",port_name="",port_state="",' +
      'port_type="",speed="",supported_classes="",supported_speeds="",symbolic_name=""} 1',
    'node_fibrechannel_rx_frames_total{fc_host="host7"} 16',
  ])
  write({ 'sys/class/scsi_tape/st1/stats/in_flight': '0\n', 'sys/class/scsi_tape/nst1/stats/in_flight': '0\n' })
  await t.rejects(gathered(tapestatsCollector), {
    message: /ENOENT: no such file or directory, open '.*st1\/stats\/io_ns'/,
  })
  t.equal(await gathered(tapestatsCollector, { 'collector.tapestats.ignored-devices': '^st1$' }), '')
})

t.test('powersupplyclass: temperatures, an ignored supply, unreadable and non-numeric attributes', async (t) => {
  write({
    'sys/class/power_supply/BAT1/temp': '312\n',
    'sys/class/power_supply/BAT1/capacity': 'unknown\n',
    'sys/class/power_supply/BAT1/status': '\n',
    'sys/class/power_supply/ucsi-source-psy-USBC000:001/type': 'USB\n',
  })
  mkdirSync(join(root, 'sys/class/power_supply/BAT1/voltage_now'))
  // Two label sets in one family, as node_exporter gives them.
  await collectAndCompare(
    await powerSupplyCollector.create(systemContext(root)),
    `# HELP node_power_supply_info info of /sys/class/power_supply/<power_supply>.
# TYPE node_power_supply_info gauge
node_power_supply_info{power_supply="BAT1"} 1
node_power_supply_info{power_supply="ucsi-source-psy-USBC000:001",type="USB"} 1
# HELP node_power_supply_temp_celsius temp_celsius value of /sys/class/power_supply/<power_supply>.
# TYPE node_power_supply_temp_celsius gauge
node_power_supply_temp_celsius{power_supply="BAT1"} 31.2
`,
  )
  const flags = { 'collector.powersupply.ignored-supplies': '^ucsi' }
  t.equal(await collectAndCount(await powerSupplyCollector.create(systemContext(root, flags))), 2)
})

t.test('kernel_hung and watchdog (node_exporter 1.12 defaults)', async (t) => {
  write({
    'proc/sys/kernel/hung_task_detect_count': '3\n',
    'sys/class/watchdog/watchdog0/timeout': '30\n',
    'sys/class/watchdog/watchdog0/identity': 'iTCO_wdt\n',
  })
  await collectAndCompare(
    await kernelHungCollector.create(systemContext(root)),
    '# HELP node_kernel_hung_tasks_total Total number of tasks that have been detected as hung since the system ' +
      'booted.\n# TYPE node_kernel_hung_tasks_total counter\nnode_kernel_hung_tasks_total 3\n',
  )
  const watchdog = await watchdogCollector.create(systemContext(root))
  t.equal(await collectAndCount(watchdog, 'node_watchdog_timeout_seconds', 'node_watchdog_info'), 2)
  t.match(await gathered(watchdogCollector), /^node_watchdog_info\{identity="iTCO_wdt",name="watchdog0",options="",/m)
  write({ 'sys/class/watchdog/watchdog0/timeout': 'never\n' })
  await t.rejects(gathered(watchdogCollector), { message: /watchdog0\/timeout: timeout is "never", not a number/ })
})

t.test('edac: labels the firmware set, channels without uncorrectable counts', async (t) => {
  t.equal(dimmLabel('mc#0csrow#1channel#0'), 'mc0_csrow1_channel0')
  t.equal(dimmLabel('CPU_SrcID#0_MC#0_Chan#0_DIMM#0'), 'CPU_SrcID#0_MC#0_Chan#0_DIMM#0')
  const mc = 'sys/devices/system/edac/mc/mc1'
  write({
    [`${mc}/ce_count`]: '0\n',
    [`${mc}/ce_noinfo_count`]: '0\n',
    [`${mc}/ue_count`]: '0\n',
    [`${mc}/ue_noinfo_count`]: '0\n',
    [`${mc}/csrow0/ce_count`]: '1\n',
    [`${mc}/csrow0/ue_count`]: '0\n',
    [`${mc}/csrow0/ch0_ce_count`]: '1\n',
    [`${mc}/dimm0/size`]: '1\n',
  })
  t.match(
    await gathered(edacCollector),
    /^node_edac_channel_correctable_errors_total\{channel="0",controller="1",csrow="0",dimm_label=""\} 1$/m,
  )
  write({ [`${mc}/csrow0/ch0_ue_count`]: 'x\n' })
  await t.rejects(gathered(edacCollector), { message: /ch0_ue_count: the count is "x", not a number/ })
})

t.test('cpu: isolated CPU lists, throttle counts, and /proc/cpuinfo of other machines', async (t) => {
  t.same(parseCpuList('0-2,7,9-10\n'), [0, 1, 2, 7, 9, 10])
  t.same(parseCpuList('\n'), [])
  write({
    'proc/stat': 'cpu0 1 2 3 4 5 6 7 8 9 10\nbtime 1\nctxt 2\nprocesses 3\nintr 4\nprocs_running 5\nprocs_blocked 6\n',
    'sys/devices/system/cpu/cpu0/topology/physical_package_id': '0\n',
    'sys/devices/system/cpu/cpu0/topology/core_id': '0\n',
    'sys/devices/system/cpu/cpu1/topology/core_id': '1\n',
    'sys/devices/system/cpu/cpu2/topology/physical_package_id': '0\n',
    'sys/devices/system/cpu/cpu2/topology/core_id': '1\n',
    'sys/devices/system/cpu/cpu2/thermal_throttle/core_throttle_count': '3\n',
    // An ARM processor: no vendor, no model name, no MHz, no flags.
    'proc/cpuinfo': 'processor\t: 0\nBogoMIPS\t: 48.00\nFeatures\t: fp asimd\n\nprocessor\t: 1\n',
  })
  const text = await gathered(cpuCollector, { 'collector.cpu.info': 'true' })
  t.match(text, /^node_cpu_core_throttles_total\{core="1",package="0"\} 3$/m)
  t.notMatch(text, /package_throttles/, 'no package_throttle_count, no package series')
  t.match(
    text,
    /^node_cpu_info\{cachesize="",core="",cpu="1",family="",microcode="",model="",model_name="",package="",stepping="",vendor=""\} 1$/m,
  )
  t.notMatch(text, /frequency_hertz|flag_info|bug_info/)
  const flagged = await gathered(cpuCollector, {
    'collector.cpu.info': 'true',
    'collector.cpu.info.flags-include': '.',
    'collector.cpu.info.bugs-include': '.',
  })
  t.notMatch(flagged, /flag_info\{|bug_info\{/, 'the first processor has no flags or bugs lines')
  t.notMatch(await gathered(cpuCollector), /node_cpu_info/, 'cpuinfo only with --collector.cpu.info')
})

t.test('cpu (with --collector.cpu.info) and cpufreq both name a family node_cpu_frequency_hertz', async (t) => {
  write({
    'proc/cpuinfo': 'processor\t: 0\ncpu MHz\t\t: 1000.000\n',
    'sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_cur_freq': '1000000\n',
    'sys/devices/system/cpu/cpu0/cpufreq/scaling_governor': 'performance\n',
  })
  t.match(await gathered(cpufreqCollector), /^node_cpu_frequency_hertz\{cpu="0"\} 1000000000$/m)
  const info = await gathered(cpuCollector, { 'collector.cpu.info': 'true' })
  t.match(info, /^node_cpu_frequency_hertz\{core="",cpu="0",package=""\} 1000000000$/m)
  // Together (cpuinfo_cur_freq is readable by root only), the help differs, as in node_exporter, whose gather keeps
  // the first and reports the second: so does promkit's.
  const registry = new Registry()
  registry.register(await cpufreqCollector.create(systemContext(root)))
  registry.register(await cpuCollector.create(systemContext(root, { 'collector.cpu.info': 'true' })))
  const { families, errors } = await registry.gather()
  t.same(
    encode(families, 'text')
      .split('\n')
      .filter((line) => line.startsWith('node_cpu_frequency_hertz')),
    ['node_cpu_frequency_hertz{cpu="0"} 1000000000'],
  )
  t.match(
    errors.map(({ message }) => message),
    [/"node_cpu_frequency_hertz" has help "CPU frequency in hertz from/],
  )
})

t.test("node_exporter's --collector.bcache.priorityStats and its negation are aliases of priority-stats", async (t) => {
  const value = (args: string[]) =>
    parseCommandLine(systemExporter, ['node', 'system_exporter', ...args], {}, () => {}).options?.flags[
      'collector.bcache.priority-stats'
    ]
  t.equal(value(['--collector.bcache.priorityStats']), true)
  t.equal(value(['--collector.bcache.priorityStats', '--no-collector.bcache.priorityStats']), false)
  t.equal(value([]), false)
  t.equal(value(['--collector.bcache.priorityStats=false']), false, 'with a value, as kingpin allows')
})
