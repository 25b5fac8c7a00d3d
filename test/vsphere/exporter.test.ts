// Peers: go govmomi openssl promtool
// vsphere_exporter against govmomi's vcsim: parity with vmware_exporter 0.18.4's recorded answer for the same
// inventory, the round trips one scrape costs, one session across scrapes, and what a wrong password, an expired
// session, a vCenter killed mid-scrape, TLS and overlapping scrapes do.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { makeCertificates } from '../helpers/certificates.js'
import { expectLog, get, runToExit, secret, startExporter } from '../helpers/exporter-process.js'
import { familiesOf, parseExposition } from '../helpers/exposition-parser.js'
import { promtoolCheckMetrics } from '../helpers/promtool.js'
import { launchVcsim, startCountingProxy, startVcsim, vcsimUser, vsphereExporterBin } from '../helpers/vsphere.js'

const reference = readFileSync(
  new URL('../fixtures/vsphere/vmware_exporter-0.18.4-vcsim.prom', import.meta.url),
  'utf8',
)
const password = secret('vcsim-password-51c0e9')
const dir = mkdtempSync(join(tmpdir(), 'promkit-vsphere-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

/** The environment vmware_exporter's deployments set, for vCenter at `url`. */
const vmwareEnvironment = (url: string, extra: NodeJS.ProcessEnv = {}) => ({
  VSPHERE_HOST: url,
  VSPHERE_USER: vcsimUser,
  VSPHERE_PASSWORD: password,
  ...extra,
})

/** The value of the only sample of `name` (with `labels` among its labels), or undefined. */
function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  return parseExposition(text, 'text').samples.find(
    (sample) => sample.name === name && Object.entries(labels).every(([key, label]) => sample.labels[key] === label),
  )?.value
}

/** Families vmware_exporter declares but writes no series of against vcsim's default inventory. */
const emptyInReference = [
  'vmware_vm_boot_timestamp_seconds',
  'vmware_vm_guest_disk_free',
  'vmware_vm_guest_disk_capacity',
  'vmware_vm_guest_tools_version_status',
  'vmware_host_sensor_fan',
  'vmware_host_sensor_temperature',
  'vmware_host_sensor_power_voltage',
  'vmware_host_sensor_power_current',
  'vmware_host_sensor_power_watt',
  'vmware_host_sensor_redundancy',
  'vmware_vm_snapshots',
  'vmware_vm_snapshot_timestamp_seconds',
]

/** Families whose values differ from run to run: vcsim's free space, boot times and performance samples. */
const varying =
  /^vmware_(datastore_(freespace|provisoned)_size|host_boot_timestamp_seconds|(vm|host)_(cpu|mem|disk|net)_)/

/** The sensor vmware_exporter loses on every host: its name has a comma, which its sensor serialization splits on. */
const commaSensor = 'VMware, Inc. VMware ESXi 6.0.0 build-3634798 2016-03-07 00:00:00.000'

t.test('the default inventory: vmware_exporter 0.18.4 parity, and one round trip per object type', async (t) => {
  const vcsim = await startVcsim(t, { password })
  const proxy = await startCountingProxy(t, vcsim.address)
  const exporter = await startExporter(t, vsphereExporterBin, [], { env: vmwareEnvironment(proxy.url) })
  await expectLog(t, exporter, /vcenter=127\.0\.0\.1:\d+ msg="vCenter session set up"/)
  t.same(
    proxy.take(),
    { RetrieveServiceContent: 1, Login: 1, CreateContainerView: 5, RetrievePropertiesEx: 1 },
    'at start it logs in, makes one view per object type set and reads the counter table',
  )
  const first = await get(`${exporter.base}/metrics`)
  t.equal(first.status, 200)
  t.equal(value(first.text, 'vsphere_up'), 1, 'vsphere_up 1')
  t.same(
    proxy.take(),
    { RetrievePropertiesEx: 5, QueryPerf: 2 },
    'the first scrape reads each type once, and the performance of VMs and of hosts in one query each',
  )
  const second = await get(`${exporter.base}/metrics`)
  t.same(proxy.take(), { RetrievePropertiesEx: 5, QueryPerf: 2 }, 'a later scrape reuses the session and views')
  t.equal(value(second.text, 'vsphere_logins_total'), 1, 'one login for both scrapes')
  const lint = promtoolCheckMetrics(second.text)
  const findings = `${lint.stdout}${lint.stderr}`.split('\n').filter((line) => line !== '')
  t.equal(lint.status, 3, 'promtool parses it, with lint findings')
  t.same(
    findings.filter(
      (line) => !/^vmware_\w+ metric names should be written in 'snake_case' not 'camelCase'$/.test(line),
    ),
    [],
    "promtool's only findings are the camelCase counter names vmware_exporter chose, kept for its dashboards",
  )
  t.equal(findings.length, 15)

  const theirs = familiesOf(reference, 'vmware_')
  const ours = familiesOf(second.text, 'vmware_')
  t.same(
    [...theirs.keys()].filter((name) => !ours.has(name)),
    emptyInReference,
    'only the families without series in the reference are absent (promkit writes no empty family)',
  )
  for (const name of emptyInReference) t.same(theirs.get(name)?.samples, [], `${name} has no series in the reference`)
  t.same(
    [...ours.keys()].filter((name) => !theirs.has(name)).sort(),
    [
      'vmware_cluster_cpu_effective_hertz',
      'vmware_cluster_cpu_total_hertz',
      'vmware_cluster_drs_enabled',
      'vmware_cluster_effective_hosts',
      'vmware_cluster_hosts',
      'vmware_cluster_memory_effective_bytes',
      'vmware_cluster_memory_total_bytes',
      'vmware_cluster_overall_status',
      'vmware_vm_info',
    ],
    'what vmware_exporter lacks: clusters and the VM info',
  )
  const key = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort())
  for (const [name, family] of theirs) {
    const own = ours.get(name)
    if (own === undefined) continue
    t.equal(own.type, family.type, `${name}: type`)
    t.equal(own.labelNames, family.labelNames, `${name}: label names`)
    const ownSeries = new Map(own.samples.map((sample) => [key(sample.labels), sample.value]))
    const extra = name === 'vmware_host_sensor_state' ? 4 : 0
    t.equal(own.samples.length, family.samples.length + extra, `${name}: series`)
    if (varying.test(name)) {
      for (const sample of own.samples) t.ok(Number.isFinite(sample.value) && sample.value >= 0, `${name}: a value`)
      continue
    }
    const differing = family.samples.filter((sample) => ownSeries.get(key(sample.labels)) !== sample.value)
    t.same(differing, [], `${name}: the same values`)
  }
  const sensors = ours.get('vmware_host_sensor_state')?.samples.filter((sample) => sample.labels.name === commaSensor)
  t.equal(sensors?.length, 4, 'the sensor with a comma in its name is kept on every host')

  t.equal(value(second.text, 'vmware_cluster_cpu_total_hertz'), 6882e6, 'cluster CPU in hertz')
  t.equal(value(second.text, 'vmware_cluster_memory_total_bytes'), 12883292160)
  t.equal(value(second.text, 'vmware_cluster_hosts'), 3)
  t.equal(value(second.text, 'vmware_cluster_overall_status'), 2, 'green')
  t.equal(value(second.text, 'vmware_cluster_drs_enabled'), 1)
  t.equal(
    value(second.text, 'vmware_vm_info', { vm_name: 'DC0_H0_VM0', host_name: 'DC0_H0', power_state: 'poweredOn' }),
    1,
    "the seed's VM info",
  )
  for (const section of ['vsphere', 'vms', 'vmguests', 'snapshots', 'datastores', 'hosts', 'clusters'])
    t.equal(value(second.text, 'vsphere_scrape_collector_success', { collector: section }), 1, `${section} succeeded`)

  exporter.child.kill('SIGTERM')
  await exporter.exited
  t.same(proxy.take(), { Logout: 1 }, 'the session is logged out at shutdown')
})

t.test('a large inventory: 2,000 VMs on 50 hosts, every one read and labelled once', async (t) => {
  const vcsim = await startVcsim(t, { password, standaloneHosts: 50, clusters: 0, vms: 40 })
  const exporter = await startExporter(t, vsphereExporterBin, ['--vsphere.page-size', '500'], {
    env: vmwareEnvironment(vcsim.url),
  })
  const { text } = await get(`${exporter.base}/metrics`, { headers: { 'x-prometheus-scrape-timeout-seconds': '60' } })
  t.equal(value(text, 'vsphere_up'), 1)
  t.equal(value(text, 'vsphere_objects', { type: 'VirtualMachine' }), 2000)
  t.equal(value(text, 'vsphere_objects', { type: 'HostSystem' }), 50)
  const families = familiesOf(text, 'vmware_')
  const count = (name: string) => families.get(name)?.samples.length
  t.equal(count('vmware_vm_power_state'), 2000, 'a power state per VM')
  t.equal(count('vmware_vm_cpu_ready_summation'), 2000, 'a performance sample per powered-on VM')
  t.equal(count('vmware_host_cpu_ready_summation'), 50, 'and per host')
  const names = new Set(families.get('vmware_vm_num_cpu')?.samples.map((sample) => sample.labels.vm_name))
  t.equal(names.size, 2000, 'every VM by its own name')
})

t.test("vmware_exporter's section switches, and host:port", async (t) => {
  const vcsim = await startVcsim(t, { password })
  const env = vmwareEnvironment(vcsim.address.replace(/^/, 'http://'), {
    VSPHERE_COLLECT_VMS: 'False',
    VSPHERE_COLLECT_SNAPSHOTS: 'false',
    VSPHERE_COLLECT_CLUSTERS: 'false',
  })
  const exporter = await startExporter(t, vsphereExporterBin, [], { env })
  const { text } = await get(`${exporter.base}/metrics`)
  t.equal(value(text, 'vsphere_up'), 1)
  const families = [...parseExposition(text, 'text').type.keys()].filter((name) => name.startsWith('vmware_'))
  t.notOk(
    families.some((name) => /^vmware_(vm_(power|num|memory|info|cpu|snapshot)|cluster_)/.test(name)),
    'no vms, snapshots or clusters families',
  )
  t.ok(families.includes('vmware_vm_guest_tools_version'), 'vmguests still read')
  t.ok(families.includes('vmware_host_cpu_ready_summation'), 'hosts with their perf counters')
  t.notOk(value(text, 'vsphere_scrape_collector_success', { collector: 'vms' }) !== undefined, 'no vms collector')
})

t.test('a wrong password: said at start, vsphere_up 0, one login per scrape, no password logged', async (t) => {
  const vcsim = await startVcsim(t, { password })
  const proxy = await startCountingProxy(t, vcsim.address)
  const env = { ...vmwareEnvironment(proxy.url), VSPHERE_PASSWORD: secret('wrong-password-77ab31') }
  const exporter = await startExporter(t, vsphereExporterBin, [], { env })
  await expectLog(
    t,
    exporter,
    new RegExp(
      'level=warn ts=\\S+ collector=vsphere vcenter=127\\.0\\.0\\.1:\\d+ err="vCenter at 127\\.0\\.0\\.1:\\d+: login ' +
        'as .*refused: Login failure" msg="cannot set up the vCenter session; each scrape tries again"',
    ),
  )
  t.same(proxy.take(), { RetrieveServiceContent: 1, Login: 1 }, 'one failed login at start')
  const answer = await get(`${exporter.base}/metrics`)
  t.equal(answer.status, 200, 'the scrape still answers')
  t.equal(value(answer.text, 'vsphere_up'), 0)
  t.equal(value(answer.text, 'vsphere_scrape_collector_success', { collector: 'vms' }), 0)
  t.same(proxy.take(), { RetrieveServiceContent: 1, Login: 1 }, 'one failed login in the scrape, nothing after it')
  await expectLog(t, exporter, /part=inventory err="vCenter at .*refused: Login failure" msg="cannot read vCenter"/)
})

t.test('an expired session is logged in again', async (t) => {
  const vcsim = await startVcsim(t, { password, idleTimeout: '1s' })
  const exporter = await startExporter(t, vsphereExporterBin, [], { env: vmwareEnvironment(vcsim.url) })
  t.equal(value((await get(`${exporter.base}/metrics`)).text, 'vsphere_up'), 1)
  await new Promise((resolve) => setTimeout(resolve, 2500))
  const later = await get(`${exporter.base}/metrics`)
  t.equal(value(later.text, 'vsphere_up'), 1, 'read after logging in again')
  t.equal(value(later.text, 'vsphere_logins_total'), 2, 'a second login')
})

t.test('vCenter killed mid-scrape: 200 with vsphere_up 0, then it recovers by itself', async (t) => {
  const slow = { method: 'QueryPerf', ms: 1500 }
  const vcsim = await launchVcsim({ password, slowMethod: slow })
  const exporter = await startExporter(t, vsphereExporterBin, [], { env: vmwareEnvironment(vcsim.url) })
  const scrape = get(`${exporter.base}/metrics`)
  await new Promise((resolve) => setTimeout(resolve, 700))
  await vcsim.kill()
  const killed = await scrape
  t.equal(killed.status, 200)
  t.equal(value(killed.text, 'vsphere_up'), 0)
  t.equal(value(killed.text, 'vsphere_objects', { type: 'VirtualMachine' }), 4, 'what was read before is served')
  const down = await get(`${exporter.base}/metrics`)
  t.equal(value(down.text, 'vsphere_up'), 0, 'down while vCenter is')
  await expectLog(t, exporter, /part=inventory err="vCenter at 127\.0\.0\.1:\d+: connect ECONNREFUSED/)
  const again = await launchVcsim({ password, listen: vcsim.address })
  t.teardown(again.stop)
  const back = await get(`${exporter.base}/metrics`)
  t.equal(value(back.text, 'vsphere_up'), 1, 'up again once vCenter is')
  t.equal(value(back.text, 'vsphere_logins_total'), 2, 'in a new session')
})

t.test("TLS: vCenter's certificate checked against a CA, unchecked, or refused", async (t) => {
  const certificates = makeCertificates(dir)
  const tls = { cert: join(dir, 'server.crt'), key: join(dir, 'server.key') }
  const vcsim = await startVcsim(t, { password, tls })
  const scrape = async (args: string[]) => {
    const exporter = await startExporter(t, vsphereExporterBin, args, { env: vmwareEnvironment(vcsim.url) })
    return { exporter, text: (await get(`${exporter.base}/metrics`)).text }
  }
  t.equal(value((await scrape(['--vsphere.ca-file', certificates.caCert])).text, 'vsphere_up'), 1, 'with its CA')
  t.equal(value((await scrape(['--vsphere.ignore-ssl'])).text, 'vsphere_up'), 1, 'unchecked')
  const refused = await scrape([])
  t.equal(value(refused.text, 'vsphere_up'), 0, 'refused without its CA')
  await expectLog(
    t,
    refused.exporter,
    /its certificate is not signed by a trusted CA \(set the CA file, or skip verification\)/,
  )
})

t.test('overlapping scrapes share one read of vCenter', async (t) => {
  const vcsim = await startVcsim(t, { password, slowMethod: { method: 'QueryPerf', ms: 800 } })
  const proxy = await startCountingProxy(t, vcsim.address)
  const exporter = await startExporter(t, vsphereExporterBin, [], { env: vmwareEnvironment(proxy.url) })
  const first = get(`${exporter.base}/metrics`)
  await new Promise((resolve) => setTimeout(resolve, 300))
  const answers = await Promise.all([first, get(`${exporter.base}/metrics`)])
  for (const answer of answers) t.equal(value(answer.text, 'vsphere_up'), 1)
  const calls = proxy.take()
  t.equal(calls.RetrievePropertiesEx, 6, 'each object type read once for both scrapes')
  t.equal(calls.QueryPerf, 2, 'one performance query of VMs and one of hosts for both')
})

t.test('multi-target: ?target= for an allowed vCenter, with the same user', async (t) => {
  const vcsim = await startVcsim(t, { password })
  const args = ['--web.allowed-targets', '127.0.0.1:*']
  const exporter = await startExporter(t, vsphereExporterBin, args, {
    env: { VSPHERE_USER: vcsimUser, VSPHERE_PASSWORD: password },
  })
  const metrics = await get(`${exporter.base}/metrics`)
  t.equal(value(metrics.text, 'vsphere_up'), undefined, 'no vCenter of its own without VSPHERE_HOST')
  const target = await get(`${exporter.base}/scrape?target=${encodeURIComponent(vcsim.url)}`)
  t.equal(target.status, 200)
  t.equal(value(target.text, 'vsphere_up'), 1)
  t.equal(value(target.text, 'vmware_host_num_cpu', { host_name: 'DC0_H0' }), 2)
  const again = await get(`${exporter.base}/scrape?target=${encodeURIComponent(vcsim.url)}`)
  t.equal(value(again.text, 'vsphere_logins_total'), 1, 'the session is kept for the target')
  const bad = await get(`${exporter.base}/scrape?target=${encodeURIComponent('http://127.0.0.1:1/other')}`)
  t.equal(bad.status, 400)
  t.match(bad.text, 'target: "http://127.0.0.1:1/other" has a path other than /sdk')
  const refused = await get(`${exporter.base}/scrape?target=vc.example.com`)
  t.equal(refused.status, 400)
  t.match(refused.text, 'is not allowed')
})

t.test("vmware_exporter's config file: the default section at /metrics, others by ?section=", async (t) => {
  const vcsim = await startVcsim(t, { password })
  const config = join(dir, 'config.yml')
  writeFileSync(
    config,
    [
      'default:',
      `  vsphere_host: "${vcsim.url}"`,
      `  vsphere_user: "${vcsimUser}"`,
      `  vsphere_password: "${password}"`,
      '  ignore_ssl: false',
      "  specs_size: '100'",
      '  fetch_tags: false',
      '  collect_only:',
      '    vms: false',
      '    snapshots: False',
      'lab:',
      `  vsphere_user: "${vcsimUser}"`,
      `  vsphere_password: "${password}"`,
      '  collect_only: { vms: false, vmguests: false, snapshots: false, hosts: false, clusters: false }',
      'wrong:',
      `  vsphere_user: "${vcsimUser}"`,
      '  vsphere_password: nope',
      '',
    ].join('\n'),
  )
  const exporter = await startExporter(t, vsphereExporterBin, [
    '--config',
    config,
    '--web.allowed-targets',
    '127.0.0.1:*',
  ])
  const families = (text: string) => [
    ...new Set(
      parseExposition(text, 'text')
        .samples.map((sample) => sample.name)
        .filter((name) => name.startsWith('vmware_'))
        .map((name) => name.split('_').slice(0, 2).join('_')),
    ),
  ]
  const own = await get(`${exporter.base}/metrics`)
  t.equal(value(own.text, 'vsphere_up'), 1, "the default section's vCenter at /metrics")
  t.same(families(own.text).sort(), ['vmware_cluster', 'vmware_datastore', 'vmware_host', 'vmware_vm'])
  t.equal(value(own.text, 'vmware_vm_power_state'), undefined, 'collect_only.vms: false')
  t.ok(value(own.text, 'vmware_vm_guest_tools_version') !== undefined, 'vmguests on')
  const target = encodeURIComponent(vcsim.url)
  const lab = await get(`${exporter.base}/scrape?target=${target}&section=lab`)
  t.equal(value(lab.text, 'vsphere_up'), 1)
  t.same(families(lab.text), ['vmware_datastore'], "the lab section's collect_only")
  t.same(
    parseExposition(lab.text, 'text')
      .samples.filter((sample) => sample.name === 'vsphere_scrape_collector_success')
      .map((sample) => sample.labels.collector),
    ['datastores', 'vsphere'],
    "only the section's collectors run",
  )
  const wrong = await get(`${exporter.base}/scrape?target=${target}&section=wrong`)
  t.equal(value(wrong.text, 'vsphere_up'), 0, "a section's own credentials")
  const unknown = await get(`${exporter.base}/scrape?target=${target}&section=prod`)
  t.equal(unknown.status, 400)
  t.match(unknown.text, 'section "prod" is not in the config file (it has default, lab, wrong)')
})

t.test('?section= without a config file, and config files that cannot work', async (t) => {
  const vcsim = await startVcsim(t, { password })
  const target = `${encodeURIComponent(vcsim.url)}&section=lab`
  const plain = await startExporter(t, vsphereExporterBin, ['--web.allowed-targets', '127.0.0.1:*'])
  const answer = await get(`${plain.base}/scrape?target=${target}`)
  t.equal(answer.status, 400)
  t.match(answer.text, '?section=lab needs a config file (--config.file)')
  const hostless = join(dir, 'hostless.yml')
  writeFileSync(hostless, `default:\n  vsphere_user: ${vcsimUser}\n`)
  const configured = await startExporter(t, vsphereExporterBin, [
    '--config.file',
    hostless,
    '--web.allowed-targets',
    '*',
  ])
  t.equal(
    value((await get(`${configured.base}/metrics`)).text, 'vsphere_up'),
    undefined,
    'no host: no vCenter of its own',
  )
  t.match(
    (await get(`${configured.base}/scrape?target=${target}`)).text,
    'section "lab" is not in the config file (it has default)',
  )
  const cases: [string, string][] = [
    ['lab: {}\n', 'default: a default section is required (as vmware_exporter requires)'],
    ['default:\n  vsphere_hots: vc\n', 'default.vsphere_hots: unknown key (known: vsphere_host, vsphere_user,'],
    ['default:\n  fetch_alarms: true\n', 'default.fetch_alarms: is not supported by vsphere_exporter'],
    ['default:\n  specs_size: many\n', 'default.specs_size: must be a whole number of at least 1'],
    ['default:\n  specs_size: [1]\n', 'default.specs_size: must be a whole number of at least 1'],
    ['default:\n  collect_only: { vm: true }\n', 'default.collect_only.vm: unknown key'],
    ['default:\n  vsphere_host: ftp://vc\n', 'default.vsphere_host: "ftp://vc" is not an https URL'],
  ]
  for (const [text, message] of cases) {
    const file = join(dir, 'bad.yml')
    writeFileSync(file, text)
    const { code, stderr } = await runToExit(vsphereExporterBin, ['--config.file', file])
    t.equal(code, 1, message)
    t.match(stderr, message)
  }
})

t.test('bad settings stop the exporter with one line', async (t) => {
  const cases: [string[], NodeJS.ProcessEnv, string][] = [
    [[], { VSPHERE_HOST: 'ftp://vc' }, '--vsphere.host: "ftp://vc" is not an https URL'],
    [
      [],
      { VSPHERE_HOST: 'https://user:pw@vc' },
      'give the user and password with --vsphere.user and $VSPHERE_PASSWORD',
    ],
    [[], { VSPHERE_HOST: 'vc', VSPHERE_SPECS_SIZE: '0' }, '--vsphere.specs-size: query at least 1 object at a time'],
    [['--vsphere.page-size', '0'], { VSPHERE_HOST: 'vc' }, '--vsphere.page-size: read at least 1 object per page'],
    [[], { VSPHERE_HOST: 'https://[vc' }, '--vsphere.host: "https://[vc" is not a host, host:port or URL'],
    [[], { VSPHERE_IGNORE_SSL: 'maybe' }, '$VSPHERE_IGNORE_SSL: "maybe" is not a boolean (want true or false)'],
  ]
  for (const [args, env, message] of cases) {
    const { code, stderr } = await runToExit(vsphereExporterBin, args, env)
    t.equal(code, 1, message)
    t.match(stderr, message)
  }
})

t.test(
  'the command npm links runs Node with a smaller young generation and one malloc arena, as the image does',
  async (t) => {
    const command = new URL('../../collectors/vsphere/bin/vsphere_exporter.js', import.meta.url).pathname
    const preload = join(dir, 'exec-argv.cjs')
    writeFileSync(
      preload,
      'process.stderr.write(`execArgv ${JSON.stringify(process.execArgv)} arenas ${process.env.MALLOC_ARENA_MAX}\\n`)\n',
    )
    const { MALLOC_ARENA_MAX: _, ...environment } = process.env
    const run = spawnSync(command, ['--version'], { env: { ...environment, NODE_OPTIONS: `--require ${preload}` } })
    t.equal(run.status, 0, 'it runs through its #! line')
    t.match(run.stderr.toString(), 'execArgv ["--max-semi-space-size=8"] arenas 1\n')
  },
)
