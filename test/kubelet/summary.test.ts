// Peers: promtool
// The recorded /stats/summary answers (test/fixtures/kubelet, with their sources) turned into metrics: each gives
// exactly its golden exposition, which promtool accepts without a finding; and what real nodes send oddly.
import { readFileSync, writeFileSync } from 'node:fs'
import { Registry, encode } from 'promkit'
import t from 'tap'
import { kubeletDescs } from '../../collectors/kubelet/descs.js'
import { type Summary, SummaryError, parseSummary } from '../../collectors/kubelet/summary.js'
import {
  emitContainers,
  emitNode,
  emitPods,
  emitResource,
  emitVolumeStats,
} from '../../collectors/kubelet/summary-metrics.js'
import { parseExposition } from '../helpers/exposition-parser.js'
import { promtoolCheckMetrics } from '../helpers/promtool.js'

const fixture = (name: string) => readFileSync(new URL(`../fixtures/kubelet/${name}`, import.meta.url), 'utf8')
const goldenFile = (name: string) => new URL(`../golden/kubelet-${name.replace('.json', '.txt')}`, import.meta.url)

/** Every family the exporter makes of summaries, `node` labelled with each summary's node name when `nodeLabel`. */
async function exposition(summaries: readonly Summary[], nodeLabel = false): Promise<string> {
  const descs = kubeletDescs(nodeLabel)
  const registry = new Registry()
  const parts = [
    ['resource', descs.resource, emitResource],
    ['volume', descs.volumeStats, emitVolumeStats],
    ['node', descs.node, emitNode],
    ['pod', descs.pod, emitPods],
    ['container', descs.container, emitContainers],
  ] as const
  for (const [name, group, write] of parts) {
    registry.register({
      name,
      describe: () => [],
      collect: (emit) => {
        for (const summary of summaries) {
          ;(write as (...args: unknown[]) => void)(emit, group, summary, nodeLabel ? summary.node.name : undefined)
        }
      },
    })
  }
  const { families, errors } = await registry.gather()
  if (errors.length > 0) throw errors[0]
  return encode(families, 'text')
}

const fixtures = [
  'schema-linux.json',
  'datadog-gke.json',
  'datadog-windows.json',
  'otel-minikube-1.json',
  'otel-minikube-2.json',
  'elastic-gke-2017.json',
]

for (const name of fixtures) {
  t.test(`${name} gives exactly its golden exposition, which promtool accepts`, async (t) => {
    const text = await exposition([parseSummary(fixture(name))])
    if (process.env.UPDATE_GOLDEN) writeFileSync(goldenFile(name), text)
    t.equal(text, readFileSync(goldenFile(name), 'utf8'))
    const check = promtoolCheckMetrics(text)
    t.equal(check.status, 0, check.stderr)
  })
}

/** What each family of an exposition is: its type, label names, and whether its samples carry timestamps. */
function shapes(text: string, names: readonly string[]): Map<string, string> {
  const parsed = parseExposition(text, 'text')
  return new Map(
    names.map((name) => {
      const own = parsed.samples.filter((sample) => sample.name === name)
      const labels = [...new Set(own.flatMap((sample) => Object.keys(sample.labels)))].sort().join(',')
      const stamped = [...new Set(own.map((sample) => sample.timestamp !== undefined))].join('/')
      return [name, `${parsed.type.get(name)} {${labels}} timestamped=${stamped}`]
    }),
  )
}

t.test("/metrics/resource parity: a real kubelet's names, types, labels and timestamps", async (t) => {
  const reference = fixture('kubelet-1.28-metrics-resource.prom')
  const ours = await exposition([parseSummary(fixture('otel-minikube-1.json'))])
  // scrape_error was hidden in kubelet 1.29 for resource_scrape_error, which the collectors emit with up.
  const names = [...parseExposition(reference, 'text').type.keys()].filter((name) => name !== 'scrape_error')
  const expected = shapes(reference, names)
  // kubelet 1.28 stamped container_start_time_seconds with the start time itself; today's kubelet writes no stamp.
  expected.set('container_start_time_seconds', 'gauge {container,namespace,pod} timestamped=false')
  t.same(shapes(ours, names), expected)
  t.match(
    ours,
    /^container_cpu_usage_seconds_total\{container="kube-scheduler",namespace="kube-system",pod="kube-scheduler-minikube"\} 4\.560175707 1587423146000$/m,
    'value in seconds, timestamp in ms of the stats time',
  )
})

t.test('the cluster-wide route labels every series with its node, last', async (t) => {
  const summaries = ['otel-minikube-1.json', 'datadog-gke.json'].map((name) => parseSummary(fixture(name)))
  const text = await exposition(summaries, true)
  const parsed = parseExposition(text, 'text')
  t.same([...new Set(parsed.samples.map((sample) => sample.labels.node))].sort(), [
    'gke-lenaic-pool-1-1c8b424c-wnkn',
    'minikube',
  ])
  t.match(text, /^node_cpu_usage_seconds_total\{node="minikube"\} 263\.475389988 1587423147000$/m)
  t.equal(promtoolCheckMetrics(text).status, 0)
})

/** A summary of one node with `pods`, and the node's fields merged in. */
const body = (pods: unknown, node: Record<string, unknown> = {}) =>
  JSON.stringify({ node: { nodeName: 'n', ...node }, pods })

t.test('answers that are not a summary are refused with one line', async (t) => {
  t.throws(
    () => parseSummary('<html>'),
    new SummaryError(`the answer is not JSON (Unexpected token '<', "<html>" is not valid JSON)`),
  )
  t.throws(() => parseSummary('[]'), { message: 'the answer has no "node" object: not a /stats/summary answer' })
  t.throws(() => parseSummary('{"node": 3}'), SummaryError)
})

t.test('what real nodes send oddly is read as missing, never as 0', async (t) => {
  const summary = parseSummary(
    body(
      [
        { podRef: { name: 'a', namespace: 'x' }, containers: 'nonsense', cpu: { usageCoreNanoSeconds: '12' } },
        { podRef: { name: 'b' } },
        'not a pod',
        {
          podRef: { name: 'c', namespace: 'x' },
          containers: [
            { name: '' },
            { cpu: {} },
            { name: 'c1', cpu: { usageNanoCores: -1, time: '0001-01-01T00:00:00Z' } },
          ],
          network: { name: 'eth0', rxBytes: 5 },
          volume: [{ name: 'v', pvcRef: { name: 'claim' } }, { usedBytes: 1 }],
        },
      ],
      {
        network: { interfaces: [{ rxBytes: 1 }, { name: 'eth1', txBytes: 2 }, { name: 'eth1', txBytes: 3 }] },
        cpu: [],
      },
    ),
  )
  t.same(
    summary.pods.map((pod) => pod.name),
    ['a', 'c'],
    'a pod without a namespace, and a pod that is not an object, are skipped',
  )
  const [a, c] = summary.pods
  t.same(a?.containers, [], 'containers that are not a list are none')
  t.equal(a?.cpu?.usageSeconds, undefined, 'a number sent as a string is missing')
  t.same(
    c?.containers.map((container) => [container.name, container.cpu]),
    [['c1', { timeMs: undefined, usageCores: undefined, usageSeconds: undefined, pressure: undefined }]],
  )
  t.same(c?.interfaces, [{ name: 'eth0', rxBytes: 5, rxErrors: undefined, txBytes: undefined, txErrors: undefined }])
  t.same(
    c?.volumes.map((volume) => [volume.name, volume.claim]),
    [['v', undefined]],
    'a claim without a namespace is no claim',
  )
  t.same(
    summary.node.interfaces.map((network) => [network.name, network.txBytes]),
    [['eth1', 2]],
    'interfaces without a name are skipped, and the first of two of one name kept',
  )
  t.equal(summary.node.cpu, undefined, 'a cpu that is not an object is missing')
})

t.test('the same pod or container twice: the one that started last is kept, and counted', async (t) => {
  const container = (startTime: string | undefined, usageCoreNanoSeconds: number) => ({
    name: 'app',
    startTime,
    cpu: { usageCoreNanoSeconds },
  })
  const pod = (startTime: string, containers: unknown[]) => ({
    podRef: { name: 'p', namespace: 'x' },
    startTime,
    containers,
  })
  const summary = parseSummary(
    body([
      pod('2025-01-01T00:00:00Z', [container(undefined, 1e9)]),
      pod('2025-01-02T00:00:00Z', [
        container(undefined, 5e9),
        container('2025-01-02T00:00:05Z', 2e9),
        container('2025-01-02T00:00:01Z', 3e9),
        container('2025-01-02T00:00:05Z', 4e9),
        container(undefined, 6e9),
      ]),
      pod('2025-01-01T12:00:00Z', []),
    ]),
  )
  t.same(summary.duplicates, { pods: 2, containers: 4 })
  t.same(
    summary.pods.map((kept) => kept.containers.map((each) => each.cpu?.usageSeconds)),
    [[2]],
    'the pod started last, and of its containers the first of those started last (a start time beats none)',
  )
  const text = await exposition([summary])
  t.match(text, /^container_cpu_usage_seconds_total\{container="app",namespace="x",pod="p"\} 2$/m)
})

t.test('a counter above 2^53 is written as the kubelet writes it (float64 of the integer)', async (t) => {
  const summary = parseSummary(
    '{"node": {"cpu": {"time": "2025-06-23T19:09:32Z", "usageCoreNanoSeconds": 18446744073709551615}}, "pods": []}',
  )
  const text = await exposition([summary])
  // The kubelet's float64(uint64) / 1e9, written by Go as 1.8446744073709553e+10: the same float64.
  t.match(text, /^node_cpu_usage_seconds_total 18446744073\.709553 1750705772000$/m)
})

t.test('a node without swap, PSI or filesystems has none of their series', async (t) => {
  const text = await exposition([parseSummary(body([], { memory: { workingSetBytes: 1 } }))])
  t.same(
    parseExposition(text, 'text').samples.map((sample) => `${sample.name} ${sample.value}`),
    ['node_memory_working_set_bytes 1'],
    'no timestamp for stats without a time, and nothing else',
  )
})

t.test("swap without the node's memory, and a swap limit without swap usage", async (t) => {
  const summary = parseSummary(
    body(
      [
        {
          podRef: { name: 'p', namespace: 'x' },
          containers: [{ name: 'c', swap: { time: '2025-06-23T19:09:31Z', swapAvailableBytes: 1024 } }],
        },
      ],
      { swap: { time: '2025-06-23T19:09:33Z', swapUsageBytes: 7 } },
    ),
  )
  const text = await exposition([summary])
  t.match(text, /^node_swap_usage_bytes 7 1750705773000$/m, 'stamped with the swap time when there is no memory time')
  t.match(text, /^container_swap_limit_bytes\{container="c",namespace="x",pod="p"\} 1024 1750705771000$/m)
  t.notMatch(text, /^container_swap_usage_bytes/m)
})
