// Peers: promtool
// The system exporter on node_exporter's own fixture tree (test/fixtures/node-exporter), run as node_exporter's
// end-to-end test runs: every family of the default collectors in node_exporter 1.12.1's end-to-end output is equal.
import { readFileSync } from 'node:fs'
import t from 'tap'
import { get, startExporter } from '../helpers/exporter-process.js'
import { comparableFamilies } from '../helpers/exposition-parser.js'
import { promtoolCheckMetrics } from '../helpers/promtool.js'
import { systemExporter } from '../helpers/system.js'

const tree = new URL('../fixtures/node-exporter/', import.meta.url).pathname
const textfiles = new URL('../fixtures/textfile/two_metric_files/', import.meta.url).pathname

/** The lines node_exporter's end-to-end test drops before comparing: they change from run to run. */
const ignored =
  /^(go_|node_exporter_build_info|node_scrape_collector_duration_seconds|process_|node_textfile_mtime_seconds|node_time_(zone|seconds)|node_network_(receive|transmit)_(bytes|packets)_total)/

/**
 * Families of the collectors node_exporter's end-to-end test enables besides the defaults (buddyinfo, cgroups,
 * cpu_vulnerabilities, drbd, interrupts, ksmd, lnstat, meminfo_numa, mountstats, processes, qdisc, slabinfo, softirqs,
 * sysctl, wifi, xfrm, zoneinfo; stat's --collector.stat.softirq), of three of those 1.12 enables that 1.5 did not
 * (bcachefs, dmmultipath, pcidevice: its other two, kernel_hung and watchdog, are compared), of node_exporter's own
 * handler, node_scrape_collector_success,
 * which lists each exporter's own collectors, and netdev's: node_exporter 1.12 read those over netlink from the live
 * machine's `lo` (its fixture tree has no /proc/net/dev), not from the tree.
 */
const notDefault =
  /^(node_(buddyinfo|cgroups|cpu_vulnerabilities|drbd|interrupts|ksmd|lnstat|memory_numa|mountstats|processes|qdisc|slabinfo|softirqs|sysctl|wifi|xfrm|zoneinfo|bcachefs|dmmultipath|pcidevice)_|node_scrape_|promhttp_|node_network_(receive|transmit)_(?!queue_length))/

t.test("node_exporter's fixture tree gives node_exporter's end-to-end output", async (t) => {
  const exporter = await startExporter(t, systemExporter, [
    '--path.procfs',
    `${tree}proc`,
    '--path.sysfs',
    `${tree}sys`,
    '--path.udev.data',
    `${tree}udev/data`,
    '--path.rootfs',
    tree,
    // node_exporter's end-to-end test leaves these out: they read the live system.
    '--no-collector.selinux',
    '--no-collector.filesystem',
    '--no-collector.timex',
    '--no-collector.uname',
    '--no-collector.netdev',
    '--collector.arp.device-exclude=nope',
    '--no-collector.arp.netlink',
    '--collector.bcache.priorityStats',
    '--collector.cpu.info',
    '--collector.cpu.info.bugs-include=^(cpu_meltdown|spectre_.*|mds)$',
    '--collector.cpu.info.flags-include=^(aes|avx.?|constant_tsc)$',
    '--collector.hwmon.chip-include=(applesmc|asus_nb_wmi|coretemp|hwmon4|ieee80211|nct6779)',
    '--collector.netclass.ignored-devices=(dmz|int)',
    '--collector.netclass.ignore-invalid-speed',
    '--collector.netdev.device-include=lo',
    `--collector.textfile.directory=${textfiles}`,
  ])
  const text = (await get(`${exporter.base}/metrics`)).text
  const recorded = readFileSync(`${tree}e2e-output.txt`, 'utf8')
    // It ran from node_exporter's repository: the paths in RAPL's labels and the textfile help are relative.
    .replaceAll('collector/fixtures/sys/', `${tree}sys/`)
    .replaceAll('collector/fixtures/textfile/two_metric_files/', textfiles)
    .split('\n')
    .filter((line) => !ignored.test(line))
    .join('\n')
  const expected = comparableFamilies(recorded, (name) => !notDefault.test(name)).filter(
    ({ metrics }) => metrics.length > 0,
  )
  const ours = new Map(comparableFamilies(text).map((family) => [family.name, JSON.stringify(family)]))
  const differing = expected.filter((family) => ours.get(family.name) !== JSON.stringify(family))
  t.same(
    differing.map(({ name }) => name),
    [],
    'every family equal: help, type, label sets and values',
  )
  t.equal(expected.length, 750, 'of all the default collectors')
  const samples = (families: typeof expected) => families.reduce((sum, { metrics }) => sum + metrics.length, 0)
  t.comment(
    `${expected.length - differing.length} of ${expected.length} families equal; ` +
      `${samples(expected) - samples(differing)} of ${samples(expected)} series in them`,
  )
  t.match(text, /^node_scrape_collector_success\{collector="netstat"\} 1$/m)
  t.notMatch(text, /^node_scrape_collector_success\{.*\} 0$/m, 'every collector succeeds on the tree')
  // promtool finds in ours only what it finds in node_exporter's own names (camelCase netstat fields, …).
  const findings = (exposition: string) => new Set(promtoolCheckMetrics(exposition).stderr.trim().split('\n'))
  const theirs = findings(readFileSync(`${tree}e2e-output.txt`, 'utf8'))
  t.same(
    [...findings(text)].filter((finding) => !theirs.has(finding)),
    [],
    'no finding of our own',
  )
})
