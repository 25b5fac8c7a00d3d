// Scrape time, CPU and memory of our kubelet_exporter: one node of 110 pods (kubelet's default maximum; 3 containers
// and 2 volumes a pod) read directly, and a 500-node cluster read through an API-server-shaped server. No other
// exporter reads /stats/summary this way, so the figures stand against the targets alone.
import { type ChildProcess, spawn } from 'node:child_process'
import { cpuMs, median, peakRssMiB } from './process-stats.js'
import { ready } from './ready.js'

const ourExporter = new URL('../../collectors/kubelet/dist/main.js', import.meta.url).pathname

/**
 * A server in a process of its own: `/stats/summary` and `/api/v1/nodes/<node>/proxy/stats/summary` answer with one
 * node's summary of `pods` pods after `delayMs` (a kubelet's own time), `/api/v1/nodes` lists `nodes` nodes,
 * `/in-flight` says the most summary requests it had at once.
 */
const server = `
const [port, pods, nodes, delayMs] = process.argv.slice(1).map(Number)
const time = new Date().toISOString()
const fs = (used) => ({ time, availableBytes: 5e10, capacityBytes: 1e11, usedBytes: used, inodesFree: 6e6, inodes: 6.5e6, inodesUsed: 500 })
const usage = (i) => ({
  cpu: { time, usageNanoCores: 1e6 * i, usageCoreNanoSeconds: 1e9 * i },
  memory: { time, availableBytes: 4e8, usageBytes: 1.3e8, workingSetBytes: 1.1e8, rssBytes: 9e7, pageFaults: 1000, majorPageFaults: 3 },
})
const summary = JSON.stringify({
  node: { nodeName: 'node', startTime: time, ...usage(1000), fs: fs(4e10), runtime: { imageFs: fs(8e9) },
    network: { time, name: 'eth0', interfaces: [{ name: 'eth0', rxBytes: 5000, rxErrors: 0, txBytes: 6000, txErrors: 0 }] },
    rlimit: { time, maxpid: 4194304, curproc: 312 },
    systemContainers: ['kubelet', 'runtime', 'pods'].map((name) => ({ name, startTime: time, ...usage(7) })) },
  pods: Array.from({ length: pods }, (_, p) => ({
    podRef: { name: 'app-' + p + '-7d9c4b6f5-x2k9q', namespace: 'team-' + (p % 7), uid: String(p) },
    startTime: time,
    containers: ['app', 'sidecar', 'proxy'].map((name, c) => ({ name, startTime: time, ...usage(p + c), rootfs: fs(4096), logs: fs(20480) })),
    ...usage(p),
    network: { time, name: 'eth0', interfaces: [{ name: 'eth0', rxBytes: 700 * p, rxErrors: 0, txBytes: 800 * p, txErrors: 0 }] },
    volume: [
      { ...fs(1e9), name: 'data', pvcRef: { name: 'data-app-' + p, namespace: 'team-' + (p % 7) } },
      { ...fs(12288), name: 'kube-api-access-' + p },
    ],
    'ephemeral-storage': fs(24576),
  })),
})
const list = JSON.stringify({ items: Array.from({ length: nodes }, (_, n) => ({ metadata: { name: 'node-' + n } })) })
let inFlight = 0
let most = 0
require('node:http').createServer((request, response) => {
  if (request.url === '/in-flight') return response.end(String(most))
  if (request.url.startsWith('/api/v1/nodes?')) return response.end(list)
  inFlight++
  most = Math.max(most, inFlight)
  setTimeout(() => { inFlight--; response.end(summary) }, delayMs)
}).listen(port, '127.0.0.1', () => console.log('ready'))
`

/** One measured setup: scrape time, the exporter's CPU time per scrape, its peak RSS, and the series served. */
export interface KubeletScrapes {
  readonly label: string
  readonly series: number
  /** The client's wait for a whole (gzipped) answer, median. */
  readonly medianMs: number
  /** The exporter's own `last_scrape_duration`: reading the summaries and gathering, median. */
  readonly gatherMs: number
  /** The exporter's user and system CPU time per scrape, all of it (reading, gathering, encoding, gzip, HTTP). */
  readonly cpuMsPerScrape: number
  readonly rssMiB: number
  /** The most summary requests the server had at once. */
  readonly mostInFlight: number
}

async function measure(
  label: string,
  ports: () => Promise<number>,
  shape: { pods: number; nodes: number; delayMs: number },
  args: (serverUrl: string) => string[],
  scrapes: number,
): Promise<KubeletScrapes> {
  const [serverPort, exporterPort] = [await ports(), await ports()]
  const children: ChildProcess[] = []
  try {
    const fake = spawn(
      process.execPath,
      ['-e', server, String(serverPort), String(shape.pods), String(shape.nodes), String(shape.delayMs)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    children.push(fake)
    await new Promise((resolve) => fake.stdout?.once('data', resolve))
    const serverUrl = `http://127.0.0.1:${serverPort}`
    const exporter = spawn(
      process.execPath,
      [ourExporter, ...args(serverUrl), '--web.listen-address', `127.0.0.1:${exporterPort}`, '--log.level', 'error'],
      { stdio: 'ignore', env: { ...process.env, KUBERNETES_SERVICE_HOST: '' } },
    )
    children.push(exporter)
    const url = `http://127.0.0.1:${exporterPort}/metrics`
    await ready(`http://127.0.0.1:${exporterPort}/healthz`)
    const scrape = async () => {
      const started = performance.now()
      // Compressed, as Prometheus asks for it.
      const text = await (await fetch(url, { headers: { 'x-prometheus-scrape-timeout-seconds': '10' } })).text()
      const gatherSeconds = Number(/^kubelet_stats_exporter_last_scrape_duration_seconds (\S+)$/m.exec(text)?.[1])
      return { ms: performance.now() - started, gatherMs: gatherSeconds * 1000, text }
    }
    for (let i = 0; i < 3; i++) await scrape()
    const cpuBefore = cpuMs(exporter)
    const times: number[] = []
    const gatherTimes: number[] = []
    let text = ''
    for (let i = 0; i < scrapes; i++) {
      const result = await scrape()
      times.push(result.ms)
      gatherTimes.push(result.gatherMs)
      text = result.text
    }
    const cpuMsPerScrape = (cpuMs(exporter) - cpuBefore) / scrapes
    if (text.includes('kubelet_stats_up 0') || /kubelet_stats_up\{node="[^"]+"\} 0/.test(text)) {
      throw new Error(`${label}: a node was not read`)
    }
    return {
      label,
      series: text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length,
      medianMs: median(times),
      gatherMs: median(gatherTimes),
      cpuMsPerScrape,
      rssMiB: peakRssMiB(exporter),
      mostInFlight: Number(await (await fetch(`${serverUrl}/in-flight`)).text()),
    }
  } finally {
    for (const child of children) child.kill()
  }
}

/** The node of 110 pods, read directly; 500 nodes of 30 pods through the API server, all collectors and CPU/memory. */
export async function kubeletScrapes(ports: () => Promise<number>): Promise<KubeletScrapes[]> {
  const direct = (url: string) => ['--kubelet.url', url, '--kubelet.token-file=']
  const cluster = (url: string) => [
    '--kubernetes.api-url',
    url,
    '--kubernetes.token-file=',
    '--kubernetes.ca-file=',
    '--kubernetes.node-concurrency',
    '20',
  ]
  const cpuAndMemory = ['--collector.disable-defaults', '--collector.kubelet', '--collector.resource']
  return [
    await measure('1 node, 110 pods, every collector', ports, { pods: 110, nodes: 1, delayMs: 0 }, direct, 30),
    await measure(
      '500 nodes of 30 pods, CPU and memory (resource)',
      ports,
      { pods: 30, nodes: 500, delayMs: 20 },
      (url) => [...cluster(url), ...cpuAndMemory],
      5,
    ),
    await measure('500 nodes of 30 pods, every collector', ports, { pods: 30, nodes: 500, delayMs: 20 }, cluster, 5),
  ]
}
