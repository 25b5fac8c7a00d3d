// Peers: prometheus-node-exporter
import t from 'tap'
import { type ParsedSample, parseExposition } from '../helpers/exposition-parser.js'
import { get, startExporter } from '../helpers/exporter-process.js'
import { startNodeExporter, systemExporter } from '../helpers/system.js'

// The live machine, read by Debian's node_exporter 1.5 and by ours, side by side.

/** The families of node_exporter's collectors (not the exporter's own, nor the per-collector scrape families). */
const ourCollectors = /^node_(?!exporter_|scrape_collector_)/
/** Label names node_exporter 1.12 added to families 1.5 has, which ours has as 1.12 does. */
const labelsSince15: Record<string, string[]> = { node_disk_info: ['rotational'], node_network_info: ['adminstate'] }
/** Collectors whose series (label sets) must be the same in both. */
const sameSeries =
  /^node_(cpu_seconds_total|memory_|load|network_(receive|transmit)_|filesystem_|boot_time|context_switches|forks|intr|procs_)/

interface Family {
  type: string
  labelNames: string
  series: Set<string>
  samples: ParsedSample[]
}

function families(text: string): Map<string, Family> {
  const parsed = parseExposition(text, 'text')
  const result = new Map<string, Family>()
  for (const [name, type] of parsed.type) {
    const own = parsed.samples.filter((s) => s.name === name)
    const labelNames = [...new Set(own.flatMap((s) => Object.keys(s.labels)))].sort().join(',')
    result.set(name, {
      type,
      labelNames,
      series: new Set(own.map((s) => JSON.stringify(Object.entries(s.labels).sort()))),
      samples: own,
    })
  }
  return result
}

t.test('system_exporter and node_exporter 1.5 agree on the live machine', async (t) => {
  const theirsUrl = await startNodeExporter(t, ['--no-collector.systemd'])
  const ours = await startExporter(t, systemExporter, ['--web.disable-exporter-metrics'])
  const [theirsText, oursText] = await Promise.all([
    fetch(theirsUrl).then((r) => r.text()),
    get(`${ours.base}/metrics`).then((r) => r.text),
  ])
  const theirs = families(theirsText)
  const mine = families(oursText)

  const wanted = [...theirs.keys()].filter((name) => ourCollectors.test(name))
  const covered = wanted.filter((name) => mine.has(name))
  const missing = wanted.filter((name) => !mine.has(name))
  t.comment(
    `node_exporter 1.5's node_* families ours has: ${covered.length}/${wanted.length} = ${((covered.length / wanted.length) * 100).toFixed(1)}%; missing: ${missing.join(', ') || 'none'}`,
  )
  t.ok(covered.length / wanted.length >= 0.98, `${covered.length} of ${wanted.length} node_exporter families`)

  for (const name of covered) {
    const a = mine.get(name) as Family
    const b = theirs.get(name) as Family
    t.equal(a.type, b.type, `${name}: same type`)
    const since15 = labelsSince15[name]
    const theirLabels = [...b.labelNames.split(','), ...(since15 ?? [])].sort().join(',')
    t.equal(a.labelNames, theirLabels, `${name}: same label names${since15 === undefined ? '' : ` and ${since15}`}`)
    if (sameSeries.test(name)) t.same([...a.series].sort(), [...b.series].sort(), `${name}: same series`)
  }
  // Families of node_exporter 1.12 (its netstat default fields and softnet columns) that Debian's 1.5 lacks.
  const since15 =
    /^node_(netstat_TcpExt_(TCPOFOQueue|TCPRcvQDrop)|softnet_(backlog_len|cpu_collision_total|flow_limit_count_total|received_rps_total)|kernel_hung_tasks_total)$/
  const extra = [...mine.keys()].filter((name) => ourCollectors.test(name) && !theirs.has(name) && !since15.test(name))
  t.same(extra, [], 'no family that node_exporter does not have')

  const value = (set: Map<string, Family>, name: string, labels?: Record<string, string>) =>
    set
      .get(name)
      ?.samples.find(
        (s) =>
          labels === undefined ||
          JSON.stringify(Object.entries(s.labels).sort()) === JSON.stringify(Object.entries(labels).sort()),
      )?.value
  t.equal(value(mine, 'node_memory_MemTotal_bytes'), value(theirs, 'node_memory_MemTotal_bytes'), 'MemTotal')
  t.equal(value(mine, 'node_boot_time_seconds'), value(theirs, 'node_boot_time_seconds'), 'boot time')
  const cpus = (set: Map<string, Family>) =>
    new Set(set.get('node_cpu_seconds_total')?.samples.map((s) => s.labels.cpu)).size
  t.equal(cpus(mine), cpus(theirs), `${cpus(mine)} CPUs`)
  for (const sample of theirs.get('node_filesystem_size_bytes')?.samples ?? []) {
    t.equal(
      value(mine, 'node_filesystem_size_bytes', sample.labels),
      sample.value,
      `size of ${sample.labels.mountpoint}`,
    )
  }
  t.same(mine.get('node_uname_info')?.samples[0]?.labels, theirs.get('node_uname_info')?.samples[0]?.labels, 'uname')
  t.same(mine.get('node_os_info')?.samples[0]?.labels, theirs.get('node_os_info')?.samples[0]?.labels, 'os-release')
})
