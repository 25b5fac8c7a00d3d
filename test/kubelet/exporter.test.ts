// Peers: openssl promtool
// kubelet_exporter against loopback HTTPS servers shaped like a kubelet and the API server, serving recorded
// /stats/summary answers: both routes, what a failing node looks like, and the flags' refusals.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { parseAllDocuments } from 'yaml'
import { makeCertificates } from '../helpers/certificates.js'
import { expectLog, get, runToExit, samples, secret, startExporter } from '../helpers/exporter-process.js'
import { parseExposition } from '../helpers/exposition-parser.js'
import { type NodeAnswer, startFakeApiServer, startFakeKubelet, summaryFixture } from '../helpers/kubernetes.js'
import { freePort } from '../helpers/ports.js'
import { promtoolCheckMetrics } from '../helpers/promtool.js'

const kubeletBin = new URL('../../collectors/kubelet/dist/main.js', import.meta.url).pathname
const golden = readFileSync(new URL('../golden/kubelet-schema-linux.txt', import.meta.url), 'utf8')

const dir = mkdtempSync(join(tmpdir(), 'promkit-kubelet-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const certificates = makeCertificates(dir)
const token = secret('kubelet-token-9d2f61c4')
const tokenFile = join(dir, 'token')
writeFileSync(tokenFile, `${token}\n`)
const caFile = certificates.caCert

/** The families the exporter makes of a summary (not its own health). */
const summaryFamilies = [
  'container_',
  'pod_',
  'node_',
  'kubelet_volume_stats_',
  'kubelet_stats_node_',
  'kubelet_stats_pod_',
  'kubelet_stats_container_',
  'kubelet_stats_system_container_',
]

/** The value of one sample line, by its name and labels as written (`{}` for none). */
function value(text: string, series: string): number | undefined {
  const sample = parseExposition(text, 'text').samples.find(
    (each) =>
      `${each.name}{${Object.entries(each.labels)
        .map(([name, label]) => `${name}="${label}"`)
        .join(',')}}` === series,
  )
  return sample?.value
}

/** A log line's text, as logfmt quotes it (`"` escaped), as a pattern. */
function logged(text: string): RegExp {
  return new RegExp(text.replaceAll('"', '\\"').replace(/[\\^$.*+?()[\]{}|]/g, '\\$&'))
}

/** The cluster-wide route through the API server at `url`, with the test token and CA. */
const clusterArgs = (url: string, ...more: string[]) => [
  '--kubernetes.api-url',
  url,
  '--kubernetes.token-file',
  tokenFile,
  '--kubernetes.ca-file',
  caFile,
  ...more,
]

const directArgs = (url: string, ...more: string[]) => [
  '--kubelet.url',
  url,
  '--kubelet.token-file',
  tokenFile,
  '--kubelet.ca-file',
  caFile,
  ...more,
]

t.test('DaemonSet route: the node kubelet over HTTPS, its CA and token, gives the golden exposition', async (t) => {
  const kubelet = await startFakeKubelet(t, certificates, token, () => ({ body: summaryFixture('schema-linux.json') }))
  const exporter = await startExporter(t, kubeletBin, directArgs(kubelet.url))
  const { status, text } = await get(`${exporter.base}/metrics`)
  t.equal(status, 200)
  t.same(samples(text, ...summaryFamilies), samples(golden, ...summaryFamilies))
  t.equal(value(text, 'kubelet_stats_up{}'), 1)
  t.equal(value(text, 'resource_scrape_error{}'), 0)
  t.equal(value(text, 'kubelet_stats_duplicates{kind="container"}'), 1)
  t.equal(value(text, 'kubelet_stats_scrape_collector_success{collector="kubelet"}'), 1)
  t.same(kubelet.requests, ['/stats/summary'], 'one read for the six collectors of a scrape, all of the summary')
  t.equal(promtoolCheckMetrics(text).status, 0, 'promtool finds nothing to lint')
  await get(`${exporter.base}/metrics`)
  t.equal(kubelet.requests.length, 2, 'and one more for the next scrape')
})

t.test('only CPU and memory are asked for when only the kubelet and resource collectors run', async (t) => {
  const kubelet = await startFakeKubelet(t, certificates, token, () => ({
    body: summaryFixture('otel-minikube-1.json'),
  }))
  const exporter = await startExporter(
    t,
    kubeletBin,
    directArgs(kubelet.url, '--collector.disable-defaults', '--collector.kubelet', '--collector.resource'),
  )
  const { text } = await get(`${exporter.base}/metrics`)
  t.same(kubelet.requests, ['/stats/summary?only_cpu_and_memory=true'])
  t.equal(
    value(text, 'pod_cpu_usage_seconds_total{namespace="default",pod="go-hello-world-5456b4b8cd-99vxc"}'),
    0.300122579,
  )
  t.notMatch(text, /^kubelet_stats_pod_/m)
})

t.test('a failing kubelet: up 0 and a line that says what to fix; the next scrape recovers', async (t) => {
  let answer: NodeAnswer = { body: '<html>busy</html>' }
  const kubelet = await startFakeKubelet(t, certificates, token, () => answer)
  const exporter = await startExporter(t, kubeletBin, directArgs(kubelet.url))
  const scrape = async () => {
    const { status, text } = await get(`${exporter.base}/metrics`)
    t.equal(status, 200, 'the scrape still answers 200')
    return text
  }
  const host = kubelet.url.replace('https://', '')
  const failures: [string, () => void, string][] = [
    [
      'not JSON',
      () => undefined,
      `the kubelet at ${host}: the answer is not JSON (Unexpected token '<', "<html>busy</html>" is not valid JSON)`,
    ],
    [
      'a token the kubelet refuses',
      () => (kubelet.token = 'rotated'),
      `the kubelet at ${host}: answered 401 Unauthorized: the token in ${tokenFile} was not accepted`,
    ],
    [
      'RBAC without nodes/stats',
      () => {
        kubelet.token = token
        answer = {
          status: 403,
          body: 'Forbidden (user=system:serviceaccount:monitoring:kubelet-exporter, verb=get, resource=nodes, subresource=stats)',
        }
      },
      `the kubelet at ${host}: answered 403 Forbidden: RBAC does not let the service account get nodes/stats`,
    ],
    [
      'a server error',
      () => (answer = { status: 500, body: 'internal error:\n  summary not ready' }),
      `the kubelet at ${host}: answered 500 Internal Server Error: internal error: summary not ready`,
    ],
  ]
  for (const [what, arrange, message] of failures) {
    arrange()
    const text = await scrape()
    t.equal(value(text, 'kubelet_stats_up{}'), 0, `${what}: up 0`)
    t.equal(value(text, 'resource_scrape_error{}'), 1, `${what}: resource_scrape_error 1`)
    t.equal(value(text, 'kubelet_stats_scrape_collector_success{collector="kubelet"}'), 0)
    t.equal(value(text, 'kubelet_stats_scrape_collector_success{collector="pod"}'), 1, 'the other collectors are fine')
    t.notMatch(text, /^container_/m)
    await expectLog(t, exporter, logged(`collect() reported: ${message}`))
  }
  answer = { body: summaryFixture('datadog-windows.json') }
  const text = await scrape()
  t.equal(value(text, 'kubelet_stats_up{}'), 1, 'recovered')
  t.equal(value(text, 'node_memory_working_set_bytes{}'), 924364800)
})

t.test('TLS problems name the certificate problem', async (t) => {
  const rogue = await startFakeKubelet(t, certificates, token, () => ({ body: '{}' }), {
    cert: certificates.pem.rogue,
    key: certificates.pem.rogueKey,
  })
  const named = await startFakeKubelet(t, certificates, token, () => ({ body: '{}' }))
  const cases: [string, string][] = [
    [
      rogue.url,
      'its certificate is not signed by a trusted CA (set the CA file, or skip verification): self-signed certificate',
    ],
    [
      named.unnamedUrl,
      "its certificate does not name the host in the URL: Hostname/IP does not match certificate's altnames: IP: 127.0.0.2 is not in the cert's list: 127.0.0.1",
    ],
  ]
  for (const [url, problem] of cases) {
    const exporter = await startExporter(t, kubeletBin, directArgs(url))
    const { text } = await get(`${exporter.base}/metrics`)
    t.equal(value(text, 'kubelet_stats_up{}'), 0)
    await expectLog(t, exporter, new RegExp(problem.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')))
  }
  const insecure = await startExporter(t, kubeletBin, [
    '--kubelet.url',
    rogue.url,
    '--kubelet.token-file',
    tokenFile,
    '--kubelet.insecure-skip-tls-verify',
  ])
  const { text } = await get(`${insecure.base}/metrics`)
  t.equal(value(text, 'kubelet_stats_up{}'), 0, '--kubelet.insecure-skip-tls-verify reaches it (an empty summary)')
  await expectLog(t, insecure, /the answer has no \\"node\\" object/)
})

t.test('an unreachable kubelet, and a token file that went away', async (t) => {
  const port = await freePort()
  const exporter = await startExporter(t, kubeletBin, [
    '--kubelet.url',
    `https://127.0.0.1:${port}`,
    '--kubelet.token-file',
    join(dir, 'missing-token'),
  ])
  const { text } = await get(`${exporter.base}/metrics`)
  t.equal(value(text, 'kubelet_stats_up{}'), 0)
  await expectLog(t, exporter, new RegExp(`the kubelet at 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`))
  const kubelet = await startFakeKubelet(t, certificates, token, () => ({ body: '{}' }))
  const noToken = await startExporter(t, kubeletBin, [
    '--kubelet.url',
    kubelet.url,
    '--kubelet.ca-file',
    caFile,
    '--kubelet.token-file',
    join(dir, 'missing-token'),
  ])
  await get(`${noToken.base}/metrics`)
  await expectLog(
    t,
    noToken,
    /answered 401 Unauthorized: no token was sent: \S+missing-token could not be read \(ENOENT\)/,
  )
  const anonymous = await startExporter(t, kubeletBin, [
    '--kubelet.url',
    kubelet.url,
    '--kubelet.ca-file',
    caFile,
    '--kubelet.token-file=',
  ])
  await get(`${anonymous.base}/metrics`)
  await expectLog(t, anonymous, /answered 401 Unauthorized: no token is configured/)
})

t.test('a rotated token is read again before the next scrape', async (t) => {
  const rotating = join(dir, 'rotating-token')
  writeFileSync(rotating, 'first-token')
  const kubelet = await startFakeKubelet(t, certificates, 'first-token', () => ({
    body: summaryFixture('otel-minikube-1.json'),
  }))
  const exporter = await startExporter(t, kubeletBin, [
    '--kubelet.url',
    kubelet.url,
    '--kubelet.ca-file',
    caFile,
    '--kubelet.token-file',
    rotating,
  ])
  t.equal(value((await get(`${exporter.base}/metrics`)).text, 'kubelet_stats_up{}'), 1)
  writeFileSync(rotating, 'second-token')
  kubelet.token = 'second-token'
  t.equal(value((await get(`${exporter.base}/metrics`)).text, 'kubelet_stats_up{}'), 1)
})

t.test(
  'cluster route: every node through the API server, a node label on each series, failures per node',
  async (t) => {
    const nodes = new Map<string, NodeAnswer>([
      ['minikube', { body: summaryFixture('otel-minikube-2.json') }],
      ['win-1', { body: summaryFixture('datadog-windows.json') }],
      ['forbidden', { status: 403, body: '{"kind":"Status","reason":"Forbidden"}' }],
      ['hanging', 'hang'],
      ['garbage', { body: 'null' }],
    ])
    const api = await startFakeApiServer(t, certificates, token, () => nodes)
    const exporter = await startExporter(
      t,
      kubeletBin,
      clusterArgs(
        api.url,
        '--kubernetes.node-concurrency',
        '2',
        '--kubernetes.node-selector',
        'kubernetes.io/os in (linux,windows)',
      ),
    )
    const { status, text } = await get(`${exporter.base}/metrics`, {
      headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '2' },
    })
    t.equal(status, 200)
    const up = Object.fromEntries(
      [...nodes.keys()].map((node) => [node, value(text, `kubelet_stats_up{node="${node}"}`)]),
    )
    t.same(up, { minikube: 1, 'win-1': 1, forbidden: 0, hanging: 0, garbage: 0 })
    t.equal(value(text, 'resource_scrape_error{node="hanging"}'), 1)
    t.equal(value(text, 'node_memory_working_set_bytes{node="win-1"}'), 924364800)
    t.equal(
      value(
        text,
        'container_cpu_usage_seconds_total{container="server",namespace="default",node="minikube",pod="go-hello-world-5456b4b8cd-99vxc"}',
      ),
      2.271467923,
    )
    const unlabelled = parseExposition(text, 'text').samples.filter(
      (sample) => summaryFamilies.some((prefix) => sample.name.startsWith(prefix)) && sample.labels.node === undefined,
    )
    t.same(unlabelled, [], 'every series of a node carries its name')
    t.equal(
      value(text, 'kubelet_stats_scrape_collector_success{collector="kubelet"}'),
      1,
      'failing nodes do not fail the collector',
    )
    t.ok(api.mostInFlight() <= 2, `at most 2 nodes read at once (saw ${api.mostInFlight()})`)
    const lists = api.requests.filter((path) => path.startsWith('/api/v1/nodes?'))
    t.same(
      lists,
      [
        '/api/v1/nodes?limit=500&labelSelector=kubernetes.io%2Fos+in+%28linux%2Cwindows%29',
        '/api/v1/nodes?limit=500&labelSelector=kubernetes.io%2Fos+in+%28linux%2Cwindows%29&continue=2',
        '/api/v1/nodes?limit=500&labelSelector=kubernetes.io%2Fos+in+%28linux%2Cwindows%29&continue=4',
      ],
      'the node list read page by page',
    )
    const host = api.url.replace('https://', '')
    await expectLog(
      t,
      exporter,
      /node=forbidden err="the API server at [^:]+:\d+: answered 403 Forbidden: RBAC does not let the service account get nodes\/proxy"/,
    )
    await expectLog(
      t,
      exporter,
      new RegExp(`node=hanging err="the API server at ${host}: no summary of the node before the scrape deadline"`),
    )
    await expectLog(t, exporter, /node=garbage err="the API server at [^"]+: the answer has no \\"node\\" object/)
  },
)

t.test('cluster route: a node list the API server refuses fails the kubelet collector, and says why', async (t) => {
  const api = await startFakeApiServer(t, certificates, 'another-token', () => new Map())
  const exporter = await startExporter(t, kubeletBin, clusterArgs(api.url))
  const { status, text } = await get(`${exporter.base}/metrics`)
  t.equal(status, 200)
  t.equal(value(text, 'kubelet_stats_scrape_collector_success{collector="kubelet"}'), 0)
  t.notMatch(text, /^kubelet_stats_up/m, 'no node, no up')
  await expectLog(t, exporter, /answered 401 Unauthorized: the token in \S+ was not accepted/)
})

t.test('in a cluster: the API server from the service environment', async (t) => {
  const nodes = new Map<string, NodeAnswer>([['only', { body: summaryFixture('otel-minikube-1.json') }]])
  const api = await startFakeApiServer(t, certificates, token, () => nodes)
  const { port } = new URL(api.url)
  const exporter = await startExporter(
    t,
    kubeletBin,
    ['--kubernetes.token-file', tokenFile, '--kubernetes.ca-file', caFile],
    {
      env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: port },
    },
  )
  t.equal(value((await get(`${exporter.base}/metrics`)).text, 'kubelet_stats_up{node="only"}'), 1)
  const ipv6 = await startExporter(t, kubeletBin, ['--kubernetes.token-file', tokenFile], {
    env: { KUBERNETES_SERVICE_HOST: '::1', KUBERNETES_SERVICE_PORT: '1' },
  })
  await get(`${ipv6.base}/metrics`)
  await expectLog(t, ipv6, /the API server at \[::1\]:1: /)
})

t.test('flags are refused with one line that names them', async (t) => {
  const refusals: [string[], string][] = [
    [
      [],
      'set --kubelet.url (the node to read) or --kubernetes.api-url (every node, through the API server); outside a cluster there is no default',
    ],
    [['--kubelet.url', 'kubelet:10250'], '--kubelet.url: "kubelet:10250" is not an http or https URL'],
    [['--kubelet.url', 'https://'], '--kubelet.url: "https://" is not a URL (want https://host:port)'],
    [
      ['--kubelet.url', 'https://u:p@10.0.0.5:10250'],
      '--kubelet.url: put credentials in the token file, not in the URL',
    ],
    [
      ['--kubelet.url', 'https://10.0.0.5:10250/stats/summary'],
      '--kubelet.url: "https://10.0.0.5:10250/stats/summary" has a path; give the server only (https://host:port)',
    ],
    [
      ['--kubernetes.api-url', 'https://api', '--kubernetes.ca-file', join(dir, 'nope.crt')],
      `--kubernetes.ca-file: cannot read ${join(dir, 'nope.crt')}: ENOENT`,
    ],
    [
      ['--kubernetes.api-url', 'https://api', '--kubernetes.node-concurrency', '0'],
      '--kubernetes.node-concurrency: read at least 1 node at a time',
    ],
  ]
  for (const [args, message] of refusals) {
    const { code, stderr } = await runToExit(kubeletBin, args, { KUBERNETES_SERVICE_HOST: '' })
    t.equal(code, 1, args.join(' '))
    t.match(stderr, message, args.join(' '))
  }
})

t.test('the scrape deadline: a kubelet or a node list that never answers is reported, in time', async (t) => {
  const kubelet = await startFakeKubelet(t, certificates, token, () => 'hang')
  const direct = await startExporter(t, kubeletBin, directArgs(kubelet.url))
  const timeout = { headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '1' } }
  const { status, text } = await get(`${direct.base}/metrics`, timeout)
  t.equal(status, 200)
  t.equal(value(text, 'kubelet_stats_up{}'), 0)
  await expectLog(
    t,
    direct,
    logged(`collect() reported: the kubelet at ${new URL(kubelet.url).host}: no answer before the scrape deadline`),
  )
  const api = await startFakeApiServer(t, certificates, token, () => 'hang')
  const cluster = await startExporter(t, kubeletBin, clusterArgs(api.url))
  t.equal((await get(`${cluster.base}/metrics`, timeout)).status, 200)
  await expectLog(
    t,
    cluster,
    logged(`collect() reported: the API server at ${new URL(api.url).host}: no node list before the scrape deadline`),
  )
})

t.test('the API server certificate is checked against the system CAs when --kubernetes.ca-file is empty', async (t) => {
  const api = await startFakeApiServer(t, certificates, token, () => new Map())
  const exporter = await startExporter(t, kubeletBin, [
    '--kubernetes.api-url',
    api.url,
    '--kubernetes.token-file',
    tokenFile,
    '--kubernetes.ca-file=',
  ])
  await get(`${exporter.base}/metrics`)
  await expectLog(t, exporter, /the API server at [^:]+:\d+: its certificate is not signed by a trusted CA/)
})

t.test("deploy/kubernetes: the DaemonSet's and the Deployment's own arguments, and least-privilege RBAC", async (t) => {
  // biome-ignore lint/suspicious/noExplicitAny: parsed YAML, each field checked where it is read
  const documents: Record<string, any>[] = parseAllDocuments(
    readFileSync(new URL('../../deploy/kubernetes/kubelet-exporter.yaml', import.meta.url), 'utf8'),
  ).map((doc) => doc.toJS())
  const workload = (kind: string) => documents.find((doc) => doc.kind === kind)?.spec.template.spec
  const daemon = workload('DaemonSet')
  const cluster = workload('Deployment')
  const rules = Object.fromEntries(
    documents
      .filter((doc) => doc.kind === 'ClusterRole')
      .map((role) => [
        role.metadata.name,
        role.rules.map((rule: { resources: string[]; verbs: string[] }) => `${rule.verbs} ${rule.resources}`),
      ]),
  )
  t.same(rules, {
    'kubelet-exporter': ['get nodes/stats'],
    'kubelet-exporter-cluster': ['list nodes', 'get nodes/proxy'],
  })
  const bindings = documents.filter((doc) => doc.kind === 'ClusterRoleBinding')
  for (const spec of [daemon, cluster]) {
    const binding = bindings.find((each) => each.subjects[0].name === spec.serviceAccountName)
    t.equal(binding?.roleRef.name, spec.serviceAccountName, `${spec.serviceAccountName}: bound to its own role`)
  }
  const serviceAccount = (args: string[]) =>
    args.map((arg) => arg.replace('/var/run/secrets/kubernetes.io/serviceaccount/ca.crt', caFile))

  const kubelet = await startFakeKubelet(t, certificates, token, () => ({
    body: summaryFixture('otel-minikube-1.json'),
  }))
  const [daemonBin, ...daemonArgs] = daemon.containers[0].args as string[]
  t.equal(daemonBin, 'kubelet_exporter')
  t.same(daemon.containers[0].env.find((each: { name: string }) => each.name === 'NODE_IP')?.valueFrom, {
    fieldRef: { fieldPath: 'status.hostIP' },
  })
  const daemonExporter = await startExporter(
    t,
    kubeletBin,
    [...serviceAccount(daemonArgs), '--kubelet.token-file', tokenFile].map((arg) =>
      arg.replace('$(NODE_IP):10250', new URL(kubelet.url).host),
    ),
  )
  t.equal(
    value((await get(`${daemonExporter.base}/metrics`)).text, 'kubelet_stats_up{}'),
    1,
    'the DaemonSet reads its node',
  )

  const api = await startFakeApiServer(
    t,
    certificates,
    token,
    () => new Map([['n1', { body: summaryFixture('datadog-windows.json') }]]),
  )
  const [clusterBin, ...deploymentArgs] = cluster.containers[0].args as string[]
  t.equal(clusterBin, 'kubelet_exporter')
  const clusterExporter = await startExporter(
    t,
    kubeletBin,
    [...deploymentArgs, '--kubernetes.token-file', tokenFile, '--kubernetes.ca-file', caFile],
    {
      env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: new URL(api.url).port },
    },
  )
  t.equal(
    value((await get(`${clusterExporter.base}/metrics`)).text, 'kubelet_stats_up{node="n1"}'),
    1,
    'the Deployment reads every node',
  )
})
