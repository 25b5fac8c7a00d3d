// Peers: prometheus-pushgateway
// The seed's use: a list of URLs probed and pushed to a Pushgateway (instead of a script that curls each URL and
// pushes its status code), once or on an interval; the same list probed at every scrape of /metrics.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { get, runToExit, startExporter } from '../helpers/exporter-process.js'
import { startPushgateway } from '../helpers/pushgateway.js'

const probeExporterBin = new URL('../../collectors/probe/dist/main.js', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'promkit-probe-push-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const modules = join(dir, 'blackbox.yml')
writeFileSync(
  modules,
  'modules:\n  http_2xx:\n    prober: http\n    http: { preferred_ip_protocol: ip4 }\n  tcp_connect:\n    prober: tcp\n    tcp: { preferred_ip_protocol: ip4 }\n',
)

async function site(t: Test): Promise<string> {
  const server = createServer((_request, response) => response.end('hello promkit\n'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => void server.close())
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/`
}

t.test(
  '--probe.targets-file with push mode: every target probed and pushed, labelled with module and target',
  async (t) => {
    const url = await site(t)
    const targets = join(dir, 'targets.txt')
    writeFileSync(targets, `# the shop\n${url}\n\n127.0.0.1:1 tcp_connect   # nothing listens\n`)
    const gateway = await startPushgateway(t)
    const run = await runToExit(probeExporterBin, [
      '--config.file',
      modules,
      '--probe.targets-file',
      targets,
      '--push.gateway-url',
      gateway.url,
      '--push.job',
      'web_probe',
    ])
    t.equal(run.code, 0, run.stderr)
    const [group] = await gateway.groups()
    t.same(group?.labels, { job: 'web_probe' })
    const success = group?.metrics.probe_success?.metrics.map(({ labels, value }) => [
      labels.module,
      labels.target,
      value,
    ])
    t.same(
      success?.sort(),
      [
        ['http_2xx', url, '1'],
        ['tcp_connect', '127.0.0.1:1', '0'],
      ],
      'the module defaults to http_2xx',
    )
    t.same(
      group?.metrics.probe_http_status_code?.metrics.map(({ labels, value }) => [labels.target, value]),
      [[url, '200']],
    )
    t.same(
      group?.metrics.probe_failure_info?.metrics.map(({ labels }) => labels.reason),
      ['connection_refused'],
      'and why the other failed',
    )
  },
)

t.test('--probe.targets-file when serving: the targets are probed at every scrape of /metrics', async (t) => {
  const url = await site(t)
  const targets = join(dir, 'served.txt')
  writeFileSync(targets, `${url} http_2xx\n`)
  const exporter = await startExporter(t, probeExporterBin, ['--config.file', modules, '--probe.targets-file', targets])
  const text = (await get(`${exporter.base}/metrics`)).text
  t.match(text, new RegExp(`^probe_success\\{module="http_2xx",target="${url.replaceAll('.', '\\.')}"\\} 1$`, 'm'))
  // The counters are read as the scrape begins, beside the probes it runs: the next scrape counts this one's.
  const next = (await get(`${exporter.base}/metrics`)).text
  t.match(next, /^blackbox_probes_total\{module="http_2xx",result="success"\} 1$/m)
})

t.test(
  'a targets file in YAML: groups of targets with their module, as file-based service discovery lists them',
  async (t) => {
    const url = await site(t)
    const targets = join(dir, 'targets.yml')
    writeFileSync(targets, `- targets: ['${url}']\n- targets: ['127.0.0.1:1', '127.0.0.1:2']\n  module: tcp_connect\n`)
    const exporter = await startExporter(t, probeExporterBin, [
      '--config.file',
      modules,
      '--probe.targets-file',
      targets,
    ])
    const text = (await get(`${exporter.base}/metrics`)).text
    const success = [...text.matchAll(/^probe_success\{module="([^"]+)",target="([^"]+)"\} (\d)$/gm)].map((m) =>
      m.slice(1),
    )
    t.same(success, [
      ['http_2xx', url, '1'],
      ['tcp_connect', '127.0.0.1:1', '0'],
      ['tcp_connect', '127.0.0.1:2', '0'],
    ])
    const bad = join(dir, 'bad.yaml')
    for (const [text, problem] of [
      ['- targets: [a]\n  module: nope\n', '[0].module: unknown module "nope"'],
      ['- targets: [a]\n  modules: tcp_connect\n', '[0].modules: unknown key (known: targets, module)'],
      ['- targets: [a]\n- targets: [b, a]\n', '[1].targets[1]: a with http_2xx is listed already, on [0].targets[0]'],
      ['- targets: a\n', '[0].targets: must be a list'],
      ['targets: [a]\n', 'file: must be a list of groups (- targets: [...], module: ...)'],
    ] as const) {
      writeFileSync(bad, text)
      const run = await runToExit(probeExporterBin, ['--config.file', modules, '--probe.targets-file', bad])
      t.match([run.code, run.stderr], [1, `probe_exporter: targets file ${bad}: ${problem}`], problem)
    }
    writeFileSync(bad, '')
    const empty = await runToExit(probeExporterBin, [
      '--config.file',
      modules,
      '--probe.targets-file',
      bad,
      '--config.check',
    ])
    t.equal(empty.code, 0, 'an empty file: no targets')
  },
)

t.test('a targets file that cannot be used stops the exporter with its line', async (t) => {
  const targets = join(dir, 'bad.txt')
  for (const [text, problem] of [
    ['http://a/ http_2xx\nhttp://b/ nope\n', `targets file ${targets}:2: unknown module "nope"`],
    ['http://a/ http_2xx extra\n', `targets file ${targets}:1: want a target and a module, got 3 fields`],
    [
      'http://a/\n# again\nhttp://a/ http_2xx\n',
      `targets file ${targets}:3: http://a/ with http_2xx is listed already, on line 1`,
    ],
  ] as const) {
    writeFileSync(targets, text)
    const run = await runToExit(probeExporterBin, ['--config.file', modules, '--probe.targets-file', targets])
    t.same([run.code, run.stderr], [1, `probe_exporter: ${problem}\n`])
  }
  const missing = await runToExit(probeExporterBin, [
    '--config.file',
    modules,
    '--probe.targets-file',
    join(dir, 'none'),
  ])
  t.same(
    [missing.code, missing.stderr],
    [1, `probe_exporter: targets file ${join(dir, 'none')}: cannot be read: ENOENT\n`],
  )
})
