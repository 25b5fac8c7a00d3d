// Peers: promtool
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { statfs } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { expectLog, get, runToExit, samples, startExporter } from '../helpers/exporter-process.js'
import { promtoolCheckMetrics } from '../helpers/promtool.js'
import { pathArgs, systemExporter } from '../helpers/system.js'

const fixture = new URL('../fixtures/system', import.meta.url).pathname
const golden = readFileSync(new URL('../golden/system.txt', import.meta.url), 'utf8')

/** Families whose values depend on the machine or the clock, not on the fixture: checked separately. */
const varying =
  /^node_(exporter_.*|scrape_collector_duration_seconds|time_seconds|time_zone_offset_seconds|timex_.*|filesystem_(size_bytes|free_bytes|avail_bytes|files|files_free))$/

function withoutVarying(text: string): string {
  return text
    .split('\n')
    .filter((line) => {
      const name = line.startsWith('# ') ? line.split(' ')[2] : /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0]
      return name === undefined || !varying.test(name)
    })
    .join('\n')
}

t.test('a recorded /proc and /sys tree gives exactly the golden exposition', async (t) => {
  const exporter = await startExporter(t, systemExporter, [...pathArgs(fixture), '--web.disable-exporter-metrics'])
  const text = (await get(`${exporter.base}/metrics`)).text
  t.equal(withoutVarying(text), golden)
  // promtool's only findings are node_exporter's own names (camelCase meminfo and netstat fields, entropy in bits),
  // kept so dashboards work.
  const lint = promtoolCheckMetrics(text)
  t.equal(lint.status, 3)
  t.same(
    lint.stderr.trim().split('\n').sort(),
    [
      ...['node_entropy_available_bits', 'node_entropy_pool_size_bits'].map(
        (name) => `${name} use base unit "bytes" instead of "bits"`,
      ),
      ...['HugePages_Total', 'MemAvailable_bytes', 'MemFree_bytes', 'MemTotal_bytes'].map(
        (field) => `node_memory_${field} metric names should be written in 'snake_case' not 'camelCase'`,
      ),
      ...[...new Set(samples(text, 'node_netstat_').map((line) => line.split(' ')[0] as string))]
        .filter((name) => /[a-z][A-Z]/.test(name))
        .map((name) => `${name} metric names should be written in 'snake_case' not 'camelCase'`),
    ].sort(),
  )
  const root = await statfs(join(fixture, 'root'))
  t.same(
    samples(text, 'node_filesystem_size_bytes', 'node_filesystem_files{'),
    [
      `node_filesystem_files{device="/dev/vda1",fstype="ext4",mountpoint="/"} ${root.files}`,
      `node_filesystem_size_bytes{device="/dev/vda1",fstype="ext4",mountpoint="/"} ${root.blocks * root.bsize}`,
    ],
    "filesystem figures are statfs' own for the mount under --path.rootfs",
  )
  t.match(
    samples(text, 'node_time_zone_offset_seconds')[0],
    /^node_time_zone_offset_seconds\{time_zone="[^"]+"\} -?\d+$/,
    'a time zone and its offset',
  )
  const seconds = Number(samples(text, 'node_time_seconds')[0]?.split(' ')[1])
  t.ok(Math.abs(seconds - Date.now() / 1000) < 60, 'node_time_seconds is now')
})

t.test('a malformed /proc file fails that collector alone, with a logged reason', async (t) => {
  const broken = mkdtempSync(join(tmpdir(), 'promkit-system-'))
  t.teardown(() => rmSync(broken, { recursive: true, force: true }))
  cpSync(fixture, broken, { recursive: true })
  writeFileSync(join(broken, 'proc', 'loadavg'), 'garbage\n')
  writeFileSync(join(broken, 'proc', 'meminfo'), 'MemTotal:\n')
  writeFileSync(join(broken, 'proc', 'net', 'dev'), 'truncated')
  rmSync(join(broken, 'proc', 'pressure'), { recursive: true })
  const exporter = await startExporter(t, systemExporter, [...pathArgs(broken), '--log.level', 'debug'])
  const text = (await get(`${exporter.base}/metrics`)).text
  t.same(
    samples(
      text,
      'node_scrape_collector_success{collector="loadavg"}',
      'node_scrape_collector_success{collector="meminfo"}',
      'node_scrape_collector_success{collector="netdev"}',
      'node_scrape_collector_success{collector="pressure"}',
      'node_scrape_collector_success{collector="cpu"}',
    ),
    [
      'node_scrape_collector_success{collector="cpu"} 1',
      'node_scrape_collector_success{collector="loadavg"} 0',
      'node_scrape_collector_success{collector="meminfo"} 0',
      'node_scrape_collector_success{collector="netdev"} 0',
      'node_scrape_collector_success{collector="pressure"} 1',
    ],
  )
  t.equal(samples(text, 'node_load', 'node_memory_', 'node_network_', 'node_pressure_').length, 0)
  t.equal(samples(text, 'node_cpu_seconds_total').length, 16, 'the other collectors still serve')
  await expectLog(t, exporter, /collector=netdev code=PROMKIT_ERR_COLLECT_FAILED/)
  await expectLog(t, exporter, /collector=meminfo code=PROMKIT_ERR_COLLECT_FAILED/)
  const log = exporter.stderr()
  t.match(
    log,
    /collector=loadavg code=PROMKIT_ERR_COLLECT_FAILED occurrences=1 msg="loadavg: collect\(\) failed: couldn't parse \/proc\/loadavg: want at least 3 fields, got \\"garbage\\""/,
  )
  t.match(
    log,
    /collector=meminfo code=PROMKIT_ERR_COLLECT_FAILED occurrences=1 msg="meminfo: collect\(\) failed: couldn't parse \/proc\/meminfo: MemTotal is undefined, not a number"/,
  )
  t.match(
    log,
    /collector=netdev code=PROMKIT_ERR_COLLECT_FAILED occurrences=1 msg="netdev: collect\(\) failed: couldn't parse \/proc\/net\/dev: the second line is not the \\"face \|receive\|transmit\\" header"/,
  )
  t.match(
    log,
    /level=debug ts=\S+ collector=pressure resource=cpu msg="no \/proc\/pressure: the kernel has no PSI; the pressure collector has no data"/,
    'no data is not an error',
  )
})

t.test('device filters and collector toggles', async (t) => {
  const only = await startExporter(t, systemExporter, [
    ...pathArgs(fixture),
    '--collector.disable-defaults',
    '--collector.netdev',
    '--collector.netdev.device-include',
    '^lo$',
  ])
  const text = (await get(`${only.base}/metrics`)).text
  t.same(samples(text, 'node_network_receive_bytes_total', 'node_scrape_collector_success'), [
    'node_network_receive_bytes_total{device="lo"} 100',
    'node_scrape_collector_success{collector="netdev"} 1',
  ])
  const disks = await startExporter(t, systemExporter, [
    ...pathArgs(fixture),
    '--collector.disable-defaults',
    '--collector.diskstats',
    '--collector.diskstats.device-exclude',
    '^loop',
  ])
  t.same(samples((await get(`${disks.base}/metrics`)).text, 'node_disk_reads_completed_total'), [
    'node_disk_reads_completed_total{device="vda"} 47480',
    'node_disk_reads_completed_total{device="vda1"} 100',
  ])
  const both = await runToExit(systemExporter, [
    ...pathArgs(fixture),
    '--collector.netdev.device-include',
    'a',
    '--collector.netdev.device-exclude',
    'b',
  ])
  t.same(
    [both.code, both.stderr],
    [
      1,
      "system_exporter: option '--collector.netdev.device-include' cannot be used with option '--collector.netdev.device-exclude'\n",
    ],
  )
  const bad = await runToExit(systemExporter, [...pathArgs(fixture), '--collector.diskstats.device-include', '('])
  t.same(
    [bad.code, bad.stderr],
    [
      1,
      'system_exporter: --collector.diskstats.device-include: "(" is not a valid regular expression: Invalid regular expression: /(/: Unterminated group\n',
    ],
  )
  const fields = await runToExit(systemExporter, [...pathArgs(fixture), '--collector.vmstat.fields', '['])
  t.same(
    [fields.code, fields.stderr],
    [
      1,
      'system_exporter: --collector.vmstat.fields: "[" is not a valid regular expression: Invalid regular expression: /[/: Unterminated character class\n',
    ],
  )
})

t.test('npm start serves the system exporter on :9100, as README says', async (t) => {
  const script = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).scripts
    .start as string
  t.equal(script, 'node collectors/system/dist/main.js')
  const exporter = await startExporter(t, systemExporter, [], { defaultAddress: 9100 })
  await expectLog(t, exporter, /system_exporter listening on :9100, metrics at \/metrics/)
  const text = (await get('http://localhost:9100/metrics')).text
  t.ok(
    samples(text, 'node_cpu_seconds_total{cpu="0",mode="idle"}').length === 1 &&
      samples(text, 'node_memory_MemTotal_bytes').length === 1,
    'real host metrics',
  )
})
