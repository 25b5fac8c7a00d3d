// Peers: promtool
// The system exporter on node_exporter's own fixture tree (test/fixtures/node-exporter): the families of the
// collectors that read it equal node_exporter 1.12.1's end-to-end output for the same tree.
import { readFileSync } from 'node:fs'
import t from 'tap'
import { get, startExporter } from '../helpers/exporter-process.js'
import { comparableFamilies } from '../helpers/exposition-parser.js'
import { promtoolCheckMetrics } from '../helpers/promtool.js'
import { systemExporter } from '../helpers/system.js'

const tree = new URL('../fixtures/node-exporter/', import.meta.url).pathname
const collectors = [
  'netstat',
  'sockstat',
  'softnet',
  'entropy',
  'conntrack',
  'udp_queues',
  'arp',
  'schedstat',
  'thermal_zone',
  'dmi',
  'bonding',
  'netclass',
  'cpufreq',
  'mdadm',
  'nvme',
  'rapl',
]
const families =
  /^node_(netstat|sockstat|softnet|entropy|nf_conntrack|udp_queues|arp|schedstat|thermal_zone|cooling_device|dmi|bonding|rapl)_/

/** The families of these collectors, as comparable data. */
const comparable = (text: string) => comparableFamilies(text, (name) => families.test(name))

t.test("node_exporter's fixture tree gives node_exporter's end-to-end output for these collectors", async (t) => {
  const exporter = await startExporter(t, systemExporter, [
    '--path.procfs',
    `${tree}proc`,
    '--path.sysfs',
    `${tree}sys`,
    '--collector.disable-defaults',
    ...collectors.map((name) => `--collector.${name}`),
    '--collector.arp.device-exclude=nope',
    '--no-collector.arp.netlink',
    '--collector.netclass.ignored-devices=(dmz|int)',
    '--collector.netclass.ignore-invalid-speed',
  ])
  const text = (await get(`${exporter.base}/metrics`)).text
  // node_exporter's end-to-end test ran from its repository with --path.sysfs=collector/fixtures/sys: RAPL's path label.
  const expected = comparable(
    readFileSync(`${tree}expected.prom`, 'utf8').replaceAll('collector/fixtures/sys/', `${tree}sys/`),
  )
  t.same(
    comparable(text).map(({ name }) => name),
    expected.map(({ name }) => name),
    'the same families',
  )
  t.same(comparable(text), expected, 'with the same help, types, labels and values')
  t.match(text, /^node_scrape_collector_success\{collector="netstat"\} 1$/m)
  // promtool's findings are those of node_exporter's own names (camelCase netstat fields, entropy in bits), no more.
  const findings = (exposition: string) => promtoolCheckMetrics(exposition).stderr.trim().split('\n').sort()
  t.same(findings(text), findings(readFileSync(`${tree}expected.prom`, 'utf8')))
})
